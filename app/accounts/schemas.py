from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from app.security.text import SafeName

EMAIL_PATTERN = r"^[^@\s]{1,64}@[^@\s]{1,189}\.[^@\s]{2,63}$"


class RegisterIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: SafeName = Field(max_length=254, pattern=EMAIL_PATTERN)
    password: str = Field(min_length=10, max_length=256)
    display_name: SafeName | None = Field(None, max_length=80)
    phone: str = Field(min_length=1, max_length=40, description="A number the care team can call (validated; "
                       "national numbers read in the deployment's ICBT_PHONE_REGION)")
    consent: Literal[True] = Field(description="Agreement to the terms and privacy notice; must be true.")

    @field_validator("phone")
    @classmethod
    def _phone(cls, v: str) -> str:
        from app.contact.schemas import normalise_phone
        return normalise_phone(v)  # ValueError: 422 naming "phone"

    @field_validator("display_name")
    @classmethod
    def _strip(cls, v: str | None) -> str | None:
        return v.strip() or None if v is not None else None


class RegisterOut(BaseModel):
    status: Literal["check_email"] = "check_email"
    detail: str = ("Thank you. We have sent an e-mail to that address. Open it to finish: it says what to do "
                   "next. If nothing arrives within a few minutes, check your spam folder.")


class UserOut(BaseModel):
    id: uuid.UUID
    email: str
    role: str


class MeOut(UserOut):
    display_name: str | None
    enrolled_at: datetime | None
    time_zone: str | None = None  # IANA name (app.reminders); times and diary days follow it
    language: str | None = None   # the interface language chosen (app.i18n); null: the browser's


class MeIn(BaseModel):
    """PATCH /api/v1/me: only the fields sent change."""

    model_config = ConfigDict(extra="forbid")

    display_name: str | None = Field(None, max_length=80)
    time_zone: str | None = Field(None, max_length=64, description="IANA name, e.g. Europe/London")
    language: str | None = Field(None, max_length=16, description="An interface language code, e.g. en or es; "
                                 "null: follow the browser")

    @field_validator("language")
    @classmethod
    def _known_language(cls, v: str | None) -> str | None:
        from app import i18n
        if v is None:
            return None
        found = i18n.pick(v)
        if found is None:
            raise ValueError(f"must be one of {', '.join(i18n.available())}")
        return found

    @field_validator("display_name")
    @classmethod
    def _strip(cls, v: str | None) -> str | None:
        return v.strip() or None if v is not None else None


class TokenOut(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int
