from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt

Status = Literal["locked", "available", "in_progress", "completed"]
WhyCode = Literal["completed", "open", "opened_by_care_team", "held", "interval", "finish_previous", "soon"]
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
    opens_at: datetime | None = Field(None, description="When it opened, or will open when that is known for "
                                                         "certain; null while it waits for the module before "
                                                         "or is held by the care team.")
    why: str = Field("", description="When it opens (or opened) and why, in plain words, dates in the "
                                     "patient's time zone, e.g. \"Module 3 opens on Tuesday 9 December (7 days "
                                     "after module 2 opened).\"")
    why_code: WhyCode = Field("soon", description="completed, open (on schedule), opened_by_care_team, held (paused "
                                                  "by the care team), interval (opens on a known date), "
                                                  "finish_previous (opens when the module before is finished), soon.")
    held: bool = Field(False, description="Paused by the care team: it does not open on schedule until they lift it.")
    opened_by_care_team: bool = Field(False, description="The care team opened it early.")


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
