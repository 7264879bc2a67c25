from __future__ import annotations

from datetime import datetime
from pydantic import BaseModel, ConfigDict, Field

from app.escalation.schemas import PathwayOut
from app.safety.service import SECTION_MAX


class SafetyPlanIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    warning_signs: str = Field("", max_length=SECTION_MAX)
    coping: str = Field("", max_length=SECTION_MAX)
    social: str = Field("", max_length=SECTION_MAX)
    contacts: str = Field("", max_length=SECTION_MAX)
    professionals: str = Field("", max_length=SECTION_MAX)
    environment: str = Field("", max_length=SECTION_MAX)
    reasons: str = Field("", max_length=SECTION_MAX)


class SafetyPlanOut(BaseModel):
    exists: bool
    sections: dict[str, str]
    titles: dict[str, str]
    updated_at: datetime | None


class NotSafeIn(BaseModel):
    """Where the patient pressed the button. Informational: an unknown or missing value is
    recorded as "checkin" and the alert is raised all the same (never refused)."""

    source: str = Field("checkin", max_length=2000)


class AlertStatusOut(BaseModel):
    tier: str
    state: str
    topic: str
    message: str
    since: datetime


class NotSafeOut(BaseModel):
    rule: str
    tier: str
    escalation: PathwayOut
    status: list[AlertStatusOut]
