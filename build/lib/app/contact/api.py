"""JSON: the patient's contact details (api.md: GET|PUT /api/v1/me/contact)."""

from __future__ import annotations

from fastapi import APIRouter

from app.accounts.dependencies import CurrentPatient
from app.contact import service
from app.contact.schemas import ContactIn, ContactOut
from app.db import SessionDep

router = APIRouter(tags=["accounts"])


@router.get("/me/contact", response_model=ContactOut)
def get_contact(session: SessionDep, patient: CurrentPatient) -> ContactOut:
    """Phone, GP, emergency contact and call times (`phone` null until given)."""
    return service.get(session, patient.id) or ContactOut(phone=None)


@router.put("/me/contact", response_model=ContactOut)
def put_contact(data: ContactIn, session: SessionDep, patient: CurrentPatient) -> ContactOut:
    """Replace the contact details. Phone numbers are validated (ICBT_PHONE_REGION for numbers
    without a country code) and stored in international form, encrypted."""
    return service.save(session, patient.id, data)
