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
    consent: Literal[True] = Field(description="Agreement to the terms and privacy notice; must be true.")

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


class TokenOut(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int
