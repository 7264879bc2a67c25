from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class EntryIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    answers: dict[str, Any] = Field(description="Field name -> answer, as the exercise's fields define "
                                                "(rows: a list of objects; choices: a list of the chosen "
                                                "options). Checked against the exercise.")
    status: Literal["draft", "submitted"] = Field("submitted", description="A draft may be incomplete.")


class EntryPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    answers: dict[str, Any] | None = Field(None, description="Replaces all the entry's answers.")
    status: Literal["draft", "submitted"] | None = Field(None, description="Submit a draft. A submitted "
                                                                         "entry stays submitted.")


class FeedbackOut(BaseModel):
    author: str
    body: str
    created_at: datetime


class EntryOut(BaseModel):
    id: uuid.UUID
    task_slug: str
    title: str
    module_slug: str
    module_number: int
    status: Literal["draft", "submitted"]
    answers: dict[str, Any]
    content_version: int
    created_at: datetime
    updated_at: datetime
    submitted_at: datetime | None
    feedback: list[FeedbackOut] | None = Field(None, description="Your care team's comments (one entry's view only).")
