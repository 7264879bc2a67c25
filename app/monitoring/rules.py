"""Deterioration monitor: one pure function per rule of clinical-rules.md §4.

No database, web or clock: every function takes its inputs, including `now`. All
thresholds, windows and curve parameters live in MonitoringConfig (defaults from the
doc; a deployment may pass its own). Datetimes must be timezone-aware.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from fractions import Fraction

from app.assessments.scoring import INSTRUMENTS
from app.monitoring.inputs import (  # noqa: F401 - re-exported: callers use rules.<name>
    Tier,
    _TIER_RANK,
    ITEM9_HIGH,
    ITEM9_ANY,
    ITEM9_UNKNOWN,
    SEVERE_SCORE,
    RELIABLE_DETERIORATION,
    NOT_ON_TRACK,
    MOOD_DECLINE,
    DISENGAGED,
    MISSED_CHECKIN,
    PATIENT_REPORTED_EMERGENCY,
    SAFETY_PLAN_RULES,
    CRISIS_RESOURCES_RULES,
    WEEKLY_INSTRUMENTS,
    MonitoringConfig,
    DEFAULT_CONFIG,
    Flag,
    _aware,
    ScorePoint,
    MoodPoint,
    sort_flags,
    week_since,
)


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


def severe_min(instrument: str, config: MonitoringConfig = DEFAULT_CONFIG) -> int:
    """The severe_score threshold of an instrument: PHQ-9 >= 20, GAD-7 >= 15."""
    return config.severe_phq9_min if instrument == "phq9" else config.severe_gad7_min


def caseness_min(instrument: str, config: MonitoringConfig = DEFAULT_CONFIG) -> int:
    """NHS Talking Therapies caseness: PHQ-9 >= 10, GAD-7 >= 8."""
    return config.phq9_caseness if instrument == "phq9" else config.gad7_caseness


def reliable_change_min(instrument: str, config: MonitoringConfig = DEFAULT_CONFIG) -> int:
    """Reliable change: PHQ-9 6 points, GAD-7 4 points."""
    return config.phq9_reliable_change if instrument == "phq9" else config.gad7_reliable_change


def severe_score(point: ScorePoint, config: MonitoringConfig = DEFAULT_CONFIG) -> Flag | None:
    """PHQ-9 >= 20 or GAD-7 >= 15 -> routine (crisis resources still shown; Louzon et al. 2016)."""
    threshold = severe_min(point.instrument, config)
    if point.total is not None and point.total >= threshold:
        return Flag(SEVERE_SCORE, Tier.ROUTINE, point.total, f"{point.instrument}>={threshold}")
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
    threshold = reliable_change_min(latest.instrument, config)
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


def not_on_track_no_improvement(
    points: Sequence[ScorePoint], instrument: str, enrolled_at: datetime,
    config: MonitoringConfig = DEFAULT_CONFIG,
) -> Flag | None:
    """not_on_track clause (b), "no reliable improvement by week 6", for one instrument:
    the latest check-in is 42 days or more after the baseline (the first valid score at or
    after enrolment), the baseline was at caseness (PHQ-9 >= 10, GAD-7 >= 8), and the last
    two check-ins after the baseline are both still at caseness with neither reliably
    improved from the baseline (PHQ-9 fall < 6, GAD-7 fall < 4) -> routine.

    [design, our reading] "the last two check-ins" are the last two valid scores after the
    baseline, each compared with the baseline; the baseline itself is not one of them."""
    pts = _valid_totals(points, instrument, since=enrolled_at)
    if not pts:
        return None
    (base_at, baseline), after = pts[0], pts[1:]
    case = caseness_min(instrument, config)
    if baseline < case:
        return None
    recent = after[-config.not_on_track_b_checkins:]
    if len(recent) < config.not_on_track_b_checkins:
        return None
    days = (recent[-1][0] - base_at) // timedelta(days=1)
    if days < config.not_on_track_b_days:
        return None
    fall = reliable_change_min(instrument, config)
    if not all(total >= case and baseline - total < fall for _, total in recent):
        return None
    return Flag(NOT_ON_TRACK, Tier.ROUTINE, recent[-1][1],
                f"{instrument}:no_reliable_improvement:day={days}:baseline={baseline}")


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


def weekly_done_at(last_phq9_at: datetime | None, last_gad7_at: datetime | None) -> datetime | None:
    """When the weekly check-in (PHQ-9 and GAD-7) was last complete: the earlier of the two
    instruments' latest times, None until both have been done. A week with only one of them
    is not a complete check-in, so it is still due and counted as missed together."""
    if last_phq9_at is None or last_gad7_at is None:
        return None
    return min(_aware(last_phq9_at, "last_phq9_at"), _aware(last_gad7_at, "last_gad7_at"))


def checkin_due_at(enrolled_at: datetime, last_checkin_at: datetime | None,
                   config: MonitoringConfig = DEFAULT_CONFIG) -> datetime:
    """When the next check-in is due: the last one since enrolment + 7 days; with none
    yet, enrolment + first_checkin_due_days (0: the baseline is due at enrolment).
    For the weekly pair pass `weekly_done_at(...)`; for one instrument, its latest time.
    Use it for the patient's reminder, which comes before missed_checkin fires."""
    _aware(enrolled_at, "enrolled_at")
    if last_checkin_at is None or _aware(last_checkin_at, "last_checkin_at") < enrolled_at:
        return enrolled_at + timedelta(days=config.first_checkin_due_days)
    return last_checkin_at + timedelta(days=config.checkin_interval_days)


def missed_checkin(enrolled_at: datetime | None, last_checkin_at: datetime | None, now: datetime,
                   config: MonitoringConfig = DEFAULT_CONFIG) -> Flag | None:
    """The weekly check-in (PHQ-9 and GAD-7) overdue by >= 3 days (due + 3 days <= now)
    -> routine. last_checkin_at: `weekly_done_at(last PHQ-9, last GAD-7)`."""
    if enrolled_at is None:
        return None
    due = checkin_due_at(enrolled_at, last_checkin_at, config)
    overdue = _aware(now, "now") - due
    if overdue < timedelta(days=config.checkin_overdue_days):
        return None
    first = last_checkin_at is None or last_checkin_at < enrolled_at
    return Flag(MISSED_CHECKIN, Tier.ROUTINE, overdue // timedelta(days=1),
                "no_checkin_since_enrolment" if first else "days_overdue")


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
        # One not_on_track flag per check-in: clause (a) (PHQ-9 band) first, else clause (b).
        course = [*since, point]
        flags.append((not_on_track(course, enrolled_at, config) if _is_phq9(point) else None)
                     or not_on_track_no_improvement(course, point.instrument, enrolled_at, config))
    return sort_flags(flags)


def kept_last_n(config: MonitoringConfig = DEFAULT_CONFIG) -> int:
    """How many of each instrument's latest valid scores `relevant_history` keeps: the
    dashboard's latest and previous, and the not-on-track rule's consecutive check-ins."""
    return max(2, config.not_on_track_consecutive, config.not_on_track_b_checkins)


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
                      last_checkin_at: datetime | None, now: datetime,
                      config: MonitoringConfig = DEFAULT_CONFIG) -> list[Flag]:
    """Time-based rules for one patient, highest tier first (last_checkin_at: weekly_done_at)."""
    return sort_flags([disengaged(enrolled_at, last_activity_at, now, config),
                       missed_checkin(enrolled_at, last_checkin_at, now, config)])
