"""Deterioration monitor: one pure function per rule of clinical-rules.md §4.

No database, web or clock: every function takes its inputs, including `now`. All
thresholds, windows and curve parameters live in MonitoringConfig (defaults from the
doc; a deployment may pass its own). Datetimes must be timezone-aware.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from fractions import Fraction
from typing import Final

from app.assessments.change import GAD7_RELIABLE_CHANGE, PHQ9_RELIABLE_CHANGE
from app.assessments.scoring import (
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


@dataclass(frozen=True, slots=True)
class MonitoringConfig:
    """Every monitor threshold in one place. Defaults are clinical-rules.md §4 (all
    [design] unless a source is named there)."""

    item9_high_min: int = ITEM9_HIGH_MIN  # Simon et al. 2013
    item9_any_min: int = ITEM9_LOW_MIN
    severe_phq9_min: int = 20
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
        if self.curve_horizon_weeks < 1 or self.not_on_track_consecutive < 1:
            raise ValueError("curve_horizon_weeks and not_on_track_consecutive must be >= 1")
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


# --------------------------------------------------------------------------------------
# Rules on one check-in
# --------------------------------------------------------------------------------------


def _is_phq9(point: ScorePoint) -> bool:
    return point.instrument == "phq9"


def item9_high(point: ScorePoint, config: MonitoringConfig = DEFAULT_CONFIG) -> Flag | None:
    """PHQ-9 item 9 = 2 or 3 -> urgent (Simon et al. 2013)."""
    if _is_phq9(point) and point.item9 is not None and point.item9 >= config.item9_high_min:
        return Flag(ITEM9_HIGH, Tier.URGENT, point.item9, f"item9={point.item9}")
    return None


def item9_any(point: ScorePoint, config: MonitoringConfig = DEFAULT_CONFIG) -> Flag | None:
    """PHQ-9 item 9 = 1 -> urgent (the patient is also shown the safety plan)."""
    if (_is_phq9(point) and point.item9 is not None
            and config.item9_any_min <= point.item9 < config.item9_high_min):
        return Flag(ITEM9_ANY, Tier.URGENT, point.item9, f"item9={point.item9}")
    return None


def item9_unknown(point: ScorePoint, config: MonitoringConfig = DEFAULT_CONFIG) -> Flag | None:
    """PHQ-9 item 9 missing -> routine. Call after the patient has been re-asked: the
    rule fires when item 9 was never answered (it is never imputed)."""
    if _is_phq9(point) and point.item9 is None:
        return Flag(ITEM9_UNKNOWN, Tier.ROUTINE, None, "item9=missing")
    return None


def severe_score(point: ScorePoint, config: MonitoringConfig = DEFAULT_CONFIG) -> Flag | None:
    """PHQ-9 >= 20 -> routine (crisis resources still shown; Louzon et al. 2016)."""
    if _is_phq9(point) and point.total is not None and point.total >= config.severe_phq9_min:
        return Flag(SEVERE_SCORE, Tier.ROUTINE, point.total, f"phq9>={config.severe_phq9_min}")
    return None


def _valid_totals(points: Iterable[ScorePoint], instrument: str, *,
                  since: datetime | None = None,
                  before: datetime | None = None) -> list[tuple[datetime, int]]:
    """(taken_at, total) of valid scores of one instrument, oldest first, optionally
    limited to since <= taken_at < before."""
    return sorted((
        (p.taken_at, p.total) for p in points
        if p.instrument == instrument and p.total is not None
        and (since is None or p.taken_at >= since) and (before is None or p.taken_at < before)
    ), key=lambda pair: pair[0])  # stable: equal times keep input order


def reliable_deterioration(
    latest: ScorePoint, earlier: Sequence[ScorePoint], config: MonitoringConfig = DEFAULT_CONFIG
) -> Flag | None:
    """PHQ-9 +6 or GAD-7 +4 vs baseline or vs the best (lowest) score so far -> routine;
    urgent if the PHQ-9 total is now >= 15 ([design] read conservatively: also when it was
    already >= 15 and rose further). `earlier`: this patient's scores since enrolment
    (either instrument; later or invalid ones are ignored). Baseline = the first."""
    if latest.total is None:
        return None
    prior = [t for _, t in _valid_totals(earlier, latest.instrument, before=latest.taken_at)]
    if not prior:
        return None
    threshold = config.phq9_reliable_change if _is_phq9(latest) else config.gad7_reliable_change
    baseline, best = prior[0], min(prior)
    if latest.total - baseline >= threshold:
        ref, ref_total = "baseline", baseline
    elif latest.total - best >= threshold:
        ref, ref_total = "best", best
    else:
        return None
    urgent = _is_phq9(latest) and latest.total >= config.deterioration_urgent_phq9_min
    return Flag(RELIABLE_DETERIORATION, Tier.URGENT if urgent else Tier.ROUTINE, latest.total,
                f"{latest.instrument}:+{latest.total - ref_total}:vs_{ref}={ref_total}")


def expected_phq9(baseline: int, week: int,
                  config: MonitoringConfig = DEFAULT_CONFIG) -> float:
    """Expected-recovery curve [design, after Lambert]:
    expected(w) = baseline - (baseline - 4) * 0.5 * ln(1 + w) / ln(8), w capped at 7.
    Rounded to 9 decimals so exact points (e.g. w = 1, 3, 7) compare exactly."""
    if week < 0:
        raise ValueError("week must be >= 0")
    w = min(week, config.curve_horizon_weeks)
    share = math.log(1 + w) / math.log(1 + config.curve_horizon_weeks)
    return round(baseline - (baseline - config.curve_floor) * config.curve_fraction * share, 9)


def expected_band_upper(baseline: int, week: int,
                        config: MonitoringConfig = DEFAULT_CONFIG) -> float:
    """Upper edge of the expected-recovery band: expected(w) + 5."""
    return round(expected_phq9(baseline, week, config) + config.curve_band_width, 9)


def not_on_track(
    phq9_points: Sequence[ScorePoint], enrolled_at: datetime,
    config: MonitoringConfig = DEFAULT_CONFIG,
) -> Flag | None:
    """Latest PHQ-9 above the expected-recovery band on two consecutive check-ins ->
    routine. Only for a baseline (first valid PHQ-9 at/after enrolment) >= 10. The
    band is strictly exceeded: total > expected(w) + 5, w = floor(days since enrolment/7)."""
    pts = _valid_totals(phq9_points, "phq9", since=enrolled_at)
    if not pts or pts[0][1] < config.not_on_track_min_baseline:
        return None
    baseline = pts[0][1]
    recent = pts[1:][-config.not_on_track_consecutive:]
    if len(recent) < config.not_on_track_consecutive:
        return None
    uppers = [expected_band_upper(baseline, week_since(enrolled_at, at), config)
              for at, _ in recent]
    if not all(total > upper for (_, total), upper in zip(recent, uppers, strict=True)):
        return None
    week = week_since(enrolled_at, recent[-1][0])
    return Flag(NOT_ON_TRACK, Tier.ROUTINE, recent[-1][1], f"week={week}:upper={uppers[-1]:.2f}")


# --------------------------------------------------------------------------------------
# Diary rules
# --------------------------------------------------------------------------------------


def _mood_windows(moods: Iterable[MoodPoint], now: datetime,
                  config: MonitoringConfig) -> tuple[list[Fraction], list[Fraction]]:
    """Recent = (now - 7d, now]; prior = (now - 35d, now - 7d]."""
    split = now - timedelta(days=config.mood_recent_days)
    start = split - timedelta(days=config.mood_prior_days)
    recent = [Fraction(m.mood) for m in moods if split < m.recorded_at <= now]
    prior = [Fraction(m.mood) for m in moods if start < m.recorded_at <= split]
    return recent, prior


def mood_decline_mean(moods: Sequence[MoodPoint], now: datetime,
                      config: MonitoringConfig = DEFAULT_CONFIG) -> Flag | None:
    """Mean mood of the last 7 days >= 3 points below the mean of the 28 days before,
    with >= 4 entries in each window -> routine (exact arithmetic)."""
    recent, prior = _mood_windows(moods, _aware(now, "now"), config)
    if len(recent) < config.mood_min_entries or len(prior) < config.mood_min_entries:
        return None
    drop = sum(prior) / len(prior) - sum(recent) / len(recent)
    if drop < config.mood_drop:
        return None
    return Flag(MOOD_DECLINE, Tier.ROUTINE, round(float(drop), 2), "mean_drop")


def mood_decline_low_run(moods: Sequence[MoodPoint], now: datetime,
                         config: MonitoringConfig = DEFAULT_CONFIG) -> Flag | None:
    """The last 3 entries (up to now) all at mood <= 1 -> routine."""
    upto = sorted((m for m in moods if m.recorded_at <= _aware(now, "now")),
                  key=lambda m: m.recorded_at)
    last = upto[-config.mood_low_consecutive:]
    if len(last) < config.mood_low_consecutive or any(m.mood > config.mood_low_max for m in last):
        return None
    return Flag(MOOD_DECLINE, Tier.ROUTINE, max(m.mood for m in last), "consecutive_low")


def mood_decline(moods: Sequence[MoodPoint], now: datetime,
                 config: MonitoringConfig = DEFAULT_CONFIG) -> Flag | None:
    """Either mood_decline variant (§4); the mean-drop variant is reported first."""
    return mood_decline_mean(moods, now, config) or mood_decline_low_run(moods, now, config)


# --------------------------------------------------------------------------------------
# Time rules and patient-reported emergency
# --------------------------------------------------------------------------------------


def disengaged(enrolled_at: datetime | None, last_activity_at: datetime | None, now: datetime,
               config: MonitoringConfig = DEFAULT_CONFIG) -> Flag | None:
    """Enrolled and no lesson, diary or check-in activity for >= 14 days -> routine.
    enrolled_at None = not enrolled. No activity yet counts from enrolment."""
    if enrolled_at is None:
        return None
    since = max(_aware(enrolled_at, "enrolled_at"),
                _aware(last_activity_at, "last_activity_at") if last_activity_at else enrolled_at)
    idle = _aware(now, "now") - since
    if idle < timedelta(days=config.disengaged_days):
        return None
    return Flag(DISENGAGED, Tier.ROUTINE, idle // timedelta(days=1), "days_inactive")


def checkin_due_at(enrolled_at: datetime, last_phq9_at: datetime | None,
                   config: MonitoringConfig = DEFAULT_CONFIG) -> datetime:
    """When the next weekly PHQ-9 is due: last PHQ-9 since enrolment + 7 days; with none
    yet, enrolment + first_checkin_due_days (0: the baseline is due at enrolment).
    Use it for the patient's reminder, which comes before missed_checkin fires."""
    _aware(enrolled_at, "enrolled_at")
    if last_phq9_at is None or _aware(last_phq9_at, "last_phq9_at") < enrolled_at:
        return enrolled_at + timedelta(days=config.first_checkin_due_days)
    return last_phq9_at + timedelta(days=config.checkin_interval_days)


def missed_checkin(enrolled_at: datetime | None, last_phq9_at: datetime | None, now: datetime,
                   config: MonitoringConfig = DEFAULT_CONFIG) -> Flag | None:
    """Weekly PHQ-9 overdue by >= 3 days (due + 3 days <= now) -> routine."""
    if enrolled_at is None:
        return None
    due = checkin_due_at(enrolled_at, last_phq9_at, config)
    overdue = _aware(now, "now") - due
    if overdue < timedelta(days=config.checkin_overdue_days):
        return None
    first = last_phq9_at is None or last_phq9_at < enrolled_at
    return Flag(MISSED_CHECKIN, Tier.ROUTINE, overdue // timedelta(days=1),
                "no_phq9_since_enrolment" if first else "days_overdue")


def patient_reported_emergency(source: str) -> Flag:
    """'I am not safe right now' (check-in result page or diary) -> emergency, at once."""
    if source not in ("checkin", "diary"):
        raise ValueError("source must be 'checkin' or 'diary'")
    return Flag(PATIENT_REPORTED_EMERGENCY, Tier.EMERGENCY, source, "patient_not_safe")


def ack_overdue(tier: Tier | str, raised_at: datetime, acknowledged_at: datetime | None,
                now: datetime, config: MonitoringConfig = DEFAULT_CONFIG) -> bool:
    """True if an alert is unacknowledged past its tier's deadline (1 h / 24 h; routine
    has none) [design]."""
    deadline = config.ack_deadline(tier)
    if deadline is None or acknowledged_at is not None:
        return False
    return _aware(now, "now") >= _aware(raised_at, "raised_at") + deadline


# --------------------------------------------------------------------------------------
# Evaluators
# --------------------------------------------------------------------------------------


def evaluate_checkin(point: ScorePoint, history: Sequence[ScorePoint], enrolled_at: datetime,
                     config: MonitoringConfig = DEFAULT_CONFIG) -> list[Flag]:
    """All rules on a new PHQ-9/GAD-7 submission, highest tier first. history: earlier
    scores of this patient (either instrument); points before enrolment are ignored."""
    since = [p for p in history if p.taken_at >= _aware(enrolled_at, "enrolled_at")]
    flags = [item9_high(point, config), item9_any(point, config),
             item9_unknown(point, config), severe_score(point, config)]
    if point.taken_at >= enrolled_at:
        flags.append(reliable_deterioration(point, since, config))
        if _is_phq9(point):
            flags.append(not_on_track([*since, point], enrolled_at, config))
    return sort_flags(flags)


def kept_last_n(config: MonitoringConfig = DEFAULT_CONFIG) -> int:
    """How many of each instrument's latest valid scores `relevant_history` keeps: the
    dashboard's latest and previous, and the not-on-track rule's consecutive check-ins."""
    return max(2, config.not_on_track_consecutive)


def relevant_history(points: Sequence[ScorePoint], enrolled_at: datetime,
                     config: MonitoringConfig = DEFAULT_CONFIG) -> list[ScorePoint]:
    """The part of a score history that later check-ins are judged against, oldest first:
    of each instrument's valid scores, the first and the lowest since enrolment and the last
    `kept_last_n` overall. For any later check-in, `evaluate_checkin`
    gives the same flags with this subset as with the whole history (baseline = the first,
    best = the lowest, not-on-track = the baseline and the last few), and the monitor's
    dashboard summary the same latest and previous totals; so the monitor keeps this in the
    patient's row instead of decrypting every earlier check-in on each submission."""
    since = _aware(enrolled_at, "enrolled_at")
    last_n = kept_last_n(config)
    chosen: set[int] = set()
    for instrument in INSTRUMENTS:
        valid = sorted((i for i, p in enumerate(points) if p.instrument == instrument and p.total is not None),
                       key=lambda i: points[i].taken_at)  # stable: equal times keep input order
        chosen.update(valid[-last_n:])
        enrolled = [i for i in valid if points[i].taken_at >= since]
        if enrolled:
            chosen.add(enrolled[0])
            chosen.add(min(enrolled, key=lambda i: points[i].total or 0))
    return sorted((points[i] for i in sorted(chosen)), key=lambda p: p.taken_at)


def evaluate_diary(moods: Sequence[MoodPoint], now: datetime, *, not_safe: bool = False,
                   config: MonitoringConfig = DEFAULT_CONFIG) -> list[Flag]:
    """Rules on a diary entry (moods include the new one), highest tier first."""
    flags = [mood_decline(moods, now, config)]
    if not_safe:
        flags.append(patient_reported_emergency("diary"))
    return sort_flags(flags)


def evaluate_schedule(enrolled_at: datetime | None, last_activity_at: datetime | None,
                      last_phq9_at: datetime | None, now: datetime,
                      config: MonitoringConfig = DEFAULT_CONFIG) -> list[Flag]:
    """Time-based rules for one patient, highest tier first."""
    return sort_flags([disengaged(enrolled_at, last_activity_at, now, config),
                       missed_checkin(enrolled_at, last_phq9_at, now, config)])
