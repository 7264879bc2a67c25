"""Pages for guided support: Reviews due (/clinician/reviews), the weekly review of one
patient, and the forms on the record (notes, homework feedback, open a module early, episode)."""

from __future__ import annotations

import secrets
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from app import clock
from app.accounts.dependencies import PageClinician
from app.accounts.models import User
from app.db import SessionDep
from app.errors import InvalidInput
from app.guided import episode, service
from app.messages import service as messages
from app.web import redirect, render
from app.i18n import N_, _t  # noqa: F401 - interface text (app.i18n)

router = APIRouter(include_in_schema=False)
Text = Annotated[str, Form(max_length=50_000)]
Short = Annotated[str, Form(max_length=64)]
NOTICES = {"review": N_("Review recorded."), "note": N_("Note added."), "feedback": N_("Feedback sent to the patient."),
           "opened": N_("Module opened for this patient."), "episode": N_("Episode updated."),
           "held": N_("Module held for this patient."), "lifted": N_("Hold lifted."),
           "interval": N_("Release interval saved.")}


def panel(session: Session, clinician: User, patient_id: uuid.UUID) -> dict[str, Any]:
    """What the record page shows from this domain (app/clinician/pages.py passes it as `guided`)."""
    st = service.state(session, session.get(User, patient_id))  # type: ignore[arg-type]
    from app.guided import shaping
    return {"notes": service.notes(session, clinician, patient_id), "state": st,
            "holds": shaping.current_holds(session, clinician, patient_id),
            "interval": shaping.interval_view(session, clinician, patient_id),
            "min_days": shaping.MIN_DAYS, "max_days": shaping.MAX_DAYS,
            "episode_history": episode.history(session, patient_id), "statuses": episode.LABELS,
            "unread": messages.unread_from_patients(session, [patient_id]).get(patient_id, 0)}


@router.get("/clinician/reviews")
def reviews_due(request: Request, session: SessionDep, clinician: PageClinician, page: int = 1) -> Response:
    rows, total = service.reviews_due(session, clinician, page=max(1, min(page, 100000)))
    return render(request, "clinician/reviews.html", {"rows": rows, "total": total, "now": clock.now(),
                                                      "page_title": _t('Reviews due')})


def _review_page(request: Request, session: Session, clinician: User, patient_id: uuid.UUID, *,
                 form: dict[str, str] | None = None, errors: dict[str, str] | None = None,
                 status_code: int = 200) -> Response:
    w = service.week(session, clinician, patient_id)
    return render(request, "clinician/review.html", {
        "w": w, "form": form or {}, "errors": errors or {}, "form_key": secrets.token_urlsafe(24),
        "reply_time": messages.reply_time(), "max_length": service.MAX_LENGTH,
        "page_title": _t('Weekly review: %(name)s', name=w.name)}, status_code=status_code)


@router.get("/clinician/patients/{patient_id}/review")
def review_form(request: Request, session: SessionDep, clinician: PageClinician, patient_id: uuid.UUID) -> Response:
    return _review_page(request, session, clinician, patient_id)


@router.post("/clinician/patients/{patient_id}/review")
def review_submit(request: Request, session: SessionDep, clinician: PageClinician, patient_id: uuid.UUID,
                  note: Text = "", message: Text = "", idempotency_key: Short = "") -> Response:
    try:
        service.complete_review(session, clinician, patient_id, note, message or None,
                                idempotency_key=idempotency_key or None)
    except InvalidInput as e:
        session.rollback()
        return _review_page(request, session, clinician, patient_id, form={"note": note, "message": message},
                            errors={e.field or "note": e.detail}, status_code=422)
    return redirect(f"/clinician/patients/{patient_id}?notice=review")


def _back(patient_id: uuid.UUID, notice: str, anchor: str = "") -> Response:
    return redirect(f"/clinician/patients/{patient_id}?notice={notice}{anchor}")


def _record_with_error(request: Request, session: Session, clinician: User, patient_id: uuid.UUID,
                       errors: dict[str, str], form: dict[str, str]) -> Response:
    from app.clinician import pages as clinician_pages
    session.rollback()
    return clinician_pages.patient_page(request, session, clinician, patient_id, errors=errors, form=form,
                                        status_code=422)


@router.post("/clinician/patients/{patient_id}/notes")
def add_note(request: Request, session: SessionDep, clinician: PageClinician, patient_id: uuid.UUID,
             body: Text = "") -> Response:
    try:
        service.add_note(session, clinician, patient_id, body)
    except InvalidInput as e:
        return _record_with_error(request, session, clinician, patient_id, {"note_body": e.detail}, {"note_body": body})
    return _back(patient_id, "note", "#notes")


@router.post("/clinician/patients/{patient_id}/homework/{entry_id}/feedback")
def feedback(request: Request, session: SessionDep, clinician: PageClinician, patient_id: uuid.UUID,
             entry_id: uuid.UUID, body: Text = "") -> Response:
    try:
        service.give_feedback(session, clinician, patient_id, entry_id, body)
    except InvalidInput as e:
        return _record_with_error(request, session, clinician, patient_id, {f"feedback_{entry_id}": e.detail},
                                  {f"feedback_{entry_id}": body})
    return _back(patient_id, "feedback", "#homework")


@router.post("/clinician/patients/{patient_id}/modules/{slug}/open")
def open_module(request: Request, session: SessionDep, clinician: PageClinician, patient_id: uuid.UUID,
                slug: str) -> Response:
    service.open_module(session, clinician, patient_id, slug)
    return _back(patient_id, "opened", "#programme")


@router.post("/clinician/patients/{patient_id}/episode")
def set_episode(request: Request, session: SessionDep, clinician: PageClinician, patient_id: uuid.UUID,
                status: Short = "", reason: Text = "", note: Text = "") -> Response:
    try:
        episode.set_status(session, clinician, patient_id, status or None, reason, note)
    except InvalidInput as e:
        field = {"reason": "episode_reason", "note": "episode_note"}.get(e.field or "", "episode_status")
        return _record_with_error(request, session, clinician, patient_id, {field: e.detail},
                                  {"episode_status": status, "episode_reason": reason, "episode_note": note})
    return _back(patient_id, "episode", "#episode")

from app.guided import bulk as _bulk  # noqa: E402  (bulk assignment for admins)
from app.guided import shaping_pages as _shaping  # noqa: E402  (holds and the release interval)

router.include_router(_bulk.router)
router.include_router(_shaping.router)
