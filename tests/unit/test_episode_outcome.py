"""episode_outcome (clinical-rules.md §5): first and last valid scores, enough data = two of
each instrument used, "not enough data" kept apart from "not applicable", label precedence."""

from __future__ import annotations

import pytest

from app.assessments.change import OUTCOME_LABELS, OUTCOME_WORDS, EpisodeOutcome, episode_outcome


def test_not_enough_data_is_not_not_applicable() -> None:
    for phq, gad in (([], []), ([12], []), ([12, 5], [9]), ([], [9]), ([12], [9, 2])):
        o = episode_outcome(phq, gad)
        assert o == EpisodeOutcome(False, None, None, None, None, None, "not_enough_data"), (phq, gad)


def test_reliable_recovery() -> None:
    o = episode_outcome([16, 12, 4], [12, 7])
    assert o == EpisodeOutcome(True, True, True, False, True, True, "reliable_recovery")


def test_recovery_without_reliable_improvement() -> None:
    # PHQ-9 11 -> 8 (fall 3), GAD-7 9 -> 7 (fall 2): below caseness on both, not reliable
    o = episode_outcome([11, 8], [9, 7])
    assert (o.recovery, o.reliable_recovery, o.reliable_improvement, o.label) == (True, False, False, "recovery")


def test_reliable_improvement_still_a_case() -> None:
    o = episode_outcome([22, 14], [15, 14])
    assert (o.reliable_improvement, o.recovery, o.label) == (True, False, "reliable_improvement")


def test_deterioration_outranks_recovery() -> None:
    # PHQ-9 recovers (12 -> 4) while GAD-7 rises reliably below caseness (2 -> 7)
    o = episode_outcome([12, 4], [2, 7])
    assert o.recovery is True and o.reliable_deterioration is True and o.reliable_improvement is False
    assert o.reliable_recovery is False and o.label == "reliable_deterioration"


def test_not_a_case_at_baseline() -> None:
    o = episode_outcome([7, 6], [5, 5])
    assert (o.at_caseness, o.recovery, o.reliable_recovery, o.label) == (False, None, None, "not_applicable")
    # a non-case can still improve or deteriorate reliably
    assert episode_outcome([9, 3], [6, 2]).label == "reliable_improvement"
    assert episode_outcome([4, 12], [3, 3]).label == "reliable_deterioration"


def test_no_reliable_change() -> None:
    o = episode_outcome([12, 12, 12], [9, 10])
    assert (o.at_caseness, o.recovery, o.label) == (True, False, "no_reliable_change")


def test_first_and_last_valid_only() -> None:
    assert episode_outcome([16, None, 2, 20, 10], []).label == "reliable_improvement"  # type: ignore[list-item]
    # one instrument used: judged on it alone
    assert episode_outcome([16, 4], []).label == "reliable_recovery"


def test_caseness_from_either_instrument() -> None:
    # PHQ-9 below caseness, GAD-7 at caseness (8): a case; both end below
    assert episode_outcome([9, 8], [8, 3]).label == "reliable_recovery"


def test_bad_totals_are_refused() -> None:
    with pytest.raises(ValueError):
        episode_outcome([28, 3], [])
    with pytest.raises(ValueError):
        episode_outcome([], [22, 3])


def test_every_label_has_words_and_a_place_in_the_precedence() -> None:
    assert set(OUTCOME_WORDS) == set(OUTCOME_LABELS)
