"""JSON API for check-ins (described by the OpenAPI page at /docs).

A replayed POST (same `Idempotency-Key` as an earlier one from this patient) stores nothing
and answers 201 with the original check-in, plus the header `Idempotent-Replayed: true`."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Header, Query, Response
from sqlalchemy.orm import Session

from app.accounts.dependencies import CurrentPatient
from app.accounts.models import User
from app.assessments import service
from app.assessments.schemas import (
    AssessmentIn,
    AssessmentOut,
    AssessmentSummaryOut,
    ChangeOut,
    DueOut,
    Instrument,
    Item9In,
    flags_out,
)
from app.db import SessionDep

router = APIRouter(tags=["check-ins"])

IdempotencyKey = Annotated[str | None, Header(
    alias="Idempotency-Key", min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$",
    description="Any unique string (e.g. a UUID), 1-64 characters of A-Z a-z 0-9 _ . : -, one per "
                "check-in. Sending a request again with a key this patient has used stores nothing new: "
                "the answer is the original check-in, again with status 201, plus the header "
                "`Idempotent-Replayed: true`.")]


def _change(session: Session, patient: User, view: service.AssessmentView) -> ChangeOut:
    s = service.change_summary(session, patient, until=view.taken_at)
    base = service.baseline(session, patient, view.instrument)
    phq = view.instrument == "phq9"
    return ChangeOut(
        baseline=s.phq9_baseline if phq else s.gad7_baseline,
        baseline_at=base.taken_at if base else None,
        change=s.phq9_change if phq else s.gad7_change,
        reliable_change=s.phq9_reliable_change if phq else s.gad7_reliable_change,
        response=s.phq9_response if phq else None,
        remission=s.phq9_remission if phq else None,
        recovery=s.recovery, reliable_recovery=s.reliable_recovery)


from app.alerts import honesty  # noqa: E402  (care_team.status: clinical-rules.md §4)


def _out(session: Session, patient: User, view: service.AssessmentView) -> AssessmentOut:
    return AssessmentOut(
        id=view.id, instrument=view.instrument, total=view.total, severity=view.severity,
        item9=view.item9, flags=flags_out(view.flags),
        escalation=honesty.with_care_team(session, patient.id, view.escalation, {f.rule for f in view.flags}),
        taken_at=view.taken_at, answers=view.answers, difficulty=view.difficulty,
        prorated=view.prorated, missing_items=list(view.missing),
        ask_item9_again=view.ask_item9_again, change=_change(session, patient, view))


@router.post("/assessments", status_code=201, response_model=AssessmentOut)
def submit(body: AssessmentIn, patient: CurrentPatient, session: SessionDep, response: Response,
           idempotency_key: IdempotencyKey = None) -> AssessmentOut:
    """Score and store a PHQ-9 or GAD-7. The answer carries the flags the deterioration
    monitor raised and the escalation pathway to show at once (null if none)."""
    body.check_count()
    result = service.submit(session, patient, body.instrument, list(body.answers), body.difficulty,
                            idempotency_key=idempotency_key)
    if result.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return _out(session, patient, result.assessment)


@router.get("/assessments", response_model=list[AssessmentSummaryOut])
def history(patient: CurrentPatient, session: SessionDep,
            instrument: Annotated[Instrument | None, Query()] = None) -> list[AssessmentSummaryOut]:
    """The patient's own check-ins, oldest first (both instruments unless one is named)."""
    return [AssessmentSummaryOut(id=v.id, instrument=v.instrument, total=v.total, severity=v.severity,
                                 item9=v.item9, prorated=v.prorated, taken_at=v.taken_at)
            for v in service.history(session, patient.id, instrument)]


@router.get("/assessments/due", response_model=DueOut)
def due(patient: CurrentPatient, session: SessionDep) -> DueOut:
    """When the weekly check-in (PHQ-9 then GAD-7) is due: 7 days after both were last done;
    at enrolment if never."""
    d = service.due(session, patient)
    return DueOut(next_due=d.next_due, due_now=d.due_now, instruments=list(d.instruments),
                  remaining=list(d.remaining))


@router.get("/assessments/{assessment_id}", response_model=AssessmentOut)
def get_one(assessment_id: uuid.UUID, patient: CurrentPatient, session: SessionDep) -> AssessmentOut:
    return _out(session, patient, service.get(session, patient.id, assessment_id))


@router.post("/assessments/{assessment_id}/item9", response_model=AssessmentOut)
def answer_item9(assessment_id: uuid.UUID, body: Item9In, patient: CurrentPatient,
                 session: SessionDep) -> AssessmentOut:
    """Answer PHQ-9 item 9 when it was missing (`ask_item9_again`): rescored, and the monitor
    runs again. 409 if it was already answered with a different value."""
    result = service.answer_item9(session, patient, assessment_id, body.item9)
    return _out(session, patient, result.assessment)
