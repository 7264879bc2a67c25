"""Contact details: phone numbers validated with `phonenumbers` (region from ICBT_PHONE_REGION)."""

from __future__ import annotations

from typing import Annotated

import phonenumbers
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

NAME_MAX = 120
CALL_TIMES_MAX = 300


def normalise_phone(value: str) -> str:
    """A phone number in international form (+44 7700 900123); ValueError if it does not parse
    or is not a possible number."""
    from app.config import get_settings

    text = (value or "").strip()
    if not text:
        raise ValueError("Enter a phone number.")
    try:
        n = phonenumbers.parse(text, get_settings().phone_region.upper())
    except phonenumbers.NumberParseException:
        raise ValueError("That does not look like a phone number. Include the area code, e.g. 07700 900123.") from None
    if not phonenumbers.is_valid_number(n):
        raise ValueError("That does not look like a phone number. Include the area code, e.g. 07700 900123.")
    return phonenumbers.format_number(n, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def tel_uri(phone: str) -> str:
    return "tel:" + "".join(c for c in phone if c.isdigit() or c == "+")


Phone = Annotated[str, Field(max_length=40), AfterValidator(normalise_phone)]
Name = Annotated[str, Field(min_length=1, max_length=NAME_MAX)]


class GP(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Name
    phone: Phone


class EmergencyContact(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Name
    relationship: str = Field(min_length=1, max_length=60)
    phone: Phone


class ContactIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    phone: Phone
    gp: GP | None = None
    emergency_contact: EmergencyContact | None = None
    call_times: str | None = Field(None, max_length=CALL_TIMES_MAX)


class ContactOut(BaseModel):
    phone: str | None
    gp: GP | None = None
    emergency_contact: EmergencyContact | None = None
    call_times: str | None = None
