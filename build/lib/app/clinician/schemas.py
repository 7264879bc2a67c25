from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from app.alerts.schemas import AlertOut


class ScoreOut(BaseModel):
    latest: int
    previous: int | None
    severity: str | None
    trend: str | None          # up (worse) | down (better) | same | null (first score)
    taken_at: datetime | None


class PatientSummaryOut(BaseModel):
    id: uuid.UUID
    email: str
    display_name: str | None
    phq9: ScoreOut | None
    gad7: ScoreOut | None
    open_alerts: dict[str, int]
    top_tier: str | None
    last_activity_at: datetime | None
    enrolled_at: datetime | None


class AssessmentOut(BaseModel):
    id: uuid.UUID
    instrument: str
    total: int | None
    severity: str | None
    item9: int | None
    taken_at: datetime


class MoodOut(BaseModel):
    mood: float
    recorded_at: datetime


class DiaryOut(BaseModel):
    id: uuid.UUID
    mood: int
    emotions: list[str]
    note: str | None
    sleep_hours: float | None
    activities: list[str]
    recorded_at: datetime


class ModuleOut(BaseModel):
    slug: str
    number: int
    title: str
    status: str
    available_at: datetime | None
    completed_at: datetime | None


class ProgressOut(BaseModel):
    completed: int
    total: int
    current: str | None
    next_opens_at: datetime | None
    modules: list[ModuleOut]


class HomeworkOut(BaseModel):
    id: uuid.UUID
    title: str
    module_number: int
    module_title: str
    status: str
    submitted_at: datetime | None
    updated_at: datetime
    answers: dict[str, Any]


class PatientRecordOut(BaseModel):
    id: uuid.UUID
    email: str
    display_name: str | None
    enrolled_at: datetime | None
    last_activity_at: datetime | None
    assessments: list[AssessmentOut]
    moods: list[MoodOut]
    diary: list[DiaryOut]
    progress: ProgressOut | None
    homework: list[HomeworkOut]
    alerts: list[AlertOut]
    safety_plan: dict[str, str] | None
