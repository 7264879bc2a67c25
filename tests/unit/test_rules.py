"""Unit tests for app.monitoring.rules against docs/clinical-rules.md §4."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta, timezone

import pytest

from app.assessments.scoring import score
from app.monitoring import rules
from app.monitoring.rules import (
    DEFAULT_CONFIG,
    Flag,
    MonitoringConfig,
    MoodPoint,
    ScorePoint,
    Tier,
    ack_overdue,
    checkin_due_at,
    disengaged,
    evaluate_checkin,
    evaluate_diary,
    evaluate_schedule,
    expected_band_upper,
    expected_phq9,
    item9_any,
    item9_high,
    item9_unknown,
    missed_checkin,
    mood_decline,
    mood_decline_low_run,
    mood_decline_mean,
    not_on_track,
    patient_reported_emergency,
    reliable_deterioration,
    severe_score,
    sort_flags,
    week_since,
)

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)  # enrolment
DAY = timedelta(days=1)
WEEK = timedelta(days=7)


def p(total: int | None, at: datetime = T0, item9: int | None = 0) -> ScorePoint:
    return ScorePoint("phq9", total, item9, at)


def g(total: int | None, at: datetime = T0) -> ScorePoint:
    return ScorePoint("gad7", total, None, at)


def series(*totals: int, instrument: str = "phq9") -> list[ScorePoint]:
    """One score a week from enrolment."""
    make = p if instrument == "phq9" else g
    return [make(t, T0 + i * WEEK) for i, t in enumerate(totals)]


# ---------------------------------------------------------------- tiers, config, types

def test_tier_order() -> None:
    assert Tier.EMERGENCY > Tier.URGENT > Tier.ROUTINE
    assert Tier.ROUTINE < Tier.URGENT <= Tier.URGENT < Tier.EMERGENCY
    assert max([Tier.URGENT, Tier.EMERGENCY, Tier.ROUTINE]) is Tier.EMERGENCY
    assert sorted(["urgent", Tier.EMERGENCY, Tier.ROUTINE]) == ["routine", "urgent", "emergency"]
    assert Tier.URGENT == "urgent" and Tier("emergency") is Tier.EMERGENCY
    assert Tier.ROUTINE < "urgent"  # comparison with the API string uses severity


def test_config_defaults_are_the_doc() -> None:
    c = DEFAULT_CONFIG
    assert (c.item9_high_min, c.item9_any_min, c.severe_phq9_min) == (2, 1, 20)
    assert (c.phq9_reliable_change, c.gad7_reliable_change) == (6, 4)
    assert c.deterioration_urgent_phq9_min == 15
    assert (c.curve_floor, c.curve_fraction, c.curve_horizon_weeks, c.curve_band_width) == (
        4, 0.5, 7, 5)
    assert (c.not_on_track_min_baseline, c.not_on_track_consecutive) == (10, 2)
    assert (c.mood_recent_days, c.mood_prior_days, c.mood_drop, c.mood_min_entries) == (
        7, 28, 3, 4)
    assert (c.mood_low_max, c.mood_low_consecutive) == (1, 3)
    assert (c.disengaged_days, c.checkin_interval_days, c.checkin_overdue_days) == (14, 7, 3)
    assert c.ack_deadline(Tier.EMERGENCY) == timedelta(hours=1)
    assert c.ack_deadline("urgent") == timedelta(hours=24)
    assert c.ack_deadline(Tier.ROUTINE) is None


def test_config_is_frozen_and_validated() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        DEFAULT_CONFIG.disengaged_days = 7  # type: ignore[misc]
    with pytest.raises(ValueError):
        MonitoringConfig(curve_horizon_weeks=0)
    with pytest.raises(ValueError):
        MonitoringConfig(mood_min_entries=0)


def test_flag_is_frozen() -> None:
    f = Flag("x", Tier.ROUTINE, 1, "d")
    with pytest.raises(dataclasses.FrozenInstanceError):
        f.tier = Tier.URGENT  # type: ignore[misc]


@pytest.mark.parametrize("kwargs", [
    dict(instrument="phq8", total=1, item9=None),
    dict(instrument="phq9", total=28, item9=None),
    dict(instrument="gad7", total=22, item9=None),
    dict(instrument="gad7", total=5, item9=1),
    dict(instrument="phq9", total=5, item9=4),
    dict(instrument="phq9", total=5.0, item9=0),
    dict(instrument="phq9", total=True, item9=0),
])
def test_score_point_validation(kwargs: dict) -> None:
    with pytest.raises(ValueError):
        ScorePoint(taken_at=T0, **kwargs)


def test_naive_datetimes_rejected() -> None:
    naive = datetime(2025, 3, 3, 9, 0)
    with pytest.raises(ValueError):
        ScorePoint("phq9", 5, 0, naive)
    with pytest.raises(ValueError):
        MoodPoint(5, naive)
    with pytest.raises(ValueError):
        disengaged(T0, None, naive)
    with pytest.raises(ValueError):
        missed_checkin(naive, None, T0)
    with pytest.raises(ValueError):
        MoodPoint(True, T0)  # type: ignore[arg-type]


def test_score_point_from_score() -> None:
    s = score("phq9", [3, 3, 3, 3, 3, 3, 3, 3, None])
    point = ScorePoint.from_score(s, T0)
    assert point == ScorePoint("phq9", 27, None, T0)


def test_week_since() -> None:
    assert week_since(T0, T0) == 0
    assert week_since(T0, T0 + 7 * DAY - timedelta(seconds=1)) == 0
    assert week_since(T0, T0 + 7 * DAY) == 1
    assert week_since(T0, T0 + 13 * DAY + timedelta(hours=23)) == 1
    assert week_since(T0, T0 + 14 * DAY) == 2
    # timezone of the check-in does not matter, only the instant
    assert week_since(T0, (T0 + 14 * DAY).astimezone(timezone(timedelta(hours=-8)))) == 2


# ---------------------------------------------------------------- item 9 and severe score

@pytest.mark.parametrize("item9, high, any_", [(0, False, False), (1, False, True),
                                                (2, True, False), (3, True, False)])
def test_item9_rules(item9: int, high: bool, any_: bool) -> None:
    point = p(10, item9=item9)
    fh, fa = item9_high(point), item9_any(point)
    assert (fh is not None, fa is not None) == (high, any_)
    for f, name in ((fh, "item9_high"), (fa, "item9_any")):
        if f is not None:
            assert f == Flag(name, Tier.URGENT, item9, f"item9={item9}")
    assert item9_unknown(point) is None


def test_item9_unknown() -> None:
    assert item9_unknown(p(10, item9=None)) == Flag("item9_unknown", Tier.ROUTINE, None,
                                                    "item9=missing")
    assert item9_high(p(10, item9=None)) is None and item9_any(p(10, item9=None)) is None
    assert item9_unknown(g(10)) is None  # GAD-7 has no item 9


def test_safety_plan_and_crisis_resource_rule_sets() -> None:
    assert rules.SAFETY_PLAN_RULES == {"item9_any"}
    assert rules.CRISIS_RESOURCES_RULES == {"severe_score"}


@pytest.mark.parametrize("total, fires", [(19, False), (20, True), (27, True), (None, False)])
def test_severe_score(total: int | None, fires: bool) -> None:
    f = severe_score(p(total))
    assert (f is not None) == fires
    if f:
        assert (f.rule, f.tier, f.value) == ("severe_score", Tier.ROUTINE, total)


@pytest.mark.parametrize("total, fires", [(14, False), (15, True), (21, True), (None, False)])
def test_severe_score_gad7_at_15(total: int | None, fires: bool) -> None:
    """clinical-rules.md §4: severe_score is PHQ-9 >= 20, or GAD-7 >= 15."""
    f = severe_score(g(total))
    assert (f is not None) == fires
    if f:
        assert (f.rule, f.tier, f.value, f.detail) == ("severe_score", Tier.ROUTINE, total, "gad7>=15")


# ---------------------------------------------------------------- reliable deterioration

def rd(*totals: int, instrument: str = "phq9") -> Flag | None:
    pts = series(*totals, instrument=instrument)
    return reliable_deterioration(pts[-1], pts[:-1])


def test_rd_vs_baseline_threshold() -> None:
    assert rd(8, 14) == Flag("reliable_deterioration", Tier.ROUTINE, 14,
                             "phq9:+6:vs_baseline=8")
    assert rd(8, 13) is None
    assert rd(8, 2) is None


def test_rd_vs_best_so_far() -> None:
    f = rd(20, 8, 14)
    assert f == Flag("reliable_deterioration", Tier.ROUTINE, 14, "phq9:+6:vs_best=8")
    assert rd(20, 8, 13) is None
    assert rd(12, 5, 9, 11) == Flag("reliable_deterioration", Tier.ROUTINE, 11,
                                    "phq9:+6:vs_best=5")


def test_rd_baseline_reported_when_both_fire() -> None:
    f = rd(8, 6, 16)
    assert f is not None and f.detail == "phq9:+8:vs_baseline=8" and f.tier == Tier.URGENT


@pytest.mark.parametrize("totals, tier", [
    ((8, 14), Tier.ROUTINE),     # 14 < 15
    ((9, 15), Tier.URGENT),      # crosses into >= 15
    ((10, 16), Tier.URGENT),
    ((16, 22), Tier.URGENT),     # [design] already >= 15 and worse: still urgent
    ((20, 9, 15), Tier.URGENT),  # vs best
])
def test_rd_urgent_when_phq9_reaches_15(totals: tuple[int, ...], tier: Tier) -> None:
    f = rd(*totals)
    assert f is not None and f.tier == tier


def test_rd_gad7() -> None:
    assert rd(5, 9, instrument="gad7") == Flag("reliable_deterioration", Tier.ROUTINE, 9,
                                               "gad7:+4:vs_baseline=5")
    assert rd(5, 8, instrument="gad7") is None
    assert rd(12, 4, 8, instrument="gad7") is not None
    f = rd(12, 19, instrument="gad7")  # GAD-7 deterioration is never urgent
    assert f is not None and f.tier == Tier.ROUTINE


def test_rd_needs_a_prior_score_of_the_same_instrument() -> None:
    assert reliable_deterioration(p(20), []) is None
    assert reliable_deterioration(g(15, T0 + WEEK), [p(2, T0)]) is None
    assert reliable_deterioration(p(20, T0 + WEEK), [g(2, T0)]) is None


def test_rd_ignores_invalid_and_later_scores() -> None:
    latest = p(14, T0 + 2 * WEEK)
    assert reliable_deterioration(latest, [p(None, T0), p(10, T0 + WEEK)]) is None
    assert reliable_deterioration(latest, [p(8, T0 + 3 * WEEK)]) is None
    assert reliable_deterioration(p(None, T0 + WEEK), [p(0, T0)]) is None


def test_rd_history_order_does_not_matter() -> None:
    pts = series(20, 8, 14)
    f = reliable_deterioration(pts[2], [pts[1], pts[0]])
    assert f is not None and f.detail == "phq9:+6:vs_best=8"


def test_rd_config_override() -> None:
    cfg = MonitoringConfig(phq9_reliable_change=5)
    pts = series(8, 13)
    assert reliable_deterioration(pts[1], pts[:1], cfg) is not None


# ---------------------------------------------------------------- not on track

@pytest.mark.parametrize("week, expected", [
    (0, 20.0), (1, 17.333333333), (2, 15.773433331), (3, 14.666666667), (4, 13.808191747),
    (5, 13.106766665), (6, 12.513720208), (7, 12.0), (8, 12.0), (52, 12.0),
])
def test_expected_curve_baseline_20(week: int, expected: float) -> None:
    # expected(w) = 20 - 16 * 0.5 * ln(1 + w) / ln 8 = 20 - 8 * log8(1 + w)
    assert expected_phq9(20, week) == pytest.approx(expected, abs=1e-8)
    assert expected_band_upper(20, week) == pytest.approx(expected + 5, abs=1e-8)


@pytest.mark.parametrize("week, expected", [(0, 10.0), (1, 9.0), (3, 8.0), (7, 7.0)])
def test_expected_curve_baseline_10_exact(week: int, expected: float) -> None:
    # 10 - 3 * log8(1 + w): exact at w = 1, 3, 7
    assert expected_phq9(10, week) == expected
    assert expected_band_upper(10, week) == expected + 5


def test_expected_curve_rejects_negative_week() -> None:
    with pytest.raises(ValueError):
        expected_phq9(20, -1)


def not_on_track_at(baseline: int, *checkins: tuple[int, int]) -> Flag | None:
    """checkins: (week, total); each taken at the start of that week."""
    pts = [p(baseline, T0)] + [p(t, T0 + w * WEEK) for w, t in checkins]
    return not_on_track(pts, T0)


def test_not_on_track_two_consecutive_above_band() -> None:
    # baseline 20: upper edge week 1 = 22.33, week 2 = 20.77
    f = not_on_track_at(20, (1, 23), (2, 21))
    assert f == Flag("not_on_track", Tier.ROUTINE, 21, "week=2:upper=20.77")
    assert not_on_track_at(20, (1, 23), (2, 20)) is None
    assert not_on_track_at(20, (1, 22), (2, 21)) is None
    assert not_on_track_at(20, (1, 23)) is None  # only one check-in


def test_not_on_track_exact_band_edge_is_not_above() -> None:
    # baseline 10: upper edge week 1 = 14, week 3 = 13, week 7+ = 12 (exact)
    assert not_on_track_at(10, (1, 14), (3, 14)) is None
    assert not_on_track_at(10, (1, 15), (3, 13)) is None
    assert not_on_track_at(10, (1, 15), (3, 14)) is not None
    assert not_on_track_at(10, (7, 12), (8, 13)) is None
    assert not_on_track_at(10, (7, 13), (8, 13)) is not None


def test_not_on_track_after_week_7_uses_expected_7() -> None:
    # baseline 20: expected(7) = 12, upper 17, also at weeks 8 and 10
    assert not_on_track_at(20, (8, 18), (10, 18)) is not None
    assert not_on_track_at(20, (8, 17), (10, 18)) is None
    assert not_on_track_at(20, (20, 18), (30, 17)) is None


def test_not_on_track_only_latest_two_count() -> None:
    assert not_on_track_at(20, (1, 23), (2, 21), (3, 15)) is None
    assert not_on_track_at(20, (1, 23), (2, 15), (3, 20)) is None
    assert not_on_track_at(20, (1, 15), (2, 21), (3, 20)) is not None  # week 3 upper 19.67


def test_not_on_track_only_for_baseline_caseness() -> None:
    assert not_on_track_at(9, (1, 27), (2, 27)) is None
    assert not_on_track_at(10, (1, 27), (2, 27)) is not None


def test_not_on_track_baseline_is_first_after_enrolment() -> None:
    before = p(5, T0 - DAY)
    pts = [before, p(20, T0), p(23, T0 + WEEK), p(21, T0 + 2 * WEEK)]
    assert not_on_track(pts, T0) is not None
    # invalid totals and GAD-7 points are ignored
    pts = [p(None, T0), p(20, T0 + DAY), g(21, T0 + 2 * DAY), p(23, T0 + WEEK),
           p(None, T0 + 10 * DAY), p(21, T0 + 2 * WEEK)]
    assert not_on_track(pts, T0) is not None


def test_not_on_track_week_is_floor_of_days() -> None:
    # baseline 20, check-ins at day 13 (week 1, upper 22.33) and day 14 (week 2, upper 20.77)
    pts = [p(20, T0), p(22, T0 + 13 * DAY), p(21, T0 + 14 * DAY)]
    assert not_on_track(pts, T0) is None  # 22 is not above 22.33
    pts = [p(20, T0), p(23, T0 + 13 * DAY + timedelta(hours=23)), p(21, T0 + 14 * DAY)]
    assert not_on_track(pts, T0) is not None


# ---------------------------------------------------------------- mood decline

NOW = datetime(2025, 6, 1, 20, 0, tzinfo=UTC)


def moods(recent: list[int], prior: list[int]) -> list[MoodPoint]:
    """recent entries in the last 7 days, prior entries in the 28 days before."""
    return ([MoodPoint(m, NOW - 8 * DAY - i * DAY) for i, m in enumerate(prior)]
            + [MoodPoint(m, NOW - i * DAY) for i, m in reversed(list(enumerate(recent)))])


def test_mood_mean_drop_exactly_3_fires() -> None:
    f = mood_decline_mean(moods([4, 4, 4, 4], [7, 7, 7, 7]), NOW)
    assert f == Flag("mood_decline", Tier.ROUTINE, 3.0, "mean_drop")
    assert mood_decline_mean(moods([3, 4, 3, 4], [6, 7, 6, 7]), NOW) is not None  # 6.5-3.5


def test_mood_mean_drop_below_3_does_not_fire() -> None:
    assert mood_decline_mean(moods([4, 4, 4, 5], [7, 7, 7, 7]), NOW) is None  # 2.75
    assert mood_decline_mean(moods([5, 5, 5, 5], [7, 7, 7, 8]), NOW) is None  # 2.25


def test_mood_mean_needs_4_entries_in_each_window() -> None:
    assert mood_decline_mean(moods([1, 1, 1], [9, 9, 9, 9]), NOW) is None
    assert mood_decline_mean(moods([1, 1, 1, 1], [9, 9, 9]), NOW) is None
    assert mood_decline_mean(moods([1, 1, 1, 1], [9, 9, 9, 9]), NOW) is not None


def test_mood_window_boundaries() -> None:
    recent = [MoodPoint(2, NOW - i * DAY) for i in range(4)]
    prior_in = [MoodPoint(8, NOW - 7 * DAY)] + [MoodPoint(8, NOW - d * DAY) for d in (10, 20)]
    # exactly 7 days ago belongs to the prior window: 3 + that one = 4 entries
    assert mood_decline_mean([*recent, *prior_in, MoodPoint(8, NOW - 35 * DAY + 1 * timedelta(
        seconds=1))], NOW) is not None
    # exactly 35 days ago is outside the prior window
    assert mood_decline_mean([*recent, *prior_in, MoodPoint(8, NOW - 35 * DAY)], NOW) is None
    # entries after now are ignored
    future = [MoodPoint(2, NOW + DAY)]
    assert mood_decline_mean([*recent[:3], *future, *prior_in, MoodPoint(8, NOW - 30 * DAY)],
                             NOW) is None


def test_mood_low_run() -> None:
    def run(*ms: int) -> list[MoodPoint]:
        return [MoodPoint(m, NOW - (len(ms) - 1 - i) * DAY) for i, m in enumerate(ms)]

    assert mood_decline_low_run(run(5, 1, 1, 1), NOW) == Flag("mood_decline", Tier.ROUTINE, 1,
                                                              "consecutive_low")
    assert mood_decline_low_run(run(0, 1, 0), NOW) is not None
    assert mood_decline_low_run(run(1, 1, 2), NOW) is None
    assert mood_decline_low_run(run(1, 1, 1, 2), NOW) is None  # not the latest three
    assert mood_decline_low_run(run(1, 1), NOW) is None
    assert mood_decline_low_run(list(reversed(run(5, 1, 1, 1))), NOW) is not None  # order-free


def test_mood_decline_combines_variants() -> None:
    f = mood_decline(moods([1, 1, 1, 1], [9, 9, 9, 9]), NOW)
    assert f is not None and f.detail == "mean_drop"
    f = mood_decline([MoodPoint(1, NOW - i * DAY) for i in range(3)], NOW)
    assert f is not None and f.detail == "consecutive_low"
    assert mood_decline(moods([5, 5, 5, 5], [6, 6, 6, 6]), NOW) is None


# ---------------------------------------------------------------- disengaged, missed check-in

def test_disengaged_13_vs_14_days() -> None:
    last = T0 + 2 * DAY
    assert disengaged(T0, last, last + 14 * DAY - timedelta(seconds=1)) is None
    assert disengaged(T0, last, last + 13 * DAY) is None
    assert disengaged(T0, last, last + 14 * DAY) == Flag("disengaged", Tier.ROUTINE, 14,
                                                         "days_inactive")


def test_disengaged_without_activity_counts_from_enrolment() -> None:
    assert disengaged(T0, None, T0 + 13 * DAY) is None
    assert disengaged(T0, None, T0 + 14 * DAY) is not None
    assert disengaged(T0, T0 - 30 * DAY, T0 + 13 * DAY) is None  # pre-enrolment activity


def test_disengaged_only_when_enrolled() -> None:
    assert disengaged(None, None, T0 + 100 * DAY) is None


def test_missed_checkin_at_exactly_10_days() -> None:
    last = T0 + 3 * DAY
    assert missed_checkin(T0, last, last + 10 * DAY - timedelta(seconds=1)) is None
    assert missed_checkin(T0, last, last + 10 * DAY) == Flag("missed_checkin", Tier.ROUTINE,
                                                             3, "days_overdue")
    assert missed_checkin(T0, last, last + 12 * DAY).value == 5  # type: ignore[union-attr]
    assert checkin_due_at(T0, last) == last + WEEK


def test_missed_checkin_without_phq9_is_due_at_enrolment() -> None:
    assert checkin_due_at(T0, None) == T0
    assert missed_checkin(T0, None, T0 + 3 * DAY - timedelta(seconds=1)) is None
    assert missed_checkin(T0, None, T0 + 3 * DAY) == Flag("missed_checkin", Tier.ROUTINE, 3,
                                                          "no_checkin_since_enrolment")
    # a PHQ-9 from before enrolment does not count
    assert checkin_due_at(T0, T0 - DAY) == T0
    assert missed_checkin(T0, T0 - DAY, T0 + 3 * DAY) is not None
    cfg = MonitoringConfig(first_checkin_due_days=7)
    assert missed_checkin(T0, None, T0 + 9 * DAY, cfg) is None
    assert missed_checkin(T0, None, T0 + 10 * DAY, cfg) is not None


def test_missed_checkin_only_when_enrolled() -> None:
    assert missed_checkin(None, None, T0) is None


# ---------------------------------------------------------------- emergency, acknowledgement

@pytest.mark.parametrize("source", ["checkin", "diary"])
def test_patient_reported_emergency(source: str) -> None:
    assert patient_reported_emergency(source) == Flag("patient_reported_emergency",
                                                      Tier.EMERGENCY, source, "patient_not_safe")


def test_patient_reported_emergency_rejects_unknown_source() -> None:
    with pytest.raises(ValueError):
        patient_reported_emergency("email")


def test_ack_overdue() -> None:
    assert not ack_overdue(Tier.EMERGENCY, T0, None, T0 + timedelta(minutes=59))
    assert ack_overdue(Tier.EMERGENCY, T0, None, T0 + timedelta(hours=1))
    assert not ack_overdue(Tier.URGENT, T0, None, T0 + timedelta(hours=23, minutes=59))
    assert ack_overdue("urgent", T0, None, T0 + timedelta(hours=24))
    assert not ack_overdue(Tier.EMERGENCY, T0, T0 + DAY, T0 + 2 * DAY)  # acknowledged
    assert not ack_overdue(Tier.ROUTINE, T0, None, T0 + 365 * DAY)


# ---------------------------------------------------------------- evaluators

def test_sort_flags_highest_tier_first() -> None:
    a = Flag("a", Tier.ROUTINE, 1, "")
    b = Flag("b", Tier.EMERGENCY, 1, "")
    c = Flag("c", Tier.URGENT, 1, "")
    d = Flag("d", Tier.ROUTINE, 2, "")
    assert sort_flags([a, None, b, c, d]) == [b, c, a, d]


def test_evaluate_checkin_all_phq9_rules() -> None:
    history = [p(10, T0), p(22, T0 + WEEK)]
    point = ScorePoint("phq9", 23, 2, T0 + 2 * WEEK)
    flags = evaluate_checkin(point, history, T0)
    assert [f.rule for f in flags] == ["item9_high", "reliable_deterioration", "severe_score",
                                       "not_on_track"]
    assert [f.tier for f in flags] == [Tier.URGENT, Tier.URGENT, Tier.ROUTINE, Tier.ROUTINE]


def test_evaluate_checkin_quiet_when_well() -> None:
    assert evaluate_checkin(p(3, T0 + WEEK), [p(4, T0)], T0) == []
    assert evaluate_checkin(g(3, T0 + WEEK), [g(4, T0)], T0) == []


def test_evaluate_checkin_item9_missing() -> None:
    flags = evaluate_checkin(p(5, T0 + WEEK, item9=None), [p(5, T0)], T0)
    assert [f.rule for f in flags] == ["item9_unknown"]


def test_evaluate_checkin_ignores_pre_enrolment_history() -> None:
    # a pre-enrolment PHQ-9 of 2 is not the baseline: no deterioration to 9
    assert evaluate_checkin(p(9, T0 + WEEK), [p(2, T0 - DAY), p(8, T0)], T0) == []
    flags = evaluate_checkin(p(9, T0 + WEEK), [p(2, T0)], T0)
    assert [f.rule for f in flags] == ["reliable_deterioration"]


def test_evaluate_checkin_gad7() -> None:
    flags = evaluate_checkin(g(12, T0 + WEEK), [g(8, T0), p(27, T0)], T0)
    assert flags == [Flag("reliable_deterioration", Tier.ROUTINE, 12, "gad7:+4:vs_baseline=8")]


def test_evaluate_diary() -> None:
    ms = moods([1, 1, 1, 1], [9, 9, 9, 9])
    flags = evaluate_diary(ms, NOW, not_safe=True)
    assert [(f.rule, f.tier) for f in flags] == [("patient_reported_emergency", Tier.EMERGENCY),
                                                 ("mood_decline", Tier.ROUTINE)]
    assert evaluate_diary(moods([5], [5]), NOW) == []
    assert [f.rule for f in evaluate_diary([], NOW, not_safe=True)] == [
        "patient_reported_emergency"]


def test_evaluate_schedule() -> None:
    now = T0 + 20 * DAY
    flags = evaluate_schedule(T0, T0 + 5 * DAY, T0 + 5 * DAY, now)
    assert [f.rule for f in flags] == ["disengaged", "missed_checkin"]
    assert evaluate_schedule(T0, now - DAY, now - DAY, now) == []
    assert evaluate_schedule(None, None, None, now) == []
    cfg = MonitoringConfig(disengaged_days=30)
    assert [f.rule for f in evaluate_schedule(T0, T0 + 5 * DAY, T0 + 5 * DAY, now, cfg)] == [
        "missed_checkin"]
