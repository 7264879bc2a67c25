"""JSON: guided support for a patient's assigned clinicians (api.md "Clinicians: guided
support"). Anyone else gets 404, as for a missing id; every read is audited."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query

from app.accounts.dependencies import CurrentClinician
from app import clock
from app.db import SessionDep
from app.guided import episode, service, shaping
from app.guided.models import ModuleHold
from app.guided.schemas import (DischargeIn, DueOut, EpisodeOut, FeedbackIn, FeedbackOut, HeldModuleOut, HoldIn,
                                HoldOut, IntervalIn, IntervalOut, ModuleOpenedOut, NoteIn, NoteOut, PaceOut,
                                ReviewIn, ReviewOut)

router = APIRouter(prefix="/clinician", tags=["guided support"])


@router.get("/reviews", response_model=list[DueOut])
def reviews(session: SessionDep, clinician: CurrentClinician,
            status: Literal["due"] = "due", page: Annotated[int, Query(ge=1, le=100000)] = 1) -> list[DueOut]:
    """Your patients whose weekly review is due or overdue, most overdue first (50 a page)."""
    rows, _ = service.reviews_due(session, clinician, page=page)
    now = clock.now()
    return [DueOut(patient_id=r.id, name=r.name, due_at=r.due_at, overdue=r.overdue(now),
                   last_review_at=r.last_review_at, unread_messages=r.unread_messages) for r in rows]


@router.post("/patients/{patient_id}/reviews", status_code=201, response_model=ReviewOut)
def complete_review(patient_id: uuid.UUID, body: ReviewIn, session: SessionDep,
                    clinician: CurrentClinician) -> ReviewOut:
    """Record the review: a private note and, optionally, a message to the patient."""
    r = service.complete_review(session, clinician, patient_id, body.note, body.message)
    st = session.get(service.GuidedState, patient_id)
    return ReviewOut(id=r.id, patient_id=r.patient_id, note_id=r.note_id, message_id=r.message_id,
                     reviewed_at=r.reviewed_at, next_review_at=st.next_review_at if st else None)


@router.get("/patients/{patient_id}/notes", response_model=list[NoteOut])
def list_notes(patient_id: uuid.UUID, session: SessionDep, clinician: CurrentClinician) -> list[NoteOut]:
    """Clinical notes, newest first (never shown to the patient)."""
    return [NoteOut(**n.__dict__) for n in service.notes(session, clinician, patient_id)]


@router.post("/patients/{patient_id}/notes", status_code=201, response_model=NoteOut)
def add_note(patient_id: uuid.UUID, body: NoteIn, session: SessionDep, clinician: CurrentClinician) -> NoteOut:
    return NoteOut(**service.add_note(session, clinician, patient_id, body.body).__dict__)


@router.post("/patients/{patient_id}/homework/{entry_id}/feedback", status_code=201, response_model=FeedbackOut)
def feedback(patient_id: uuid.UUID, entry_id: uuid.UUID, body: FeedbackIn, session: SessionDep,
             clinician: CurrentClinician) -> FeedbackOut:
    """Comment on one of the patient's homework entries (they see it in their workbook)."""
    return FeedbackOut(**service.give_feedback(session, clinician, patient_id, entry_id, body.body).__dict__)


@router.post("/patients/{patient_id}/modules/{slug}/open", response_model=ModuleOpenedOut)
def open_module(patient_id: uuid.UUID, slug: str, session: SessionDep, clinician: CurrentClinician) -> ModuleOpenedOut:
    """Open a module for this patient now, before the schedule would."""
    row = service.open_module(session, clinician, patient_id, slug)
    return ModuleOpenedOut(slug=row.module_slug, opened_at=row.opened_at)


def _hold_out(session: SessionDep, clinician: CurrentClinician, row: ModuleHold) -> HoldOut:
    from app.programme import service as programme
    status = programme.status_of(session, service._assigned(session, clinician, row.patient_id), row.module_slug)
    return HoldOut(slug=row.module_slug, number=status.number, held=row.released_at is None, status=status.status,
                   held_at=row.held_at, released_at=row.released_at, message=shaping._message(session, row))


@router.post("/patients/{patient_id}/modules/{slug}/hold", status_code=201, response_model=HoldOut,
             responses={409: {"description": "The module is open already (it stays open) or already held."}})
def hold_module(patient_id: uuid.UUID, slug: str, body: HoldIn, session: SessionDep,
                clinician: CurrentClinician) -> HoldOut:
    """Hold a module that is not open yet: it does not open on schedule until the hold is lifted.
    `reason` is private to clinicians (a clinical note, never shown to the patient, not in their
    export); `message`, if given, is what the patient sees with the paused module."""
    row = shaping.hold(session, clinician, patient_id, slug, body.reason, body.message)
    return _hold_out(session, clinician, row)


@router.delete("/patients/{patient_id}/modules/{slug}/hold", response_model=HoldOut,
               responses={404: {"description": "Not your patient, no such module, or the module is not held."}})
def lift_hold(patient_id: uuid.UUID, slug: str, session: SessionDep, clinician: CurrentClinician) -> HoldOut:
    """Lift the hold: the module opens now if the schedule says it should have by now (and the
    next module's interval counts from then); otherwise on its scheduled day."""
    row = shaping.lift(session, clinician, patient_id, slug)
    assert row is not None
    return _hold_out(session, clinician, row)


@router.get("/patients/{patient_id}/pace", response_model=PaceOut)
def pace(patient_id: uuid.UUID, session: SessionDep, clinician: CurrentClinician) -> PaceOut:
    """This patient's release interval and the modules held now, with their private reasons
    (audited as a read of the record)."""
    v = shaping.interval_view(session, clinician, patient_id)
    holds = sorted(shaping.current_holds(session, clinician, patient_id), key=lambda h: h.number)
    shaping.audit_read(session, clinician, patient_id)
    return PaceOut(interval=IntervalOut(days=v.days, default_days=v.default_days, custom=v.custom,
                                        changed_at=v.changed_at),
                   holds=[HeldModuleOut(slug=h.slug, number=h.number, title=h.title, reason=h.reason,
                                        message=h.message, held_by=h.held_by, held_at=h.held_at) for h in holds])


@router.put("/patients/{patient_id}/interval", response_model=IntervalOut)
def set_interval(patient_id: uuid.UUID, body: IntervalIn, session: SessionDep,
                 clinician: CurrentClinician) -> IntervalOut:
    """This patient's release interval in days (1-28), or `null` for the service default
    (ICBT_MODULE_INTERVAL_DAYS). It applies from now on: a module that is open stays open."""
    shaping.set_interval(session, clinician, patient_id, body.days)
    v = shaping.interval_view(session, clinician, patient_id)
    return IntervalOut(days=v.days, default_days=v.default_days, custom=v.custom, changed_at=v.changed_at)


@router.post("/patients/{patient_id}/discharge", response_model=EpisodeOut)
def discharge(patient_id: uuid.UUID, body: DischargeIn, session: SessionDep, clinician: CurrentClinician) -> EpisodeOut:
    """End the episode (`reason`: finished, dropped_out, stepped_up or discharged) with a note.
    Finishing or discharging asks the patient for the end-of-treatment check-in."""
    ev = episode.set_status(session, clinician, patient_id, body.reason, body.reason, body.note)
    return EpisodeOut(status=ev.status, changed_at=ev.changed_at,
                      end_of_treatment_requested=bool(getattr(ev, "end_requested", False)))
