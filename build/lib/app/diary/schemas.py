"""Diary input and output. Strict: a mood of 5.5, "5" or true is refused, not coerced."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Final, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, field_validator

from app.escalation.schemas import PathwayOut

MOOD_MIN: Final = 0
MOOD_MAX: Final = 10
NOTE_MAX: Final = 2000
SLEEP_MAX: Final = 24
SLEEP_STEP: Final = 0.5
ACTIVITIES_MAX: Final = 10
ACTIVITY_MAX_CHARS: Final = 60

#: The fixed list of emotions a patient can tick: API value -> label shown on the page.
EMOTIONS: Final[dict[str, str]] = {
    "calm": "Calm", "content": "Content", "happy": "Happy", "hopeful": "Hopeful",
    "grateful": "Grateful", "tired": "Tired", "sad": "Sad", "lonely": "Lonely",
    "anxious": "Anxious", "worried": "Worried", "stressed": "Stressed", "irritable": "Irritable",
    "angry": "Angry", "guilty": "Guilty", "numb": "Numb", "overwhelmed": "Overwhelmed",
}
Emotion = Literal[
    "calm", "content", "happy", "hopeful", "grateful", "tired", "sad", "lonely", "anxious",
    "worried", "stressed", "irritable", "angry", "guilty", "numb", "overwhelmed",
]
assert set(EMOTIONS) == set(Emotion.__args__)  # type: ignore[attr-defined]

Mood = Annotated[int, Field(strict=True, ge=MOOD_MIN, le=MOOD_MAX,
                            description="0 = very low, 10 = very good (whole numbers only)")]
Sleep = Annotated[float, Field(strict=True, ge=0, le=SLEEP_MAX, multiple_of=SLEEP_STEP,
                               description="Hours of sleep, 0-24 in steps of 0.5")]
Activity = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                            max_length=ACTIVITY_MAX_CHARS)]
Note = Annotated[str, Field(max_length=NOTE_MAX)]


def _blank_to_none(v: str | None) -> str | None:
    if v is None:
        return None
    v = v.strip()
    return v or None


def _dedupe(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


class DiaryIn(BaseModel):
    """A new entry. `recorded_at` defaults to now; it may not be more than a few minutes in
    the future, nor more than a year before enrolment (checked by the service)."""

    model_config = ConfigDict(extra="forbid")

    mood: Mood
    emotions: list[Emotion] = Field(default_factory=list, max_length=len(EMOTIONS))
    note: Note | None = None
    sleep_hours: Sleep | None = None
    activities: list[Activity] = Field(default_factory=list, max_length=ACTIVITIES_MAX)
    recorded_at: AwareDatetime | None = None

    _note = field_validator("note")(_blank_to_none)
    _emotions = field_validator("emotions")(_dedupe)
    _activities = field_validator("activities")(_dedupe)


class DiaryPatch(BaseModel):
    """Change some fields of an entry. Send null to clear an optional field."""

    model_config = ConfigDict(extra="forbid")

    mood: Mood | None = None
    emotions: list[Emotion] | None = Field(None, max_length=len(EMOTIONS))
    note: Note | None = None
    sleep_hours: Sleep | None = None
    activities: list[Activity] | None = Field(None, max_length=ACTIVITIES_MAX)
    recorded_at: AwareDatetime | None = None

    _note = field_validator("note")(_blank_to_none)

    @field_validator("mood", "recorded_at")
    @classmethod
    def _not_null(cls, v: object) -> object:
        if v is None:
            raise ValueError("cannot be cleared; leave it out to keep the current value")
        return v

    @field_validator("emotions", "activities")
    @classmethod
    def _lists(cls, v: list[str] | None) -> list[str]:
        return [] if v is None else _dedupe(v)


class FlagOut(BaseModel):
    rule: str
    tier: str


class DiaryOut(BaseModel):
    id: uuid.UUID
    mood: int
    emotions: list[str]
    note: str | None
    sleep_hours: float | None
    activities: list[str]
    recorded_at: datetime
    created_at: datetime
    updated_at: datetime


class DiaryCreatedOut(DiaryOut):
    """The saved entry plus what the deterioration monitor raised when it was saved.
    A replay (same Idempotency-Key) returns the original entry and its flags."""

    flags: list[FlagOut]
    escalation: PathwayOut | None = Field(
        description="The escalation pathway for the highest tier raised, or null")
