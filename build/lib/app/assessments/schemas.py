"""Check-in input and output. Strict: an answer of 2.5, "2" or true is refused with 422
naming the item (loc ["body", "answers", <0-based index>]); nothing is stored."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field

from app.assessments import scoring
from app.escalation.schemas import PathwayOut

Answer = Annotated[int, Field(strict=True, ge=scoring.ITEM_MIN, le=scoring.ITEM_MAX)]
Instrument = Literal["phq9", "gad7"]
#: Bounds the list before the per-instrument count check (which names the extra item).
MAX_ANSWERS_ACCEPTED = 40


class AssessmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"instrument": "phq9", "answers": [1, 2, 1, 0, 1, 2, 0, 0, 0], "difficulty": 1}]})

    instrument: Instrument
    answers: list[Answer | None] = Field(
        max_length=MAX_ANSWERS_ACCEPTED,
        description="Exactly 9 (PHQ-9) or 7 (GAD-7) answers in item order, each a whole number "
                    "0-3 (0 = Not at all ... 3 = Nearly every day), or null for an item the "
                    "patient did not answer. With 1-2 nulls the total is prorated; with 3 or "
                    "more there is no valid total. PHQ-9 item 9 is never imputed.")
    difficulty: Answer | None = Field(
        None, description="PHQ-9 only: how difficult the problems made things, 0-3.")

    def check_count(self) -> None:
        """Exactly n answers for the instrument, else 422 at the first extra or missing item."""
        n = scoring.INSTRUMENTS[self.instrument].n_items
        name = scoring.INSTRUMENTS[self.instrument].name
        got = len(self.answers)
        if got == n:
            return
        index = n if got > n else got
        msg = (f"{name} has {n} items; got {got} answers" if got > n
               else f"answer missing: {name} needs {n} answers (send null for an unanswered item)")
        raise RequestValidationError([{"type": "too_long" if got > n else "too_short",
                                       "loc": ("body", "answers", index), "msg": msg, "input": got}])


class Item9In(BaseModel):
    model_config = ConfigDict(extra="forbid")

    item9: Answer = Field(description="The answer to PHQ-9 item 9, asked again: 0-3.")


class FlagOut(BaseModel):
    rule: str
    tier: str


class ChangeOut(BaseModel):
    """Change of this instrument since its baseline (the first valid score since enrolment)."""

    baseline: int | None
    baseline_at: datetime | None
    change: int | None = Field(description="Latest minus baseline; positive means more problems")
    reliable_change: str | None = Field(description="improvement, deterioration or no_reliable_change")
    response: bool | None = Field(description="PHQ-9 only: fell by half or more")
    remission: bool | None = Field(description="PHQ-9 only: below 5")
    recovery: str = Field(description="Both measures: recovered, not_recovered or not_applicable")
    reliable_recovery: str


class AssessmentOut(BaseModel):
    id: uuid.UUID
    instrument: str
    total: int | None
    severity: str | None
    item9: int | None = Field(description="PHQ-9 item 9 as answered; null if missing (risk unknown) or GAD-7")
    flags: list[FlagOut]
    escalation: PathwayOut | None
    taken_at: datetime
    answers: list[int | None]
    difficulty: int | None
    prorated: bool
    missing_items: list[int] = Field(description="1-based numbers of unanswered items")
    ask_item9_again: bool = Field(description="PHQ-9 item 9 is missing: ask it again and send "
                                              "POST /api/v1/assessments/{id}/item9")
    change: ChangeOut | None = None


class AssessmentSummaryOut(BaseModel):
    id: uuid.UUID
    instrument: str
    total: int | None
    severity: str | None
    item9: int | None
    prorated: bool
    taken_at: datetime


class DueOut(BaseModel):
    next_due: datetime = Field(description="When the weekly check-in (PHQ-9) is due")
    due_now: bool


def flags_out(flags: list[Any]) -> list[FlagOut]:
    return [FlagOut(rule=f.rule, tier=str(f.tier.value)) for f in flags]
