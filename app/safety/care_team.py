"""The safety plan written together: a patient's assigned clinicians read and edit it on the
patient's record (for example during a session with them), with the same sections, limits and
validation as the patient. Anyone else gets NotFound (404, as for a missing patient). Every
read and every save is audited (record_type "safety_plan"; a version read: "safety_plan_version").
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.orm import Session

from app.accounts.models import User
from app.audit import service as audit
from app.safety import history, service
from app.i18n import N_, _t  # noqa: F401 - interface text (app.i18n)


@dataclass
class ClinicianPlan:
    patient: User
    plan: service.PlanView           # the plan, or a new one with the suggested crisis lines
    timeline: history.Timeline


def _patient(session: Session, clinician: User, patient_id: uuid.UUID) -> User:
    from app.clinician import service as clinician_service
    return clinician_service.assigned_patient(session, clinician, patient_id)


def _audit(session: Session, clinician: User, patient_id: uuid.UUID, action: str, record_type: str,
           record_id: object, outcome: str = "success") -> None:
    audit.record(session, action=action, actor_id=clinician.id, actor_role=clinician.role.value,
                 patient_id=patient_id, record_type=record_type, record_id=record_id, outcome=outcome)


def read(session: Session, clinician: User, patient_id: uuid.UUID) -> ClinicianPlan:
    """The plan and its history, for an assigned clinician (audited)."""
    patient = _patient(session, clinician, patient_id)
    plan = service.for_editing(session, patient.id)
    _audit(session, clinician, patient.id, "record.view", "safety_plan", service.plan_id(patient.id))
    return ClinicianPlan(patient, plan, history.timeline(session, patient.id, clinician, plan_version=plan.version))


def save(session: Session, clinician: User, patient_id: uuid.UUID, data: dict[str, object],
         expected_version: int) -> service.PlanView:
    """Save the plan as this clinician. InvalidInput (422) or PlanConflict (409): nothing stored;
    a conflict is audited as a refused update."""
    patient = _patient(session, clinician, patient_id)
    try:
        plan = service.save(session, patient, data, author=clinician, expected_version=expected_version)
    except service.PlanConflict:
        _audit(session, clinician, patient.id, "safety_plan.update", "safety_plan", service.plan_id(patient.id),
               outcome="conflict")
        raise
    _audit(session, clinician, patient.id, "safety_plan.update", "safety_plan", plan.id)
    return plan


def version(session: Session, clinician: User, patient_id: uuid.UUID, number: int) -> history.Change:
    """One earlier version with its text (audited); NotFound if there is no such version."""
    from app.errors import NotFound
    patient = _patient(session, clinician, patient_id)
    change = history.version(session, patient.id, number, clinician)
    if change is None:
        raise NotFound(_t("We could not find that version of the safety plan."))
    _audit(session, clinician, patient.id, "record.view", "safety_plan_version", change.id)
    return change


def record_timeline(session: Session, clinician: User, patient_id: uuid.UUID,
                    plan: service.PlanView | None) -> history.Timeline | None:
    """The history shown on the patient's record page, after its own scope check and audit
    (clinician.service.patient_record audits the safety plan view)."""
    if plan is None:
        return None
    return history.timeline(session, patient_id, clinician, plan_version=plan.version, limit=5)
