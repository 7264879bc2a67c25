"""Service outcome rates on a hand-worked caseload (clinical-rules.md §3 and §5).

  ep  month    PHQ-9    GAD-7    case at start  reliable change        recovered   modules  check-ins
  A   2026-01  15 -> 5  10 -> 3  yes            improvement (both)     yes (rel.)  7        2
  B   2026-01  12 -> 9   9 -> 7  yes            none (-3, -2)          yes         5        2
  C   2026-01   6 -> 14  5 -> 9  no             deterioration (PHQ +8) n/a         2        2
  D   2026-02  20 -> 12 15 -> 10 yes            improvement (-8, -5)   no (12)     4        2
  E   2026-02  14       10       (one score each: not enough data)                 0        1
  F   2026-02   4 -> 3   3 -> 2  no             none                   n/a         1        2

All: 6 episodes, 5 finished, 1 not enough data; 3 at caseness, 2 recovered (2/3), 1 reliably
recovered (1/3); reliable improvement A, D (2/5); reliable deterioration C (1/5); median
modules of 0,1,2,4,5,7 = 3; median check-ins 2, 11 in all.
January: 3 finished, recovery 2/2, improvement 1/3, deterioration 1/3, median modules 5.
February: 2 finished of 3, recovery 0/1, improvement 1/2, deterioration 0/2, median modules 1.
"""

from __future__ import annotations

import pytest

from app.assessments.change import episode_outcome
from app.outcomes.rates import EpisodeRecord, service_rates

CASELOAD = [
    ("A", "2026-01", [15, 5], [10, 3], 7),
    ("B", "2026-01", [12, 9], [9, 7], 5),
    ("C", "2026-01", [6, 14], [5, 9], 2),
    ("D", "2026-02", [20, 12], [15, 10], 4),
    ("E", "2026-02", [14], [10], 0),
    ("F", "2026-02", [4, 3], [3, 2], 1),
]
LABELS = {"A": "reliable_recovery", "B": "recovery", "C": "reliable_deterioration",
          "D": "reliable_improvement", "E": "not_enough_data", "F": "not_applicable"}


def _episodes() -> list[EpisodeRecord]:
    return [EpisodeRecord(month, episode_outcome(phq, gad), modules, max(len(phq), len(gad)))
            for _, month, phq, gad, modules in CASELOAD]


def test_each_episode_label() -> None:
    assert {name: episode_outcome(phq, gad).label for name, _, phq, gad, _ in CASELOAD} == LABELS


def test_overall_rates() -> None:
    o = service_rates(_episodes()).overall
    assert (o.episodes, o.finished, o.not_enough_data, o.at_caseness) == (6, 5, 1, 3)
    assert (o.recovered, o.reliably_recovered, o.reliably_improved, o.reliably_deteriorated) == (2, 1, 2, 1)
    assert o.recovery_rate == pytest.approx(2 / 3, abs=1e-4)
    assert o.reliable_recovery_rate == pytest.approx(1 / 3, abs=1e-4)
    assert o.reliable_improvement_rate == 0.4
    assert o.reliable_deterioration_rate == 0.2
    assert (o.median_modules_completed, o.median_checkins, o.checkins) == (3.0, 2.0, 11)


def test_rates_by_month() -> None:
    jan, feb = service_rates(_episodes()).by_month
    assert (jan.period, jan.finished, jan.recovery_rate, jan.median_modules_completed) == ("2026-01", 3, 1.0, 5.0)
    assert jan.reliable_improvement_rate == pytest.approx(1 / 3, abs=1e-4)
    assert jan.reliable_deterioration_rate == pytest.approx(1 / 3, abs=1e-4)
    assert (feb.period, feb.episodes, feb.finished, feb.not_enough_data) == ("2026-02", 3, 2, 1)
    assert (feb.recovery_rate, feb.reliable_improvement_rate, feb.reliable_deterioration_rate) == (0.0, 0.5, 0.0)
    assert feb.median_modules_completed == 1.0


def test_nothing_to_divide_by_is_none_not_zero() -> None:
    r = service_rates([EpisodeRecord("2026-03", episode_outcome([12], []), 0, 1)]).overall
    assert (r.finished, r.not_enough_data) == (0, 1)
    assert r.recovery_rate is None and r.reliable_improvement_rate is None and r.reliable_deterioration_rate is None
    assert service_rates([]).overall.median_modules_completed is None


@pytest.mark.parametrize(("phq", "gad", "expected"), [
    ([], [], ("not_enough_data", False, None, None)),
    # PHQ-9 only: enough data; recovery is judged on every measure used (here PHQ-9 alone)
    ([12, 4], [], ("reliable_recovery", True, True, True)),
    ([12, 4], [9], ("not_enough_data", False, None, None)),        # a used instrument with one score
    ([10, 4], [7, 12], ("reliable_deterioration", True, False, False)),  # GAD-7 +5 outweighs PHQ-9 -6
    ([9, 9], [7, 7], ("not_applicable", True, None, None)),        # not a case at baseline
    ([16, 11], [13, 12], ("no_reliable_change", True, False, False)),  # -5, -1: not reliable; still a case
])
def test_episode_outcome_edges(phq, gad, expected) -> None:  # type: ignore[no-untyped-def]
    o = episode_outcome(phq, gad)
    label, enough, recovered, reliably = expected
    assert (o.label, o.enough_data, o.recovery, o.reliable_recovery) == (label, enough, recovered, reliably)
