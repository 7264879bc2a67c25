"""The monitor's vocabulary: alert tiers, rule names, the configuration and the inputs
(score and mood points, flags) that the pure rules in app/monitoring/rules.py take and return."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Final

from app.assessments.change import GAD7_RELIABLE_CHANGE, PHQ9_RELIABLE_CHANGE
from app.assessments.scoring import (
    GAD7_CASENESS,
    INSTRUMENTS,
    ITEM9_HIGH_MIN,
    ITEM9_LOW_MIN,
    PHQ9_CASENESS,
    Score,
)


class Tier(StrEnum):
    """Alert tiers; compare by severity: EMERGENCY > URGENT > ROUTINE."""

    ROUTINE = "routine"
    URGENT = "urgent"
    EMERGENCY = "emergency"

    @property
    def rank(self) -> int:
        return _TIER_RANK[self]

    def __lt__(self, other: str) -> bool:
        return self.rank < Tier(other).rank

    def __le__(self, other: str) -> bool:
        return self.rank <= Tier(other).rank

    def __gt__(self, other: str) -> bool:
        return self.rank > Tier(other).rank

    def __ge__(self, other: str) -> bool:
        return self.rank >= Tier(other).rank


_TIER_RANK: Final = {Tier.ROUTINE: 1, Tier.URGENT: 2, Tier.EMERGENCY: 3}

# Rule names (alert keys; one open alert per rule per patient).
ITEM9_HIGH: Final = "item9_high"
ITEM9_ANY: Final = "item9_any"
ITEM9_UNKNOWN: Final = "item9_unknown"
SEVERE_SCORE: Final = "severe_score"
RELIABLE_DETERIORATION: Final = "reliable_deterioration"
NOT_ON_TRACK: Final = "not_on_track"
MOOD_DECLINE: Final = "mood_decline"
DISENGAGED: Final = "disengaged"
MISSED_CHECKIN: Final = "missed_checkin"
PATIENT_REPORTED_EMERGENCY: Final = "patient_reported_emergency"
#: item9_any: the patient is also shown the safety plan (§4).
SAFETY_PLAN_RULES: Final = frozenset({ITEM9_ANY})
#: severe_score is routine, but crisis resources are still shown (§4, Louzon 2016).
CRISIS_RESOURCES_RULES: Final = frozenset({SEVERE_SCORE})
#: The weekly check-in (§5): the PHQ-9 and then the GAD-7, due, reminded and counted together.
WEEKLY_INSTRUMENTS: Final = ("phq9", "gad7")


@dataclass(frozen=True, slots=True)
class MonitoringConfig:
    """Every monitor threshold in one place. Defaults are clinical-rules.md §4 (all
    [design] unless a source is named there)."""

    item9_high_min: int = ITEM9_HIGH_MIN  # Simon et al. 2013
    item9_any_min: int = ITEM9_LOW_MIN
    severe_phq9_min: int = 20
    severe_gad7_min: int = 15  # GAD-7 "severe" band, Spitzer et al. 2006
    phq9_caseness: int = PHQ9_CASENESS  # NHS TT caseness
    gad7_caseness: int = GAD7_CASENESS
    phq9_reliable_change: int = PHQ9_RELIABLE_CHANGE  # Jacobson & Truax; NHS TT
    gad7_reliable_change: int = GAD7_RELIABLE_CHANGE
    deterioration_urgent_phq9_min: int = 15
    # Expected-recovery curve (after Lambert): expected(w) = b - (b - floor) *
    # fraction * ln(1 + w) / ln(1 + horizon); band upper edge = expected + width.
    curve_floor: float = 4.0
    curve_fraction: float = 0.5
    curve_horizon_weeks: int = 7
    curve_band_width: float = 5.0  # PHQ-9 clinically important difference
    not_on_track_min_baseline: int = PHQ9_CASENESS  # NHS TT caseness
    not_on_track_consecutive: int = 2
    # Clause (b): no reliable improvement by week 6, for PHQ-9 and GAD-7.
    not_on_track_b_days: int = 42
    not_on_track_b_checkins: int = 2
    mood_recent_days: int = 7
    mood_prior_days: int = 28
    mood_drop: int = 3
    mood_min_entries: int = 4
    mood_low_max: int = 1
    mood_low_consecutive: int = 3
    disengaged_days: int = 14
    checkin_interval_days: int = 7
    checkin_overdue_days: int = 3
    first_checkin_due_days: int = 0  # no PHQ-9 yet: the baseline is due at enrolment
    ack_emergency: timedelta | None = timedelta(hours=1)
    ack_urgent: timedelta | None = timedelta(hours=24)
    ack_routine: timedelta | None = None

    def __post_init__(self) -> None:
        if min(self.curve_horizon_weeks, self.not_on_track_consecutive, self.not_on_track_b_checkins) < 1:
            raise ValueError("curve_horizon_weeks, not_on_track_consecutive and not_on_track_b_checkins "
                             "must be >= 1")
        if min(self.mood_recent_days, self.mood_prior_days, self.mood_min_entries,
               self.mood_low_consecutive, self.checkin_interval_days) < 1:
            raise ValueError("mood windows, counts and the check-in interval must be >= 1")

    def ack_deadline(self, tier: Tier | str) -> timedelta | None:
        """Time within which a clinician should acknowledge an alert of this tier."""
        return {Tier.EMERGENCY: self.ack_emergency, Tier.URGENT: self.ack_urgent,
                Tier.ROUTINE: self.ack_routine}[Tier(tier)]


DEFAULT_CONFIG: Final = MonitoringConfig()


@dataclass(frozen=True, slots=True)
class Flag:
    """One rule firing. value: the trigger value (number or short code, no free text);
    detail: a short machine-readable reason."""

    rule: str
    tier: Tier
    value: int | float | str | None
    detail: str


def _aware(dt: datetime, what: str) -> datetime:
    if not isinstance(dt, datetime) or dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError(f"{what} must be a timezone-aware datetime")
    return dt


@dataclass(frozen=True, slots=True)
class ScorePoint:
    """One stored questionnaire: total None if it had no valid score; item9 PHQ-9 only."""

    instrument: str
    total: int | None
    item9: int | None
    taken_at: datetime

    def __post_init__(self) -> None:
        if self.instrument not in INSTRUMENTS:
            raise ValueError(f"unknown instrument {self.instrument!r}")
        top = INSTRUMENTS[self.instrument].max_total
        if self.total is not None and (type(self.total) is not int or not 0 <= self.total <= top):
            raise ValueError(f"total must be 0-{top} or None")
        if self.item9 is not None and (self.instrument != "phq9" or type(self.item9) is not int
                                       or not 0 <= self.item9 <= 3):
            raise ValueError("item9 must be 0-3 or None, and only for PHQ-9")
        _aware(self.taken_at, "taken_at")

    @classmethod
    def from_score(cls, result: Score, taken_at: datetime) -> ScorePoint:
        return cls(result.instrument, result.total, result.item9, taken_at)


@dataclass(frozen=True, slots=True)
class MoodPoint:
    mood: int | float
    recorded_at: datetime

    def __post_init__(self) -> None:
        if isinstance(self.mood, bool) or not isinstance(self.mood, (int, float)):
            raise ValueError("mood must be a number")
        _aware(self.recorded_at, "recorded_at")


def sort_flags(flags: Iterable[Flag | None]) -> list[Flag]:
    """Drop Nones; highest tier first (stable within a tier)."""
    return sorted((f for f in flags if f is not None), key=lambda f: -f.tier.rank)


def week_since(enrolled_at: datetime, at: datetime) -> int:
    """Week w = floor(days / 7), days = whole days since enrolment (negative before)."""
    days = (_aware(at, "at") - _aware(enrolled_at, "enrolled_at")) // timedelta(days=1)
    return days // 7
