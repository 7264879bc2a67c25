"""How the care team can reach a patient (issue 12). One encrypted JSON document per patient."""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import ValidationError
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from app import clock
from app.contact.models import PatientContact
from app.contact.schemas import ContactIn, ContactOut
from app.errors import InvalidInput
from app.security import crypto


def get(session: Session, patient_id: uuid.UUID) -> ContactOut | None:
    row = _row(session, patient_id)
    if row is None:
        return None
    data = crypto.unseal_json(session, row, "content_enc") or {}
    return ContactOut.model_validate(data)


def has_phone(session: Session, patient_id: uuid.UUID) -> bool:
    c = get(session, patient_id)
    return c is not None and bool(c.phone)


SAFETY_KEY = "safety_answered_at"


_ROW = select(PatientContact).where(PatientContact.patient_id == bindparam("patient_id"))  # built once: home page


def _row(session: Session, patient_id: uuid.UUID) -> PatientContact | None:
    return session.scalars(_ROW, {"patient_id": patient_id}).first()


def safety_answered_at(session: Session, patient_id: uuid.UUID) -> str | None:
    """When the patient answered "Are you safe right now?" at first sign-in (ISO time), or None."""
    row = _row(session, patient_id)
    return None if row is None else (crypto.unseal_json(session, row, "content_enc") or {}).get(SAFETY_KEY)


def record_safety_answer(session: Session, patient_id: uuid.UUID) -> None:
    """Store that the safety question was answered ("yes"), in the patient's contact document."""
    row = _row(session, patient_id)
    doc: dict[str, Any] = {"phone": None}
    new = row is None
    if row is None:
        row = PatientContact(id=uuid.uuid4(), patient_id=patient_id, updated_at=clock.now())
    else:
        doc = crypto.unseal_json(session, row, "content_enc") or doc
    doc[SAFETY_KEY] = clock.now().isoformat()
    row.updated_at = clock.now()
    crypto.seal_json(session, row, "content_enc", doc)
    if new:
        session.add(row)
    session.flush()


def save(session: Session, patient_id: uuid.UUID, data: ContactIn) -> ContactOut:
    row = session.scalars(select(PatientContact).where(PatientContact.patient_id == patient_id)).first()
    new = row is None
    if row is None:
        row = PatientContact(id=uuid.uuid4(), patient_id=patient_id, updated_at=clock.now())
    row.updated_at = clock.now()
    doc = data.model_dump(mode="json")
    if not new:   # keep when the safety question was answered (first sign-in): not an API field
        answered = (crypto.unseal_json(session, row, "content_enc") or {}).get(SAFETY_KEY)
        if answered:
            doc[SAFETY_KEY] = answered
    crypto.seal_json(session, row, "content_enc", doc)
    if new:
        session.add(row)
    session.flush()
    return ContactOut.model_validate(data.model_dump())


def from_form(form: dict[str, str]) -> ContactIn:
    """Build ContactIn from the page's flat fields; InvalidInput lists every problem by field."""
    def part(prefix: str, keys: tuple[str, ...]) -> dict[str, str] | None:
        vals = {k: (form.get(f"{prefix}_{k}") or "").strip() for k in keys}
        return vals if any(vals.values()) else None

    raw: dict[str, Any] = {"phone": (form.get("phone") or "").strip(),
                           "gp": part("gp", ("name", "phone")),
                           "emergency_contact": part("ec", ("name", "relationship", "phone")),
                           "call_times": (form.get("call_times") or "").strip() or None}
    try:
        return ContactIn.model_validate(raw)
    except ValidationError as e:
        raise ContactInvalid(form_errors(e)) from None


class ContactInvalid(InvalidInput):
    """Every problem of the contact form, by form field name."""

    def __init__(self, errors: dict[str, str]) -> None:
        field, detail = next(iter(errors.items()))
        super().__init__(detail, field=field)
        self.errors = errors


_FORM_NAMES = {"gp": "gp", "emergency_contact": "ec"}


def form_errors(e: ValidationError) -> dict[str, str]:
    out: dict[str, str] = {}
    for err in e.errors():
        loc = [str(p) for p in err["loc"]]
        name = loc[0] if len(loc) == 1 else f"{_FORM_NAMES.get(loc[0], loc[0])}_{loc[1]}"
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] in ("string_too_short", "missing"):
            msg = "Fill this in (or leave the whole section empty)." if len(loc) > 1 else "Fill this in."
        out.setdefault(name, msg)
    return out
