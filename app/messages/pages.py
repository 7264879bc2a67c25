"""Pages: the patient's Messages (/messages) and the clinician's conversation with one
assigned patient (/clinician/patients/{id}/messages). Every compose box says messages are not
for emergencies, with Get help now beside it and the deployment's reply time."""

from __future__ import annotations

import secrets
import uuid
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from app.accounts.dependencies import PageClinician, PagePatient
from app.accounts.models import Role, User
from app.clinician import service as clinician_service
from app.db import SessionDep
from app.errors import InvalidInput
from app.escalation import service as escalation
from app.messages import service
from app.web import redirect, render
from app.i18n import N_, _t  # noqa: F401 - interface text (app.i18n)

router = APIRouter(include_in_schema=False)

BodyStr = Annotated[str, Form(max_length=50_000)]
KeyStr = Annotated[str, Form(max_length=64)]
NOTICES = {"sent": N_("Your message has been sent.")}


def new_key() -> str:
    return secrets.token_urlsafe(24)


def nav_counts(request: Request, session: SessionDep) -> None:
    """Page dependency (app/main.py): the patient's unread count for the Messages link."""
    user = getattr(request.state, "user", None)
    request.state.unread_messages = (service.unread_for_patient(session, user.id)
                                     if user is not None and user.role == Role.patient else 0)


def _patient_page(request: Request, session: Session, patient: User, *, body: str = "", errors: dict | None = None,
                  notice: str | None = None, pathway: object = None, status_code: int = 200) -> Response:
    msgs = service.conversation_for_patient(session, patient)
    request.state.unread_messages = 0
    return render(request, "patient/messages.html", {
        "page_title": _t('Messages'), "messages": msgs, "body": body, "errors": errors or {},
        "form_key": new_key(), "reply_time": service.reply_time(), "notice": notice, "pathway": pathway,
        "max_length": service.MAX_LENGTH}, status_code=status_code)


@router.get("/messages")
def messages(request: Request, session: SessionDep, patient: PagePatient, notice: str | None = None) -> Response:
    return _patient_page(request, session, patient, notice=NOTICES.get(notice or ""))


@router.post("/messages")
def send(request: Request, session: SessionDep, patient: PagePatient, body: BodyStr = "",
         idempotency_key: KeyStr = "") -> Response:
    try:
        sent = service.send_from_patient(session, patient, body, idempotency_key=idempotency_key or new_key())
    except InvalidInput as e:
        return _patient_page(request, session, patient, body=body, errors={e.field or "body": e.detail},
                             status_code=422)
    if sent.risk:
        # Shown at once, on this answer: the care team has been alerted in this transaction.
        return _patient_page(request, session, patient, notice="Your message has been sent.",
                             pathway=escalation.pathway_out("urgent"))  # type: ignore[arg-type]
    return redirect("/messages?notice=sent#latest")


def clinician_page(request: Request, session: Session, clinician: User, patient: User, *, body: str = "",
                   errors: dict | None = None, notice: str | None = None, status_code: int = 200) -> Response:
    from app.accounts import service as accounts
    msgs = service.conversation_for_clinician(session, clinician, patient)
    return render(request, "clinician/messages.html", {
        "page_title": _t('Messages'), "patient": patient, "name": accounts.display_name_of(session, patient)
        or accounts.email_of(session, patient), "messages": msgs, "body": body, "errors": errors or {},
        "form_key": new_key(), "reply_time": service.reply_time(), "notice": notice,
        "max_length": service.MAX_LENGTH}, status_code=status_code)


@router.get("/clinician/patients/{patient_id}/messages")
def clinician_messages(request: Request, session: SessionDep, clinician: PageClinician, patient_id: uuid.UUID,
                       notice: str | None = None) -> Response:
    patient = clinician_service.assigned_patient(session, clinician, patient_id)
    return clinician_page(request, session, clinician, patient, notice=NOTICES.get(notice or ""))


@router.post("/clinician/patients/{patient_id}/messages")
def clinician_send(request: Request, session: SessionDep, clinician: PageClinician, patient_id: uuid.UUID,
                   body: BodyStr = "", idempotency_key: KeyStr = "") -> Response:
    patient = clinician_service.assigned_patient(session, clinician, patient_id)
    try:
        service.send_from_clinician(session, clinician, patient, body, idempotency_key=idempotency_key or new_key())
    except InvalidInput as e:
        return clinician_page(request, session, clinician, patient, body=body,
                              errors={e.field or "body": e.detail}, status_code=422)
    return redirect(f"/clinician/patients/{patient_id}/messages?notice=sent#latest")
