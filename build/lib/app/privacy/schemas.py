from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from app.accounts.schemas import EMAIL_PATTERN


class EmailChangeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str = Field(max_length=254, pattern=EMAIL_PATTERN)
    password: str = Field(min_length=1, max_length=256)


class PasswordIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    password: str = Field(min_length=1, max_length=256)


class AcceptedOut(BaseModel):
    status: str
    message: str


class ConsentEventOut(BaseModel):
    action: str
    privacy_version: str
    terms_version: str
    at: datetime


class ConsentOut(BaseModel):
    current_privacy_version: str
    current_terms_version: str
    accepted_privacy_version: str | None
    accepted_terms_version: str | None
    accepted_at: datetime | None
    up_to_date: bool
    history: list[ConsentEventOut]
