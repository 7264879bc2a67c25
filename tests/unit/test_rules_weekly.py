"""clinical-rules.md §4 as rewritten: not_on_track clause (b) for both instruments (the three
examples of §4 and more), missed_checkin for the weekly pair, kept history for clause (b)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.monitoring import rules
from app.monitoring.rules import (
    DEFAULT_CONFIG,
    Flag,
    MonitoringConfig,
    ScorePoint,
    Tier,
    checkin_due_at,
    evaluate_checkin,
    missed_checkin,
    not_on_track_no_improvement,
    relevant_history,
    weekly_done_at,
)

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
DAY = timedelta(days=1)
WEEK = timedelta(days=7)


def pt(instrument: str, total: int, at: datetime) -> ScorePoint:
    return ScorePoint(instrument, total, 0 if instrument == "phq9" else None, at)


def course(instrument: str, baseline: int, *checkins: tuple[int, int]) -> list[ScorePoint]:
    """Baseline at enrolment, then (week, total) check-ins."""
    return [pt(instrument, baseline, T0)] + [pt(instrument, t, T0 + w * WEEK) for w, t in checkins]


def flags_on_last(points: list[ScorePoint]) -> list[Flag]:
    """What the monitor raises on the last check-in of the course."""
    return evaluate_checkin(points[-1], points[:-1], T0)


def not_on_track_rules(points: list[ScorePoint]) -> list[str]:
    return [f.detail for f in flags_on_last(points) if f.rule == rules.NOT_ON_TRACK]


# ---------------------------------------------------------------- the three examples of §4


def test_example_flat_moderate_course_flags_at_week_6() -> None:
    """PHQ-9 baseline 12, then 12, 12, 12, 12, 12 at weeks 1-6 -> flag at week 6."""
    weeks = course("phq9", 12, (1, 12), (2, 12), (3, 12), (4, 12), (6, 12))
    assert not_on_track_rules(weeks) == ["phq9:no_reliable_improvement:day=42:baseline=12"]
    # ... and not before week 6 (week 4 is day 28)
    assert not_on_track_rules(weeks[:-1]) == []
    f = not_on_track_no_improvement(weeks, "phq9", T0)
    assert f == Flag("not_on_track", Tier.ROUTINE, 12, "phq9:no_reliable_improvement:day=42:baseline=12")


def test_example_fall_of_4_from_16_flags() -> None:
    """Baseline 16, 13 at week 5, 12 at week 6 -> flag (fall 4, below the reliable 6)."""
    assert not_on_track_rules(course("phq9", 16, (5, 13), (6, 12))) == [
        "phq9:no_reliable_improvement:day=42:baseline=16"]


def test_example_no_longer_a_case_does_not_flag() -> None:
    """Baseline 16, 9 at week 6 -> no flag (not a case)."""
    assert not_on_track_rules(course("phq9", 16, (5, 13), (6, 9))) == []
    assert not_on_track_no_improvement(course("phq9", 16, (6, 9)), "phq9", T0) is None


# ---------------------------------------------------------------- edges of clause (b)


def test_day_41_is_too_early_day_42_is_not() -> None:
    early = [pt("phq9", 12, T0), pt("phq9", 12, T0 + 35 * DAY), pt("phq9", 12, T0 + 41 * DAY)]
    assert not_on_track_no_improvement(early, "phq9", T0) is None
    on_time = early[:2] + [pt("phq9", 12, T0 + 42 * DAY)]
    assert not_on_track_no_improvement(on_time, "phq9", T0) is not None


def test_a_reliable_improvement_on_either_of_the_last_two_stops_it() -> None:
    assert not_on_track_no_improvement(course("phq9", 16, (5, 10), (6, 12)), "phq9", T0) is None  # fall 6
    assert not_on_track_no_improvement(course("phq9", 16, (5, 12), (6, 10)), "phq9", T0) is None
    assert not_on_track_no_improvement(course("phq9", 16, (5, 11), (6, 11)), "phq9", T0) is not None  # fall 5


def test_either_of_the_last_two_below_caseness_stops_it() -> None:
    assert not_on_track_no_improvement(course("phq9", 12, (5, 9), (6, 12)), "phq9", T0) is None
    assert not_on_track_no_improvement(course("phq9", 12, (5, 10), (6, 10)), "phq9", T0) is not None


def test_baseline_below_caseness_never_flags() -> None:
    assert not_on_track_no_improvement(course("phq9", 9, (5, 15), (6, 15)), "phq9", T0) is None
    assert not_on_track_no_improvement(course("gad7", 7, (5, 15), (6, 15)), "gad7", T0) is None


def test_needs_two_checkins_after_the_baseline() -> None:
    assert not_on_track_no_improvement(course("phq9", 12, (6, 12)), "phq9", T0) is None


def test_only_the_last_two_count() -> None:
    # an early reliable improvement, then back up: judged on the last two
    assert not_on_track_no_improvement(course("phq9", 16, (2, 8), (5, 14), (6, 15)), "phq9", T0) is not None


def test_gad7_clause_b_uses_caseness_8_and_fall_4() -> None:
    assert not_on_track_rules(course("gad7", 11, (5, 9), (6, 8))) == [
        "gad7:no_reliable_improvement:day=42:baseline=11"]
    assert not_on_track_rules(course("gad7", 11, (5, 9), (6, 7))) == []   # not a case
    assert not_on_track_rules(course("gad7", 12, (5, 9), (6, 8))) == []   # fall 4: reliable
    assert not_on_track_rules(course("gad7", 8, (5, 8), (6, 8))) == ["gad7:no_reliable_improvement:day=42:baseline=8"]


def test_instruments_are_judged_separately() -> None:
    mixed = course("phq9", 12, (5, 12), (6, 12)) + course("gad7", 4, (5, 4))
    gad_now = pt("gad7", 4, T0 + 6 * WEEK)
    assert [f.rule for f in evaluate_checkin(gad_now, mixed, T0)] == []
    assert not_on_track_no_improvement(mixed, "phq9", T0) is not None


def test_baseline_is_the_first_score_after_enrolment() -> None:
    before = pt("phq9", 25, T0 - 10 * DAY)  # e.g. a screening before enrolment: not the baseline
    pts = [before, *course("phq9", 12, (5, 12), (6, 12))]
    assert not_on_track_no_improvement(pts, "phq9", T0) is not None


def test_clause_a_is_reported_when_both_apply() -> None:
    # baseline 20, 23 at week 5 and 22 at week 6: above the band (a) and not improved (b)
    details = not_on_track_rules(course("phq9", 20, (5, 23), (6, 22)))
    assert len(details) == 1 and details[0].startswith("week=6:")


def test_clause_b_settings_are_configurable() -> None:
    pts = course("phq9", 12, (4, 12), (5, 12))
    assert not_on_track_no_improvement(pts, "phq9", T0) is None
    cfg = MonitoringConfig(not_on_track_b_days=35)
    assert not_on_track_no_improvement(pts, "phq9", T0, cfg) is not None
    with pytest.raises(ValueError):
        MonitoringConfig(not_on_track_b_checkins=0)


def test_kept_history_gives_the_same_clause_b_flag() -> None:
    """The monitor keeps only rules.relevant_history between check-ins: clause (b) must
    judge the next check-in the same with that subset as with the whole course."""
    full = course("phq9", 12, (1, 14), (2, 11), (3, 13), (4, 12), (5, 12)) + course("gad7", 9, (5, 9))
    nxt = pt("phq9", 12, T0 + 6 * WEEK)
    kept = relevant_history(full, T0)
    assert len(kept) < len(full)
    assert evaluate_checkin(nxt, kept, T0) == evaluate_checkin(nxt, full, T0)
    assert [f.rule for f in evaluate_checkin(nxt, kept, T0)] == ["not_on_track"]


# ---------------------------------------------------------------- severe GAD-7 in the evaluator


def test_evaluate_checkin_severe_gad7() -> None:
    assert [f.rule for f in evaluate_checkin(pt("gad7", 15, T0), [], T0)] == ["severe_score"]
    assert evaluate_checkin(pt("gad7", 14, T0), [], T0) == []
    assert DEFAULT_CONFIG.severe_gad7_min == 15


# ---------------------------------------------------------------- the weekly pair


def test_weekly_done_needs_both() -> None:
    assert weekly_done_at(T0, None) is None
    assert weekly_done_at(None, T0) is None
    assert weekly_done_at(T0 + DAY, T0) == T0
    assert weekly_done_at(T0, T0 + DAY) == T0


def test_missed_checkin_counts_the_pair() -> None:
    """PHQ-9 done every week but the GAD-7 never: the weekly check-in is still missed."""
    last_phq, last_gad = T0 + 14 * DAY, None
    now = T0 + 15 * DAY
    f = missed_checkin(T0, weekly_done_at(last_phq, last_gad), now)
    assert f is not None and f.detail == "no_checkin_since_enrolment"
    # both done on day 14: due day 21, missed from day 24
    done = weekly_done_at(T0 + 14 * DAY, T0 + 14 * DAY)
    assert checkin_due_at(T0, done) == T0 + 21 * DAY
    assert missed_checkin(T0, done, T0 + 24 * DAY - timedelta(seconds=1)) is None
    assert missed_checkin(T0, done, T0 + 24 * DAY) is not None
    # the GAD-7 skipped on day 14 (last on day 7): due day 14, missed from day 17
    done = weekly_done_at(T0 + 14 * DAY, T0 + 7 * DAY)
    assert missed_checkin(T0, done, T0 + 17 * DAY) is not None
