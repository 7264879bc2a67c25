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
    version: int | None = Field(None, ge=0, le=10_000_000, description=(
        "The plan's `version` this text was written from (0 when there was no plan). If the plan "
        "has been saved since, the answer is 409 `version_conflict` with the newer plan, and nothing "
        "is stored. Leave it out to save without the check."))


class ClinicianSafetyPlanIn(SafetyPlanIn):
    version: int = Field(..., ge=0, le=10_000_000, description=(  # type: ignore[assignment]
        "The plan's `version` this text was written from (0 when there was no plan); 409 "
        "`version_conflict` with the newer plan if it has been saved since."))


class PlanChangeOut(BaseModel):
    version: int
    at: datetime
    author_role: str = Field(description="patient or clinician")
    author: str | None = Field(description="The author's display name when they saved it")
    by_you: bool
    changed: list[str] = Field(description="The sections this save changed")


class SafetyPlanOut(BaseModel):
    exists: bool
    sections: dict[str, str]
    titles: dict[str, str]
    updated_at: datetime | None
    version: int = Field(0, description="Send it back with a change (0: no plan yet)")
    history: list[PlanChangeOut] = Field(default_factory=list, description="The latest changes, newest first")
    history_total: int = 0


class PlanVersionOut(PlanChangeOut):
    sections: dict[str, str]


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
