from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt

from app.guided.service import MAX_LENGTH


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class NoteIn(_In):
    body: str = Field(min_length=1, max_length=MAX_LENGTH)


class NoteOut(BaseModel):
    id: uuid.UUID
    kind: str
    author: str
    body: str
    created_at: datetime


class FeedbackIn(_In):
    body: str = Field(min_length=1, max_length=MAX_LENGTH)


class FeedbackOut(BaseModel):
    id: uuid.UUID
    entry_id: uuid.UUID
    author: str
    body: str
    created_at: datetime
    seen_at: datetime | None


class ReviewIn(_In):
    note: str = Field(min_length=1, max_length=MAX_LENGTH, description="Private to clinicians.")
    message: str | None = Field(None, max_length=MAX_LENGTH, description="Optional message to the patient.")


class ReviewOut(BaseModel):
    id: uuid.UUID
    patient_id: uuid.UUID
    note_id: uuid.UUID
    message_id: uuid.UUID | None
    reviewed_at: datetime
    next_review_at: datetime | None


class DueOut(BaseModel):
    patient_id: uuid.UUID
    name: str
    due_at: datetime
    overdue: bool
    last_review_at: datetime | None
    unread_messages: int


class ModuleOpenedOut(BaseModel):
    slug: str
    opened_at: datetime


class DischargeIn(_In):
    reason: Literal["finished", "dropped_out", "stepped_up", "discharged"]
    note: str = Field(min_length=1, max_length=MAX_LENGTH)


class EpisodeOut(BaseModel):
    status: str
    changed_at: datetime
    end_of_treatment_requested: bool


class HoldIn(_In):
    reason: str = Field(min_length=1, max_length=MAX_LENGTH,
                        description="Why the module is held. Private to clinicians: never shown to the patient "
                                    "(kept as a clinical note).")
    message: str | None = Field(None, max_length=1000,
                                description="Optional, for the patient: shown with the paused module.")


class HoldOut(BaseModel):
    slug: str
    number: int
    held: bool = Field(description="True while the hold is on.")
    status: str = Field(description="The module's status for the patient now (locked while held).")
    held_at: datetime
    released_at: datetime | None
    message: str | None = Field(description="What the patient sees about the hold.")


class IntervalIn(_In):
    days: StrictInt | None = Field(..., ge=1, le=28,
                                   description="Days between module releases for this patient, 1-28; "
                                               "null puts it back to the service default.")


class IntervalOut(BaseModel):
    days: int = Field(description="The interval in force now for this patient.")
    default_days: int
    custom: bool = Field(description="True when set for this patient, false for the service default.")
    changed_at: datetime | None


class HeldModuleOut(BaseModel):
    slug: str
    number: int
    title: str
    reason: str = Field(description="Private to clinicians (a clinical note); never shown to the patient.")
    message: str | None = Field(description="What the patient sees with the paused module.")
    held_by: str
    held_at: datetime


class PaceOut(BaseModel):
    interval: IntervalOut
    holds: list[HeldModuleOut] = Field(description="Modules held now, lowest number first.")
