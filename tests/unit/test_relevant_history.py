"""rules.relevant_history: the part of a score history the monitor keeps so that a new
check-in costs the same after a year as after a week. The rules must judge a new check-in
exactly as they would against the whole history; these tests compare the two on many random
histories (seeded, so a failure repeats)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from app.assessments.change import summarise_change
from app.monitoring import rules
from app.monitoring.rules import MonitoringConfig, ScorePoint, evaluate_checkin, relevant_history
from app.monitoring.service import summarise

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def _point(rng: random.Random, at: datetime) -> ScorePoint:
    instrument = rng.choice(["phq9", "phq9", "gad7"])
    top = 27 if instrument == "phq9" else 21
    # Scores that wander, with jumps big enough for reliable change, and a few invalid ones.
    total = None if rng.random() < 0.08 else rng.randint(0, top)
    item9 = None if instrument == "gad7" or rng.random() < 0.05 else rng.choice([0, 0, 0, 1, 2, 3])
    return ScorePoint(instrument, total, item9, at)


def _history(rng: random.Random, n: int, *, ties: bool) -> list[ScorePoint]:
    at, points = T0, []
    for _ in range(n):
        if not (ties and rng.random() < 0.15):
            at += timedelta(days=rng.choice([1, 3, 7, 7, 7, 14]), minutes=rng.randint(0, 600))
        points.append(_point(rng, at))
    return points


def _config(rng: random.Random) -> MonitoringConfig:
    return MonitoringConfig(not_on_track_consecutive=rng.randint(1, 4))


def _change(points: list[ScorePoint], enrolled_at: datetime):
    valid = [p for p in points if p.total is not None and p.taken_at >= enrolled_at]
    return summarise_change([p.total for p in valid if p.instrument == "phq9"],
                            [p.total for p in valid if p.instrument == "gad7"])


@pytest.mark.parametrize("seed", range(40))
def test_a_new_check_in_is_judged_the_same_against_the_kept_part(seed):
    rng = random.Random(seed)
    for _ in range(50):
        history = _history(rng, rng.randint(0, 40), ties=True)
        enrolled_at = T0 + timedelta(days=rng.choice([0, 0, 10, 40, 400]))
        config = _config(rng)
        new = _point(rng, (history[-1].taken_at if history else T0) + timedelta(days=7))
        kept = relevant_history(history, enrolled_at, config)
        assert evaluate_checkin(new, kept, enrolled_at, config) == evaluate_checkin(new, history, enrolled_at, config)
        assert summarise([*kept, new]) == summarise([*history, new])
        assert _change([*kept, new], enrolled_at) == _change([*history, new], enrolled_at)


@pytest.mark.parametrize("seed", range(20))
def test_keeping_it_check_in_by_check_in_equals_computing_it_from_everything(seed):
    """What the monitor does: kept = relevant_history(kept + new) after each check-in."""
    rng = random.Random(1000 + seed)
    enrolled_at = T0 + timedelta(days=rng.choice([0, 20]))
    config = _config(rng)
    everything: list[ScorePoint] = []
    kept: list[ScorePoint] = []
    for new in _history(rng, 80, ties=False):
        assert evaluate_checkin(new, kept, enrolled_at, config) == evaluate_checkin(new, everything, enrolled_at, config)
        everything.append(new)
        kept = relevant_history([*kept, new], enrolled_at, config)
        assert kept == relevant_history(everything, enrolled_at, config)
        assert len(kept) <= 2 * (2 + rules.kept_last_n(config))


def test_what_is_kept():
    phq = [ScorePoint("phq9", t, 0, T0 + timedelta(days=7 * i)) for i, t in enumerate([9, 14, 3, 8, 12, 11])]
    gad = [ScorePoint("gad7", None, None, T0 + timedelta(days=7 * 6, hours=1))]
    kept = relevant_history([*phq, *gad], T0 + timedelta(days=7), rules.DEFAULT_CONFIG)
    # The last two are 12 and 11; since enrolment the first is 14 and the lowest 3; 9 (before
    # enrolment), 8 (neither) and the invalid GAD-7 are not kept.
    assert [p.total for p in kept] == [14, 3, 12, 11]
