"""Pages: the safety plan (/safety-plan) and "I am not safe right now" (/not-safe)."""

from __future__ import annotations

import logging

from typing import Annotated

from sqlalchemy.orm import Session
from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from app.accounts.dependencies import PagePatient
from app.accounts.models import User
from app.db import SessionDep
from app.errors import InvalidInput, NotFound
from app.safety import history, service
from app.web import redirect, render

log = logging.getLogger("icbt.safety")

from app.safety.telfilter import tel_links  # noqa: E402
from app.web import env as _env  # noqa: E402
from app.i18n import N_, _t  # noqa: F401 - interface text (app.i18n)

_env.filters["tel_links"] = tel_links
_env.globals["safety_plan_sections"] = service.SECTIONS   # titles shown wherever a plan is (alert page)
router = APIRouter(include_in_schema=False)

NOTICES = {"saved": N_("Your safety plan is saved.")}
SOURCES = ("checkin", "diary")


@router.get("/safety-plan")
def view_plan(request: Request, session: SessionDep, patient: PagePatient, notice: str | None = None) -> Response:
    plan = service.get(session, patient.id)
    timeline = history.timeline(session, patient.id, patient, plan_version=plan.version if plan else 0)
    return render(request, "patient/safety_plan.html", {
        "plan": plan, "sections": service.SECTIONS, "notice": NOTICES.get(notice or ""), "timeline": timeline,
        "page_title": _t('My safety plan')})


@router.get("/safety-plan/edit")
def edit_plan(request: Request, session: SessionDep, patient: PagePatient) -> Response:
    plan = service.for_editing(session, patient.id)
    return _edit_page(request, plan.sections, plan.version, is_new=not plan.exists)


def _edit_page(request: Request, values: dict[str, str], version: int, *, is_new: bool,
               errors: dict[str, str] | None = None, conflict: service.PlanConflict | None = None,
               status_code: int = 200) -> Response:
    """The form. `version` goes back in the hidden field: the version the text was written
    from (after a 422, still the one the person started from)."""
    return render(request, "patient/safety_plan_edit.html", {
        "values": values, "is_new": is_new, "sections": service.SECTIONS, "version": version,
        "errors": errors or {}, "conflict": conflict, "yours": conflict.yours if conflict else {},
        "max": service.SECTION_MAX, "page_title": _t('Write my safety plan')}, status_code=status_code)


Text = Annotated[str, Form(max_length=50_000)]   # the service gives the friendly limit
Short = Annotated[str, Form(max_length=20)]


def form_version(value: str) -> int:
    """The hidden `version` field; a missing or garbled one counts as "no plan yet" (so an old
    form cannot overwrite a plan unseen: it gets the conflict page instead)."""
    return int(value) if value.strip().isdigit() and len(value.strip()) < 9 else 0


@router.post("/safety-plan")
def save_plan(request: Request, session: SessionDep, patient: PagePatient, warning_signs: Text = "",
              coping: Text = "", social: Text = "", contacts: Text = "", professionals: Text = "",
              environment: Text = "", reasons: Text = "", version: Short = "") -> Response:
    data: dict[str, object] = {"warning_signs": warning_signs, "coping": coping, "social": social,
                               "contacts": contacts, "professionals": professionals,
                               "environment": environment, "reasons": reasons}
    assert set(data) == set(service.SECTION_KEYS)
    typed = {k: (v if isinstance(v, str) else "") for k, v in data.items()}
    started_from = form_version(version)
    try:
        service.save(session, patient, data, expected_version=started_from)
    except InvalidInput as e:
        return _edit_page(request, typed, started_from, is_new=service.get(session, patient.id) is None,
                          errors={e.field or "form": e.detail}, status_code=422)
    except service.PlanConflict as e:
        return _edit_page(request, e.current.sections, e.current.version, is_new=not e.current.exists,
                          conflict=e, status_code=409)
    return redirect("/safety-plan?notice=saved")


@router.get("/safety-plan/versions/{number}")
def view_version(request: Request, session: SessionDep, patient: PagePatient, number: int) -> Response:
    change = history.version(session, patient.id, number, patient) if 0 < number < 10_000_000 else None
    if change is None:
        raise NotFound(_t("We could not find that version of your safety plan."))
    return render(request, "patient/safety_plan_version.html", {
        "change": change, "sections": service.SECTIONS, "back_href": "/safety-plan",
        "page_title": _t('My safety plan, version %(number)s', number=change.number)})


@router.get("/not-safe")
def not_safe_page(request: Request, session: SessionDep, patient: PagePatient,
                  source: str = "checkin", told: int = 0) -> Response:
    """Confirm, or (after the POST) the full-page crisis screen with the alert's status."""
    from app.alerts import service as alerts
    from app.escalation import service as escalation

    from app.alerts import honesty
    from app.monitoring import rules

    statuses = alerts.patient_alert_status(session, patient.id) if told else []
    alert = honesty.latest_active(session, patient.id, {rules.PATIENT_REPORTED_EMERGENCY}) if told else None
    return render(request, "patient/safety_plan_not_safe.html", {
        "told": bool(told), "source": source if source in SOURCES else "checkin",
        "pathway": escalation.pathway_out("emergency"), "statuses": statuses,
        "care": honesty.status_for(session, alert) if alert is not None else None,
        "has_plan": service.get(session, patient.id) is not None,
        "page_title": _t('Get help now') if told else _t('I am not safe right now')})


@router.post("/not-safe")
def not_safe(request: Request, session: SessionDep, patient: PagePatient,
             source: Annotated[str, Form(max_length=200)] = "") -> Response:
    return not_safe_response(request, session, patient, source)


def not_safe_response(request: Request, session: Session, patient: User, source: str) -> Response:
    """Record "I am not safe right now" (an emergency alert, in this transaction) and show the
    crisis screen. Never refused: an unknown source (only a tampered form sends one) counts
    as the check-in page. If recording fails, the person is told plainly that their care team
    has NOT been told, shown the emergency numbers, and the failure is logged as an error."""
    from app.escalation import service as escalation
    from app.monitoring import service as monitoring

    source = source if source in SOURCES else "checkin"
    try:
        monitoring.report_not_safe(session, patient, source)
        session.flush()
    except Exception:
        log.exception("EMERGENCY not-safe report from the %s could not be recorded", source)
        session.rollback()
        return render(request, "patient/safety_plan_not_safe.html", {
            "told": False, "failed": True, "source": source,
            "pathway": escalation.pathway_out("emergency"), "statuses": [], "has_plan": False,
            "page_title": _t('Get help now')}, status_code=500)
    return redirect(f"/not-safe?told=1&source={source}")


from app.safety import clinician_pages as _clinician_pages  # noqa: E402,F401  (adds the care team's plan pages)
