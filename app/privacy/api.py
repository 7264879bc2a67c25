"""JSON: e-mail change, consent, export (JSON and FHIR), erasure request; the clinician's
FHIR Bundle of an assigned patient (api.md "Accounts", "Clinicians")."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from app.accounts import service as accounts
from app.accounts.dependencies import CurrentClinician, CurrentPatient, CurrentUser
from app.accounts.models import Role
from app.db import SessionDep
from app.errors import InvalidInput, NotFound
from app.privacy import erasure, export, service
from app.privacy.schemas import AcceptedOut, ConsentEventOut, ConsentOut, EmailChangeIn, PasswordIn
from app.i18n import N_, _t  # noqa: F401 - interface text (app.i18n)

router = APIRouter(tags=["data rights"])

EMAIL_SENT = N_("If that address can be used, we have sent a link to it; the change happens when "
              "the link is followed (within 24 hours). We have also told your current address.")
FHIR_JSON = "application/fhir+json"


@router.post("/me/email", status_code=202, response_model=AcceptedOut)
def change_email(body: EmailChangeIn, user: CurrentUser, session: SessionDep) -> AcceptedOut:
    """Ask to change the e-mail address (current password required). The same answer whether
    or not the new address already belongs to an account."""
    service.request_email_change(session, user, body.email, body.password)
    return AcceptedOut(status="sent", message=_t(EMAIL_SENT))


def _consent(session: SessionDep, user: Any) -> ConsentOut:
    st = service.state(session, user)
    privacy, terms = service.current_versions()
    return ConsentOut(current_privacy_version=privacy, current_terms_version=terms,
                      accepted_privacy_version=st.privacy_version, accepted_terms_version=st.terms_version,
                      accepted_at=st.accepted_at, up_to_date=st.current,
                      history=[ConsentEventOut(action=r.action, privacy_version=r.privacy_version,
                                               terms_version=r.terms_version, at=r.at)
                               for r in service.history(session, user.id)])


@router.get("/me/consent", response_model=ConsentOut)
def get_consent(user: CurrentUser, session: SessionDep) -> ConsentOut:
    return _consent(session, user)


@router.post("/me/consent", response_model=ConsentOut)
def accept_consent(user: CurrentUser, session: SessionDep) -> ConsentOut:
    """Accept the privacy notice and terms in force."""
    service.record_acceptance(session, user)
    return _consent(session, user)


@router.post("/me/consent/withdraw", status_code=202, response_model=AcceptedOut)
def withdraw_consent(body: PasswordIn, user: CurrentUser, session: SessionDep) -> AcceptedOut:
    """Withdraw consent (password required): every session, this one too, is signed out; the
    next sign-in asks again. What is stored stays (erasure is `POST /me/erasure`)."""
    if not service.check_password(session, user, body.password):
        raise InvalidInput(_t('Your password is not right. Nothing has changed.'), field="password")
    service.withdraw(session, user)
    return AcceptedOut(status="withdrawn", message="Consent withdrawn; you have been signed out everywhere.")


@router.get("/me/export")
def export_me(patient: CurrentPatient, session: SessionDep) -> JSONResponse:
    """Everything stored about you, as JSON (audited)."""
    return JSONResponse(export.export_json(session, patient), headers={
        "Content-Disposition": 'attachment; filename="steady-steps-export.json"', "Cache-Control": "no-store"})


@router.get("/me/export/fhir")
def export_me_fhir(patient: CurrentPatient, session: SessionDep) -> JSONResponse:
    """Your check-ins as an HL7 FHIR R4 Bundle (audited)."""
    return JSONResponse(export.fhir_bundle(session, patient, actor=patient), media_type=FHIR_JSON,
                        headers={"Cache-Control": "no-store"})


@router.post("/me/erasure", status_code=202, response_model=AcceptedOut)
def ask_erasure(body: PasswordIn, patient: CurrentPatient, session: SessionDep) -> AcceptedOut:
    """Ask for erasure (password required): recorded, and every session revoked at once."""
    erasure.request_erasure(session, patient, body.password)
    return AcceptedOut(status="requested", message=(
        "Your request is recorded and you have been signed out everywhere. Your clinic will carry it out."))


@router.get("/clinician/patients/{patient_id}/fhir")
def clinician_fhir(patient_id: uuid.UUID, session: SessionDep, clinician: CurrentClinician) -> JSONResponse:
    """An assigned patient's FHIR R4 Bundle (audited). Anyone else's patient is 404."""
    patient = accounts.get_user(session, patient_id)
    if (patient is None or patient.role != Role.patient
            or not accounts.is_assigned(session, clinician.id, patient_id)):
        raise NotFound()
    return JSONResponse(export.fhir_bundle(session, patient, actor=clinician, channel="clinician"),
                        media_type=FHIR_JSON, headers={"Cache-Control": "no-store"})
