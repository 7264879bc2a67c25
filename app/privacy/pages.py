"""Pages: the account page's own sections (name, e-mail, consent, your data, erasure), the
consent page asked at sign-in, the e-mail confirmation link, the printable summary and the
downloads, the privacy notice, and the admins' erasure requests."""

from __future__ import annotations

import json
import re
import uuid
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import Response

from app import charts
from app.accounts import service as accounts
from app.accounts.dependencies import PageAdmin, PagePatient, PageUser, PageUserOptional
from app.accounts.models import Role, User
from app.accounts.pages import NOTICES, _account_page, _safe_next, home_for
from app.accounts.schemas import EMAIL_PATTERN
from app.assessments import service as assessments
from app.audit import service as audit
from app.config import get_settings
from app.db import SessionDep
from app.diary import service as diary
from app.errors import InvalidInput, NotFound
from app.homework import service as homework
from app.privacy import erasure, export, service
from app.privacy.models import ErasureRequest
from app.safety import history as safety_history
from app.safety import service as safety
from app.security import sessions
from app.web import redirect, render
from app.i18n import N_, _t  # noqa: F401 - interface text (app.i18n)

router = APIRouter(include_in_schema=False)

NOTICES.update({
    "name-saved": "Your name is saved.",
    "email-sent": ("If that address can be used, we have sent a link to it. Your address changes when you "
                   "follow the link (within 24 hours). We have also told your current address."),
    "email-changed": "Your e-mail address has changed. Use the new one to sign in.",
    "consent-accepted": "Thank you. Your agreement is recorded.",
})


def account_context(session: SessionDep, user: User) -> dict[str, Any]:
    """What templates/privacy/account_sections.html needs (the account page includes it)."""
    privacy_v, terms_v = service.current_versions()
    return {"consent": service.state(session, user), "consent_history": service.history(session, user.id),
            "privacy_version": privacy_v, "terms_version": terms_v,
            "erasure_requested": erasure.pending_request(session, user.id) if user.role == Role.patient else None}


def _again(request: Request, session: SessionDep, user: User, errors: dict[str, str],
           form: dict[str, str], status_code: int = 422) -> Response:
    return _account_page(request, session, user, errors, status_code=status_code, extra={"pform": form})


def _signed_out(request: Request, template: str, context: dict[str, Any] | None = None) -> Response:
    resp = render(request, template, context or {})
    resp.delete_cookie(sessions.COOKIE_NAME, path="/")
    return resp


# ---------------------------------------------------------------- name and e-mail


@router.post("/account/name")
def save_name(request: Request, session: SessionDep, user: PageUser,
              display_name: Annotated[str, Form(max_length=200)] = "") -> Response:
    try:
        service.set_display_name(session, user, display_name)
    except InvalidInput as e:
        return _again(request, session, user, {e.field or "display_name": e.detail}, {"display_name": display_name})
    return redirect("/account?notice=name-saved")


@router.post("/account/email")
def change_email(request: Request, session: SessionDep, user: PageUser,
                 new_email: Annotated[str, Form(max_length=254)] = "",
                 email_password: Annotated[str, Form(max_length=256)] = "") -> Response:
    """The same answer whether or not the new address belongs to someone (no enumeration)."""
    email, password = new_email, email_password
    form = {"new_email": email}
    if re.match(EMAIL_PATTERN, email.strip()) is None:
        return _again(request, session, user, {"new_email": "Enter an email address like name@example.com."}, form)
    try:
        service.request_email_change(session, user, email, password)
    except InvalidInput as e:
        field = {"email": "new_email", "password": "email_password"}.get(e.field or "", "new_email")
        return _again(request, session, user, {field: e.detail}, form)
    return redirect("/account?notice=email-sent")


EmailToken = Annotated[str, Path(max_length=service.TOKEN_MAX_LENGTH)]


@router.get("/account/email/confirm/{token}")
def confirm_email_form(request: Request, session: SessionDep, user: PageUserOptional, token: EmailToken) -> Response:
    """Looking does not use the link (mail scanners open links); the button does."""
    found = service.check_email_link(session, token)
    if found is None:
        return render(request, "privacy/email_invalid.html", {}, status_code=400)
    return render(request, "privacy/email_confirm.html", {
        "token": token, "new_email": service.crypto.unseal(session, found[0], "new_email_enc")})


@router.post("/account/email/confirm/{token}")
def confirm_email(request: Request, session: SessionDep, user: PageUserOptional, token: EmailToken) -> Response:
    try:
        changed = service.confirm_email_change(session, token)
    except service.EmailLinkInvalid:
        return render(request, "privacy/email_invalid.html", {}, status_code=400)
    if user is not None and user.id == changed.id:
        return redirect("/account?notice=email-changed")
    return redirect("/login?notice=email-changed")


# ---------------------------------------------------------------- consent


@router.get("/consent")
def consent_form(request: Request, session: SessionDep, user: PageUser, next: str | None = None) -> Response:
    privacy_v, terms_v = service.current_versions()
    return render(request, "privacy/consent.html", {
        "next": _safe_next(next), "errors": {}, "state": service.state(session, user),
        "privacy_version": privacy_v, "terms_version": terms_v})


@router.post("/consent")
def consent_accept(request: Request, session: SessionDep, user: PageUser,
                   consent: Annotated[str, Form(max_length=10)] = "",
                   next: Annotated[str, Form(max_length=500)] = "/") -> Response:
    if consent != "yes":
        privacy_v, terms_v = service.current_versions()
        return render(request, "privacy/consent.html", {
            "next": _safe_next(next), "state": service.state(session, user),
            "privacy_version": privacy_v, "terms_version": terms_v,
            "errors": {"consent": "To use the programme, please agree to the terms and privacy notice."}},
            status_code=422)
    service.record_acceptance(session, user)
    target = _safe_next(next)
    return redirect(target if target != "/" else home_for(user))


@router.post("/account/consent/withdraw")
def consent_withdraw(request: Request, session: SessionDep, user: PageUser,
                     confirm: Annotated[str, Form(max_length=10)] = "") -> Response:
    if confirm != "yes":
        return _again(request, session, user, {"withdraw_confirm": "Tick the box to confirm that you want to withdraw."}, {})
    service.withdraw(session, user)
    return _signed_out(request, "privacy/consent_withdrawn.html")


def consent_redirect(session: SessionDep, user: User, target: str) -> str:
    """Where sign-in goes: the consent page first when the notice or terms changed."""
    if service.needs_acceptance(session, user):
        return "/consent?next=" + quote(target, safe="/")
    return target


# ---------------------------------------------------------------- your data


def _download(data: dict[str, Any], filename: str, media_type: str) -> Response:
    return Response(json.dumps(data, indent=2, ensure_ascii=False), media_type=media_type, headers={
        "Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"})


@router.get("/account/export.json")
def download_json(session: SessionDep, patient: PagePatient) -> Response:
    return _download(export.export_json(session, patient, channel="page"), "steady-steps-export.json",
                     "application/json")


@router.get("/account/export.fhir.json")
def download_fhir(session: SessionDep, patient: PagePatient) -> Response:
    return _download(export.fhir_bundle(session, patient, actor=patient, channel="page"),
                     "steady-steps-fhir-bundle.json", "application/fhir+json")


@router.get("/account/summary")
def summary(request: Request, session: SessionDep, patient: PagePatient) -> Response:
    """A readable, printable summary of what is stored about the patient (audited)."""
    score_charts = []
    for instrument in assessments.INSTRUMENT_KEYS:
        hist = assessments.history(session, patient.id, instrument)
        score_charts.append((charts.score_chart(instrument, [(a.taken_at, a.total) for a in hist],
                                                ident=f"sum-{instrument}"), hist))
    entries = diary.list_for(session, patient.id)
    mood = charts.mood_chart([(e.recorded_at, e.mood) for e in entries], ident="sum-mood")
    plan = safety.get(session, patient.id)
    audit.record(session, action="export.summary", actor_id=patient.id, actor_role="patient",
                 patient_id=patient.id, record_type="user", record_id=patient.id)
    return render(request, "privacy/summary.html", {
        "page_title": _t('Everything we keep about you'), "email": accounts.email_of(session, patient),
        "display_name": accounts.display_name_of(session, patient), "enrolled_at": accounts.enrolled_at(patient),
        "score_charts": score_charts, "mood": mood, "diary": entries,
        "workbook": homework.entries_for(session, patient.id),
        "plan": plan, "plan_sections": [s for s in safety.SECTIONS if plan and plan.sections.get(s.key)],
        "plan_timeline": safety_history.timeline(session, patient.id, patient, plan_version=plan.version if plan else 0,
                                                 limit=100_000),
        "messages": _messages(session, patient),
        "consent_history": service.history(session, patient.id)})


def _messages(session: SessionDep, patient: User) -> list:  # type: ignore[type-arg]
    """The conversation with the care team (app.messages), oldest first; reading the summary
    does not mark anything as read."""
    from app.messages import service as messages
    return messages.conversation_for_patient(session, patient, mark_read=False)


@router.post("/account/erasure")
def ask_erasure(request: Request, session: SessionDep, patient: PagePatient,
                erasure_password: Annotated[str, Form(max_length=256)] = "") -> Response:
    try:
        erasure.request_erasure(session, patient, erasure_password)
    except InvalidInput as e:
        return _again(request, session, patient, {"erasure_password": e.detail}, {})
    return _signed_out(request, "privacy/erasure_requested.html")


# ---------------------------------------------------------------- privacy notice


def privacy_context() -> dict[str, Any]:
    s = get_settings()
    return {"version": s.privacy_version, "terms_version": s.terms_version, "controller": s.controller_name,
            "controller_address": s.controller_address, "controller_contact": s.controller_contact,
            "dpo_contact": s.dpo_contact, "retention_years": s.retention_years,
            "complaints_authority": s.complaints_authority}


# ---------------------------------------------------------------- admins: erasure requests


@router.get("/admin/erasure")
def erasure_requests(request: Request, session: SessionDep, admin: PageAdmin, done: int = 0) -> Response:
    return render(request, "privacy/admin_erasure.html", {
        "page_title": _t('Erasure requests'), "requests": erasure.pending(session), "done": bool(done), "errors": {}})


@router.post("/admin/erasure/{request_id}")
def carry_out_erasure(request: Request, session: SessionDep, admin: PageAdmin, request_id: uuid.UUID,
                      confirm_email: Annotated[str, Form(max_length=254)] = "") -> Response:
    row = session.get(ErasureRequest, request_id)
    patient = accounts.get_user(session, row.user_id) if row is not None else None
    if row is None or patient is None:
        raise NotFound()
    if accounts.normalise_email(confirm_email) != accounts.email_of(session, patient):
        return render(request, "privacy/admin_erasure.html", {
            "page_title": _t('Erasure requests'), "requests": erasure.pending(session), "done": False,
            "errors": {f"confirm-{request_id}": "Type the patient's e-mail address exactly to confirm."},
            "typed": {str(request_id): confirm_email}}, status_code=422)
    report = erasure.erase_patient(session, patient, actor=admin)
    if list(erasure.references(session, report.patient_id)):
        session.rollback()
        raise InvalidInput(_t('Erasure did not remove every row; nothing was changed.'), field="confirm_email")
    return redirect("/admin/erasure?done=1")
