"""JSON: the clinician's patients (api.md "Clinicians")."""

from __future__ import annotations

import uuid
from typing import Literal

from fastapi import APIRouter, Query, Response

from app.accounts.dependencies import CurrentClinician
from app.alerts.schemas import AlertOut
from app.clinician import service
from app.clinician.schemas import (
    AssessmentOut,
    DiaryOut,
    HomeworkOut,
    ModuleOut,
    MoodOut,
    PatientRecordOut,
    PatientSummaryOut,
    ProgressOut,
    ScoreOut,
)
from app.db import SessionDep

router = APIRouter(prefix="/clinician/patients", tags=["clinician"])


def _score(c: service.ScoreCell | None) -> ScoreOut | None:
    if c is None:
        return None
    return ScoreOut(latest=c.latest, previous=c.previous, severity=c.band, trend=c.trend, taken_at=c.at)


@router.get("", response_model=list[PatientSummaryOut])
def list_patients(response: Response, session: SessionDep, clinician: CurrentClinician,
                  page: int = Query(1, ge=1, le=100000),
                  filter: Literal["reviews_due", "emergency", "urgent", "routine", "not_on_track", "disengaged",
                                  "checkin_overdue", "not_started"] | None = None,
                  q: str | None = Query(None, max_length=100, description="Name or e-mail contains")
                  ) -> list[PatientSummaryOut]:
    """Assigned patients with their latest scores and open alerts: highest open alert tier
    first, then the most recently active (those not active yet last); 50 a page (`page`),
    total in `X-Total-Count`. `filter` and `q` narrow the list."""
    rows, total = service.my_patients(session, clinician, page=page, filter=filter, q=q)
    response.headers["X-Total-Count"] = str(total)
    return [PatientSummaryOut(id=r.id, email=r.email, display_name=r.name, phq9=_score(r.phq9),
                              gad7=_score(r.gad7), open_alerts=r.open_alerts, top_tier=r.top_tier,
                              last_activity_at=r.last_activity_at, enrolled_at=r.enrolled_at) for r in rows]


@router.get("/{patient_id}", response_model=PatientRecordOut)
def get_patient(patient_id: uuid.UUID, session: SessionDep, clinician: CurrentClinician) -> PatientRecordOut:
    """One assigned patient's record (audited). Another clinician's patient is 404."""
    rec = service.patient_record(session, clinician, patient_id)
    progress = None
    if rec.progress is not None:
        progress = ProgressOut(
            completed=rec.progress.completed, total=rec.progress.total,
            current=rec.progress.current.slug if rec.progress.current else None,
            next_opens_at=rec.progress.next_opens_at,
            modules=[ModuleOut(slug=m.slug, number=m.number, title=m.title, status=str(m.status),
                               available_at=m.available_at, completed_at=m.completed_at) for m in rec.modules])
    return PatientRecordOut(
        id=rec.patient.id, email=rec.email, display_name=rec.name, enrolled_at=rec.enrolled_at,
        last_activity_at=rec.last_activity_at,
        assessments=sorted([AssessmentOut(id=v.id, instrument=v.instrument, total=v.total, severity=v.severity,
                                          item9=v.item9, taken_at=v.taken_at)
                            for vs in rec.scores.values() for v in vs], key=lambda a: a.taken_at),
        moods=[MoodOut(mood=m.mood, recorded_at=m.recorded_at) for m in rec.moods],
        diary=[DiaryOut(id=d.id, mood=d.mood, emotions=d.emotions, note=d.note, sleep_hours=d.sleep_hours,
                        activities=d.activities, recorded_at=d.recorded_at) for d in rec.diary],
        progress=progress,
        homework=[HomeworkOut(id=h.id, title=h.title, module_number=h.module_number, module_title=h.module_title,
                              status=h.status, submitted_at=h.submitted_at, updated_at=h.updated_at,
                              answers=h.answers) for h in rec.homework],
        alerts=[AlertOut.of(a) for a in rec.alerts],
        safety_plan=rec.safety_plan.sections if rec.safety_plan is not None else None)
