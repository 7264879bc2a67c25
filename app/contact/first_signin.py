"""An invited patient's first sign-in (issue 12, items 4 and 10).

Self-registered patients answer "Are you safe right now?" and give a phone number at sign-up.
Patients whose account a clinic created (an invitation link, token purpose "invite") did
neither, so at sign-in, and on every later sign-in until done, they are asked the same safety
question and then for their phone number, before anything else. "No" shows the crisis
resources; the care team is told only if the patient presses "I am not safe right now"
(the usual not-safe path in app.safety). Clinicians, admins and the JSON API are unaffected.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from app.accounts.dependencies import PagePatient
from app.accounts.models import PasswordResetToken, Role, User
from app.contact import service
from app.contact.schemas import ContactIn, normalise_phone
from app.db import SessionDep
from app.web import redirect, render
from app.i18n import N_, _t  # noqa: F401 - interface text (app.i18n)

router = APIRouter(include_in_schema=False)

SAFE_PATH, PHONE_PATH = "/welcome/safe", "/welcome/phone"


_INVITED = select(PasswordResetToken.id).where(  # built once: the home page asks on every visit
    PasswordResetToken.user_id == bindparam("user_id"), PasswordResetToken.purpose == "invite").limit(1)


def was_invited(session: Session, user: User) -> bool:
    """The account was created by a clinic: it has (had) an invitation link."""
    return session.scalar(_INVITED, {"user_id": user.id}) is not None


def next_step(session: Session, user: User) -> str | None:
    """Where an invited patient must go first, or None when nothing is left to ask."""
    if user.role != Role.patient or not was_invited(session, user):
        return None
    if not service.safety_answered_at(session, user.id):
        return SAFE_PATH
    if not service.has_phone(session, user.id):
        return PHONE_PATH
    return None


def _safe_page(request: Request, errors: dict[str, str], status_code: int = 200) -> Response:
    return render(request, "patient/first_safe.html", {"errors": errors, "page_title": _t('Before you start')},
                  status_code=status_code)


@router.get(SAFE_PATH)
def safe_form(request: Request, session: SessionDep, patient: PagePatient) -> Response:
    step = next_step(session, patient)
    if step != SAFE_PATH:
        return redirect(step or "/")
    return _safe_page(request, {})


@router.post(SAFE_PATH)
def safe_answer(request: Request, session: SessionDep, patient: PagePatient,
                safe: Annotated[str, Form(max_length=10)] = "") -> Response:
    if safe == "no":   # the crisis resources; nobody is told unless they press "I am not safe"
        from app.escalation import service as escalation
        return render(request, "patient/first_not_safe.html", {
            "help": escalation.help_out(), "page_title": _t('Get help now')})
    if safe != "yes":
        return _safe_page(request, {"safe": "Choose yes or no."}, status_code=422)
    if not service.safety_answered_at(session, patient.id):
        service.record_safety_answer(session, patient.id)
    return redirect(next_step(session, patient) or "/")


def _phone_page(request: Request, phone: str, errors: dict[str, str], status_code: int = 200) -> Response:
    return render(request, "patient/first_phone.html", {
        "phone": phone, "errors": errors, "page_title": _t('How we can reach you')}, status_code=status_code)


@router.get(PHONE_PATH)
def phone_form(request: Request, session: SessionDep, patient: PagePatient) -> Response:
    step = next_step(session, patient)
    if step != PHONE_PATH:
        return redirect(step or "/")
    return _phone_page(request, "", {})


@router.post(PHONE_PATH)
def phone_save(request: Request, session: SessionDep, patient: PagePatient,
               phone: Annotated[str, Form(max_length=40)] = "") -> Response:
    step = next_step(session, patient)
    if step == SAFE_PATH:
        return redirect(SAFE_PATH)
    try:
        norm = normalise_phone(phone)
    except ValueError as e:
        return _phone_page(request, phone, {"phone": str(e)}, status_code=422)
    current = service.get(session, patient.id)
    data = current.model_dump() if current else {}
    data["phone"] = norm
    service.save(session, patient.id, ContactIn.model_validate(data))
    return redirect("/")
