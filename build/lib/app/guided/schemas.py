from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

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
