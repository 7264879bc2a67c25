"""JSON: the patient's safety plan, and "I am not safe right now"."""

from __future__ import annotations

from fastapi import APIRouter

from app.accounts.dependencies import CurrentPatient
from app.db import SessionDep
from app.safety import service
from app.safety.schemas import AlertStatusOut, NotSafeIn, NotSafeOut, SafetyPlanIn, SafetyPlanOut

router = APIRouter(tags=["safety"])


def _out(plan: service.PlanView) -> SafetyPlanOut:
    return SafetyPlanOut(exists=plan.exists, sections=plan.sections,
                         titles={s.key: s.title for s in service.SECTIONS}, updated_at=plan.updated_at)


@router.get("/safety-plan", response_model=SafetyPlanOut)
def get_plan(session: SessionDep, patient: CurrentPatient) -> SafetyPlanOut:
    """The patient's safety plan; when none is saved yet, `exists` is false and the
    professionals section holds the suggested crisis lines."""
    return _out(service.for_editing(session, patient.id))


@router.put("/safety-plan", response_model=SafetyPlanOut)
def put_plan(data: SafetyPlanIn, session: SessionDep, patient: CurrentPatient) -> SafetyPlanOut:
    return _out(service.save(session, patient, data.model_dump()))


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
    return NotSafeOut(rule=flag.rule, tier=flag.tier.value, escalation=escalation.pathway_out("emergency"),
                      status=status)
