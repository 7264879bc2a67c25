"""Pages: "My patients" (/clinician) and one patient's record (/clinician/patients/{id})."""

from __future__ import annotations

import math
import uuid

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from app import clock
from app.accounts.dependencies import PageClinician
from app.accounts.models import User
from app.alerts import service as alerts
from app.alerts.pages import age_words, until_words
from app.clinician import service
from app.db import SessionDep
from app.web import render
from app.i18n import N_, _t  # noqa: F401 - interface text (app.i18n)

router = APIRouter(include_in_schema=False)


@router.get("/clinician")
def dashboard(request: Request, session: SessionDep, clinician: PageClinician, page: int = 1,
              filter: str = "", q: str = "") -> Response:
    page = max(1, min(page, 100000))
    filters = service.filters_for(session, clinician)       # "Unassigned" only for on-call clinicians
    chosen = filter if filter in filters else None
    q = q.strip()[:100] if chosen != service.UNASSIGNED else ""
    unassigned_total = None
    if chosen == service.UNASSIGNED:
        rows, total, unassigned_total = service.unassigned_patients(session, clinician, page=page)
    else:
        rows, total = service.my_patients(session, clinician, page=page, filter=chosen, q=q or None)
    now = clock.now()
    from urllib.parse import urlencode
    return render(request, "clinician/dashboard.html", {
        "filters": filters, "filter": chosen or "", "q": q, "unassigned_total": unassigned_total,
        "query": urlencode({k: v for k, v in (("filter", chosen or ""), ("q", q)) if v}),
        "rows": rows, "total": total, "page": page, "pages": max(1, math.ceil(total / service.PAGE_SIZE)),
        "counts": alerts.open_count_for_clinician(session, clinician.id),
        "age": lambda at: age_words(at, now), "page_title": _t('My patients')})


@router.get("/clinician/patients/{patient_id}")
def patient_route(request: Request, session: SessionDep, clinician: PageClinician, patient_id: uuid.UUID,
                  notice: str | None = None) -> Response:
    return patient_page(request, session, clinician, patient_id, notice=notice)


def patient_page(request: Request, session: Session, clinician: User, patient_id: uuid.UUID, *,
                 notice: str | None = None, errors: dict[str, str] | None = None,
                 form: dict[str, str] | None = None, status_code: int = 200) -> Response:
    from app.guided import pages as guided_pages
    rec = service.patient_record(session, clinician, patient_id, with_charts=True)
    now = clock.now()
    return render(request, "clinician/patient.html", {
        "rec": rec, "age": lambda at: age_words(at, now), "until": lambda at: until_words(at, now),
        "band_labels": service.BAND_LABELS, "sections": _plan_sections(),
        **_contact_and_actions(session, patient_id, rec),
        "guided": guided_pages.panel(session, clinician, patient_id), "errors": errors or {}, "form": form or {},
        "notice": guided_pages.NOTICES.get(notice or ""), "reach": _reach(session, patient_id),
        "checkins": _checkin_record(rec), "plan_timeline": _plan_timeline(session, clinician, rec),
        "page_title": rec.name or rec.email}, status_code=status_code)


def _reach(session: Session, patient_id: uuid.UUID):  # type: ignore[no-untyped-def]
    """Are reminders reaching this patient (app.reminders); after patient_record's scope check."""
    from app.reminders import service as reminders
    return reminders.reach(session, patient_id)


def _contact_and_actions(session: SessionDep, patient_id: uuid.UUID, rec) -> dict:  # type: ignore[no-untyped-def,type-arg]
    """Contact details (tap to call) and what was done on each alert (issue 12)."""
    from app.alerts import honesty
    from app.contact import service as contact
    return {"contact": contact.get(session, patient_id),
            "ack_summaries": honesty.ack_summaries(session, [a.id for a in rec.alerts])}


def _checkin_record(rec: service.PatientRecord) -> dict[str, object]:
    """Change lines in the clinician's voice, the outcome so far and item-level answers."""
    from app.accounts import service as accounts
    from app.assessments import record, scoring
    views = sorted([*rec.scores.get("phq9", []), *rec.scores.get("gad7", [])], key=lambda v: v.taken_at)
    since = accounts.enrolled_at(rec.patient)
    return {"lines": [record.change_line(i, views, since) for i in ("phq9", "gad7")],
            "outcome": record.outcome_line(rec.outcome) if rec.outcome is not None else None,
            "answer_rows": {i: record.item_rows(views, i) for i in ("phq9", "gad7")},
            "specs": scoring.INSTRUMENTS}


def _plan_timeline(session: Session, clinician: User, rec: service.PatientRecord):  # type: ignore[no-untyped-def]
    """Who changed the safety plan and when (app.safety); after patient_record's scope check and audit."""
    from app.safety import care_team
    return care_team.record_timeline(session, clinician, rec.patient.id, rec.safety_plan)


def _plan_sections():  # type: ignore[no-untyped-def]
    from app.safety import service as safety
    return safety.SECTIONS
