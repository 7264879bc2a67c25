"""JSON: the patient's safety plan, and "I am not safe right now"."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from app.accounts.dependencies import CurrentClinician, CurrentPatient
from app.accounts.models import User
from app.db import SessionDep
from app.errors import NotFound
from app.safety import care_team, history, service
from app.safety.schemas import (AlertStatusOut, ClinicianSafetyPlanIn, NotSafeIn, NotSafeOut, PlanChangeOut,
                                PlanVersionOut, SafetyPlanIn, SafetyPlanOut)

router = APIRouter(tags=["safety"])
Number = Annotated[int, Path(ge=1, le=10_000_000)]
CONFLICT = {409: {"description": "`version_conflict`: the plan was saved since `version`; the body has "
                                 "`current` (the newer plan), `changed_by` and `yours`. Nothing was stored."}}


def _change(c: history.Change) -> PlanChangeOut:
    return PlanChangeOut(version=c.number, at=c.at, author_role=c.author_role, author=c.author_name,
                         by_you=c.by_viewer, changed=c.changed)


def _out(session: Session, patient_id: uuid.UUID, plan: service.PlanView, viewer: User,
         timeline: history.Timeline | None = None) -> SafetyPlanOut:
    t = timeline or history.timeline(session, patient_id, viewer, plan_version=plan.version)
    return SafetyPlanOut(exists=plan.exists, sections=plan.sections,
                         titles={s.key: s.title for s in service.SECTIONS}, updated_at=plan.updated_at,
                         version=plan.version, history=[_change(c) for c in t.changes], history_total=t.total)


def _version_out(c: history.Change) -> PlanVersionOut:
    return PlanVersionOut(**_change(c).model_dump(), sections=c.sections)


def _body(data: SafetyPlanIn) -> dict[str, object]:
    return data.model_dump(exclude={"version"})


@router.get("/safety-plan", response_model=SafetyPlanOut)
def get_plan(session: SessionDep, patient: CurrentPatient) -> SafetyPlanOut:
    """The patient's safety plan, its `version` and `history` (who changed what and when, newest
    first); when none is saved yet, `exists` is false and the professionals section holds the
    suggested crisis lines."""
    return _out(session, patient.id, service.for_editing(session, patient.id), patient)


@router.put("/safety-plan", response_model=SafetyPlanOut, responses=CONFLICT)
def put_plan(data: SafetyPlanIn, session: SessionDep, patient: CurrentPatient) -> SafetyPlanOut:
    """Save the plan. Send the `version` it was written from so that a change made meanwhile
    (by the care team, or on another device) is not overwritten: 409 `version_conflict`."""
    plan = service.save(session, patient, _body(data), expected_version=data.version)
    return _out(session, patient.id, plan, patient)


@router.get("/safety-plan/versions/{number}", response_model=PlanVersionOut)
def get_version(number: Number, session: SessionDep, patient: CurrentPatient) -> PlanVersionOut:
    """One earlier version of the plan, with its text."""
    c = history.version(session, patient.id, number, patient)
    if c is None:
        raise NotFound()
    return _version_out(c)


@router.get("/clinician/patients/{patient_id}/safety-plan", response_model=SafetyPlanOut, tags=["clinician"])
def clinician_get_plan(patient_id: uuid.UUID, session: SessionDep, clinician: CurrentClinician) -> SafetyPlanOut:
    """An assigned patient's safety plan with its `version` and `history` (audited; 404 for
    anyone else)."""
    p = care_team.read(session, clinician, patient_id)
    return _out(session, p.patient.id, p.plan, clinician, p.timeline)


@router.put("/clinician/patients/{patient_id}/safety-plan", response_model=SafetyPlanOut, responses=CONFLICT,
            tags=["clinician"])
def clinician_put_plan(patient_id: uuid.UUID, data: ClinicianSafetyPlanIn, session: SessionDep,
                       clinician: CurrentClinician):  # type: ignore[no-untyped-def]
    """Save an assigned patient's plan, written with them (audited). `version` is required:
    409 `version_conflict` if the plan was saved since (nothing stored)."""
    try:
        plan = care_team.save(session, clinician, patient_id, _body(data), data.version)
    except service.PlanConflict as e:   # answered here so the refused update's audit event is kept
        return JSONResponse(e.body(), status_code=e.status_code)
    return _out(session, patient_id, plan, clinician)


@router.get("/clinician/patients/{patient_id}/safety-plan/versions/{number}", response_model=PlanVersionOut,
            tags=["clinician"])
def clinician_get_version(patient_id: uuid.UUID, number: Number, session: SessionDep,
                          clinician: CurrentClinician) -> PlanVersionOut:
    """One earlier version of an assigned patient's plan, with its text (audited)."""
    return _version_out(care_team.version(session, clinician, patient_id, number))


@router.post("/not-safe", response_model=NotSafeOut, status_code=201)
def not_safe(session: SessionDep, patient: CurrentPatient, data: NotSafeIn | None = None) -> NotSafeOut:
    """"I am not safe right now": raises an emergency alert to the care team and the on-call
    list at once, and returns the emergency pathway to show."""
    from app.alerts import service as alerts
    from app.escalation import service as escalation
    from app.monitoring import service as monitoring

    source = data.source if data is not None and data.source in ("checkin", "diary") else "checkin"
    flag = monitoring.report_not_safe(session, patient, source)
    status = [AlertStatusOut(tier=s.tier, state=s.state, topic=s.topic, message=s.message, since=s.since)
              for s in alerts.patient_alert_status(session, patient.id)]
    from app.alerts import honesty
    session.flush()
    pathway = honesty.with_care_team(session, patient.id, escalation.pathway_out("emergency"), {flag.rule})
    return NotSafeOut(rule=flag.rule, tier=flag.tier.value, escalation=pathway,
                      status=status)
