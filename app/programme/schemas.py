from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt

Status = Literal["locked", "available", "in_progress", "completed"]
FieldType = Literal["text", "long_text", "rating_100", "rating_10", "choice", "choices", "datetime", "date", "rows"]


class ModuleOut(BaseModel):
    slug: str
    number: int
    title: str
    summary: str
    status: Status
    available_at: datetime | None = Field(description="When it opened; for a locked module the earliest "
                                                      "it can open, or null when not known yet.")
    opens: str | None = Field(None, description="Locked modules: when and how it opens, in plain words.")
    completed_at: datetime | None = None
    estimated_minutes: int
    content_version: int


class PageOut(BaseModel):
    slug: str
    title: str
    html: str = Field(description="Rendered from the content's Markdown with raw HTML disabled.")


class FieldOut(BaseModel):
    name: str
    type: FieldType
    label: str
    help: str | None = None
    required: bool = False
    max_length: int | None = None
    min: int | None = None
    max: int | None = None
    min_label: str | None = None
    max_label: str | None = None
    choices: list[str] | None = None   # a "choice" field: pick one
    options: list[str] | None = None   # a "choices" field: tick any (the answer is a list)
    columns: list[FieldOut] | None = None
    min_rows: int | None = None
    max_rows: int | None = None


class HomeworkOut(BaseModel):
    slug: str
    title: str
    intro: str | None
    fields: list[FieldOut]


class QuizQuestionOut(BaseModel):
    question: str
    options: list[str]


class ModuleDetailOut(ModuleOut):
    learning_goals: list[str]
    pages: list[PageOut]
    homework: list[HomeworkOut]
    quiz: list[QuizQuestionOut]
    last_page: str | None = Field(None, description="The page to resume at.")


class QuizIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    answers: list[StrictInt] = Field(max_length=10, description="The chosen option (0-based) for each question.")


class QuizFeedbackOut(BaseModel):
    question: str
    chosen: int
    correct: bool
    feedback: str


class ProgressIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    page: str = Field(max_length=64, description="The slug of the page the patient is reading.")
