"""Unit tests for app.assessments (scoring and change) against docs/clinical-rules.md."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.assessments import change, scoring
from app.assessments.change import (
    ChangeSummary,
    clinically_important_improvement,
    combined_reliable_change,
    recovery,
    reliable_change,
    reliable_recovery,
    remission,
    response,
    summarise_change,
)
from app.assessments.scoring import (
    GAD7,
    INSTRUMENTS,
    PHQ9,
    ScoringInputError,
    difficulty_required,
    prorate,
    provisional_diagnosis,
    score,
    validate_answers,
    validate_difficulty,
)

DOC = Path("/work/shared/docs/clinical-rules.md")


def phq(total: int, item9: int | None = None) -> list[int]:
    """Nine answers summing to `total` with the given item 9 (items 1-8 filled in order;
    item 9 defaults to 0, or to what is left above 24)."""
    if item9 is None:
        item9 = max(0, total - 24)
    rest = total - item9
    assert 0 <= rest <= 24
    items = []
    for _ in range(8):
        v = min(3, rest)
        items.append(v)
        rest -= v
    return [*items, item9]


def gad(total: int) -> list[int]:
    rest, items = total, []
    for _ in range(7):
        v = min(3, rest)
        items.append(v)
        rest -= v
    return items


# ---------------------------------------------------------------- definitions


PHQ9_LOINC = ["44250-9", "44255-8", "44259-0", "44254-1", "44251-7", "44258-2", "44252-5",
              "44253-3", "44260-8"]
GAD7_LOINC = ["69725-0", "68509-9", "69733-4", "69734-2", "69735-9", "69689-8", "69736-7"]


def test_instruments_registry() -> None:
    assert INSTRUMENTS == {"phq9": PHQ9, "gad7": GAD7}
    assert PHQ9.n_items == 9 and PHQ9.max_total == 27
    assert GAD7.n_items == 7 and GAD7.max_total == 21


def test_loinc_codes() -> None:
    assert [i.loinc for i in PHQ9.items] == PHQ9_LOINC
    assert [i.loinc for i in GAD7.items] == GAD7_LOINC
    assert [i.number for i in PHQ9.items] == list(range(1, 10))
    assert [i.number for i in GAD7.items] == list(range(1, 8))
    assert (PHQ9.total_loinc, PHQ9.panel_loinc) == ("44261-6", "44249-1")
    assert (GAD7.total_loinc, GAD7.panel_loinc) == ("70274-6", "69737-5")
    assert PHQ9.difficulty is not None and PHQ9.difficulty.loinc == "69722-7"
    # GAD-7 ends with the same difficulty question; its LOINC code is not verified: none given
    assert GAD7.difficulty is not None and GAD7.difficulty.loinc is None
    assert GAD7.difficulty.text == PHQ9.difficulty.text
    assert [(o.label, o.value) for o in GAD7.difficulty.options] == [
        ("Not difficult at all", 0), ("Somewhat difficult", 1), ("Very difficult", 2), ("Extremely difficult", 3)]
    for inst in (PHQ9, GAD7):
        assert [(o.label, o.value, o.loinc) for o in inst.options] == [
            ("Not at all", 0, "LA6568-5"),
            ("Several days", 1, "LA6569-3"),
            ("More than half the days", 2, "LA6570-1"),
            ("Nearly every day", 3, "LA6571-9"),
        ]


def test_gad7_never_uses_wrong_public_loinc_codes() -> None:
    wrong = {"69726-8", "69727-6", "69728-4", "69729-2", "69730-0", "69731-8"}
    used = {i.loinc for i in GAD7.items} | {GAD7.total_loinc, GAD7.panel_loinc}
    assert not used & wrong


def test_verbatim_texts() -> None:
    header = ("Over the last 2 weeks, how often have you been bothered by any of the following"
              " problems?")
    assert PHQ9.header == header
    # the published GAD-7 form's own header (clinical-rules.md §2)
    assert GAD7.header == "Over the last 2 weeks, how often have you been bothered by the following problems?"
    assert PHQ9.items[0].text == "Little interest or pleasure in doing things"
    assert PHQ9.items[5].text == ("Feeling bad about yourself — or that you are a failure or"
                                  " have let yourself or your family down")
    assert PHQ9.items[7].text == (
        "Moving or speaking so slowly that other people could have noticed. Or the opposite —"
        " being so fidgety or restless that you have been moving around a lot more than usual")
    assert PHQ9.items[8].text == ("Thoughts that you would be better off dead, or of hurting"
                                  " yourself in some way")
    assert GAD7.items[1].text == "Not being able to stop or control worrying"
    assert GAD7.items[6].text == "Feeling afraid, as if something awful might happen"
    assert PHQ9.difficulty is not None
    assert PHQ9.difficulty.text == (
        "If you checked off any problems, how difficult have these problems made it for you to"
        " do your work, take care of things at home, or get along with other people?")
    assert [(o.label, o.value) for o in PHQ9.difficulty.options] == [
        ("Not difficult at all", 0), ("Somewhat difficult", 1), ("Very difficult", 2),
        ("Extremely difficult", 3)]


def _doc_rows(section: str) -> list[tuple[int, str, str]]:
    text = DOC.read_text(encoding="utf-8").split(section, 1)[1].split("\n## ", 1)[0]
    return [(int(n), t.strip(), c.strip()) for n, t, c in
            re.findall(r"^\| (\d) \| (.+?) \| ([\d-]+) \|$", text, flags=re.M)]


@pytest.mark.skipif(not DOC.exists(), reason="clinical-rules.md not available")
def test_every_item_text_and_code_equals_the_doc() -> None:
    for section, inst in (("## 1. PHQ-9", PHQ9), ("## 2. GAD-7", GAD7)):
        rows = _doc_rows(section)
        assert rows == [(i.number, i.text, i.loinc) for i in inst.items]


# ---------------------------------------------------------------- bands

@pytest.mark.parametrize("total, band", [
    (0, "minimal"), (4, "minimal"), (5, "mild"), (9, "mild"), (10, "moderate"),
    (14, "moderate"), (15, "moderately_severe"), (19, "moderately_severe"), (20, "severe"),
    (27, "severe"),
])
def test_phq9_bands(total: int, band: str) -> None:
    s = score("phq9", phq(total))
    assert (s.total, s.band, s.prorated) == (total, band, False)


@pytest.mark.parametrize("total, band", [
    (0, "minimal"), (4, "minimal"), (5, "mild"), (9, "mild"), (10, "moderate"),
    (14, "moderate"), (15, "severe"), (21, "severe"),
])
def test_gad7_bands(total: int, band: str) -> None:
    s = score("gad7", gad(total))
    assert (s.total, s.band) == (total, band)


@pytest.mark.parametrize("total, case", [(9, False), (10, True), (0, False), (27, True)])
def test_phq9_caseness(total: int, case: bool) -> None:
    s = score("phq9", phq(total))
    assert s.caseness is case and s.screen_positive is None


@pytest.mark.parametrize("total, case, screen", [
    (7, False, False), (8, True, False), (9, True, False), (10, True, True), (0, False, False),
])
def test_gad7_caseness_and_screen(total: int, case: bool, screen: bool) -> None:
    s = score("gad7", gad(total))
    assert (s.caseness, s.screen_positive) == (case, screen)
    assert s.item9 is None and s.item9_risk is None and s.provisional_diagnosis is None


def test_severity_band_rejects_out_of_range() -> None:
    with pytest.raises(ValueError):
        scoring.severity_band("phq9", 28)
    with pytest.raises(ValueError):
        scoring.severity_band("gad7", 22)
    assert scoring.severity_band("gad7", None) is None


# ---------------------------------------------------------------- item 9

@pytest.mark.parametrize("item9, risk", [(0, "none"), (1, "low"), (2, "high"), (3, "high")])
def test_item9_risk(item9: int, risk: str) -> None:
    s = score("phq9", phq(10, item9=item9))
    assert (s.item9, s.item9_risk) == (item9, risk)


def test_item9_missing_is_unknown_and_never_imputed() -> None:
    answers = [3, 3, 3, 3, 3, 3, 3, 3, None]
    s = score("phq9", answers)
    assert s.item9 is None and s.item9_risk == "unknown"
    assert s.missing == (9,) and s.prorated
    assert s.total == 27  # 24 * 9 / 8 = 27: the total is prorated, item 9 is not


def test_item9_not_imputed_when_other_items_are_prorated() -> None:
    s = score("phq9", [3, 3, None, 3, 3, None, 3, 3, 0])
    assert s.prorated and s.missing == (3, 6)
    assert s.item9 == 0 and s.item9_risk == "none"
    s = score("phq9", [3, None, 3, 3, 3, 3, 3, 3, None])
    assert s.item9 is None and s.item9_risk == "unknown"


# ---------------------------------------------------------------- proration

def test_prorate_rounds_half_up_not_to_even() -> None:
    assert prorate(4, 9, 8) == 5      # 4.5 -> 5 (round() would give 4)
    assert prorate(12, 9, 8) == 14    # 13.5 -> 14
    assert prorate(20, 9, 8) == 23    # 22.5 -> 23 (round() would give 22)
    assert prorate(13, 9, 8) == 15    # 14.625 -> 15
    assert prorate(10, 9, 8) == 11    # 11.25 -> 11
    assert prorate(7, 9, 7) == 9      # exact
    assert prorate(5, 7, 5) == 7 and prorate(15, 7, 5) == 21
    assert prorate(1, 7, 6) == 1      # 1.1667 -> 1
    assert prorate(3, 7, 6) == 4      # 3.5 -> 4
    assert prorate(5, 7, 6) == 6      # 5.8333 -> 6
    assert prorate(9, 7, 6) == 11     # 10.5 -> 11 (round() would give 10)


def test_phq9_one_missing_half_case() -> None:
    s = score("phq9", [1, 1, 1, 1, None, 0, 0, 0, 0])
    assert (s.raw_sum, s.answered, s.total, s.prorated) == (4, 8, 5, True)
    assert s.band == "mild"  # 4.5 -> 5 crosses the band boundary


def test_phq9_one_missing_14_625() -> None:
    s = score("phq9", [3, 3, 3, 2, 2, None, 0, 0, 0])
    assert (s.raw_sum, s.total, s.band) == (13, 15, "moderately_severe")


def test_phq9_two_missing() -> None:
    s = score("phq9", [None, 3, 3, 3, 3, 3, 3, None, 0])  # 18 * 9 / 7 = 23.14 -> 23
    assert (s.raw_sum, s.answered, s.total, s.missing) == (18, 7, 23, (1, 8))
    s = score("phq9", [None, None, 1, 1, 1, 1, 1, 1, 0])  # 6 * 9 / 7 = 7.71 -> 8
    assert s.total == 8


def test_gad7_missing() -> None:
    s = score("gad7", [3, 3, 3, None, None, 3, 3])  # 15 * 7 / 5 = 21
    assert (s.total, s.prorated, s.band) == (21, True, "severe")
    s = score("gad7", [3, 3, 3, None, 0, 0, 0])  # 9 * 7 / 6 = 10.5 -> 11
    assert (s.total, s.screen_positive) == (11, True)
    s = score("gad7", [1, 1, 1, 1, 1, None, 0])  # 5 * 7 / 6 = 5.83 -> 6
    assert s.total == 6


@pytest.mark.parametrize("key, answers", [
    ("phq9", [None, None, None, 3, 3, 3, 3, 3, 3]),
    ("phq9", [None] * 9),
    ("gad7", [None, 3, None, 3, None, 3, 3]),
])
def test_three_or_more_missing_has_no_score(key: str, answers: list) -> None:
    s = score(key, answers)
    assert s.total is None and s.band is None and s.caseness is None
    assert not s.valid and not s.prorated
    assert s.screen_positive is None


# ---------------------------------------------------------------- diagnosis

@pytest.mark.parametrize("answers, expected", [
    ([0] * 9, None),
    ([2, 2, 2, 2, 2, 0, 0, 0, 0], "major_depressive_syndrome"),
    ([2, 0, 2, 2, 2, 2, 0, 0, 0], "major_depressive_syndrome"),   # core 1 + other 4
    ([2, 0, 2, 2, 2, 0, 0, 0, 1], "major_depressive_syndrome"),   # item 9 = 1 is the 5th
    ([2, 0, 2, 2, 2, 0, 0, 0, 0], "other_depressive_syndrome"),   # 4 symptoms
    ([2, 0, 2, 0, 0, 0, 0, 0, 0], "other_depressive_syndrome"),   # 2 symptoms
    ([0, 2, 0, 0, 0, 0, 0, 0, 1], "other_depressive_syndrome"),   # item 9 counts at 1
    ([2, 0, 0, 0, 0, 0, 0, 0, 0], None),                          # 1 symptom only
    ([0, 0, 3, 3, 3, 3, 3, 3, 3], None),                          # no core symptom
    ([1, 1, 2, 2, 2, 2, 2, 2, 1], None),                          # core items at 1 do not count
    ([2, 1, 1, 1, 1, 1, 1, 1, 0], None),                          # others at 1 do not count
    ([3, 3, 3, 3, 3, 3, 3, 3, 3], "major_depressive_syndrome"),
])
def test_provisional_diagnosis(answers: list[int], expected: str | None) -> None:
    assert score("phq9", answers).provisional_diagnosis == expected


def test_provisional_diagnosis_with_missing_items() -> None:
    # Already 5 symptoms: missing answers cannot undo major depressive syndrome.
    assert provisional_diagnosis([2, 2, 2, 2, 2, None, None, 0, 0]) == "major_depressive_syndrome"
    # 4 symptoms + a missing item: could be ODS or MDS -> indeterminate.
    assert provisional_diagnosis([2, 2, 2, 2, None, 0, 0, 0, 0]) is None
    # No core symptom possible (both core items 0): nothing, whatever is missing.
    assert provisional_diagnosis([0, 0, 2, None, 2, 2, 2, 2, 1]) is None
    # A missing core item never counts as present.
    assert provisional_diagnosis([None, 0, 2, 2, 2, 2, 0, 0, 0]) is None


# ---------------------------------------------------------------- difficulty

def test_difficulty_required_only_above_zero() -> None:
    assert difficulty_required(score("phq9", [0] * 9)) is False
    assert difficulty_required(score("phq9", [0] * 8 + [1])) is True
    assert difficulty_required(score("phq9", [None, None, None, 0, 0, 0, 0, 0, 1])) is True
    assert difficulty_required(score("phq9", [None, None, None, 0, 0, 0, 0, 0, 0])) is False
    assert difficulty_required(score("gad7", [3] * 7)) is True  # asked for the GAD-7 too
    assert difficulty_required(score("gad7", [0] * 7)) is False


def test_difficulty_never_added_to_total() -> None:
    s = score("phq9", phq(12))
    assert validate_difficulty(3, required=difficulty_required(s)) == 3
    assert s.total == 12


@pytest.mark.parametrize("value", [0, 1, 2, 3, None])
def test_difficulty_valid(value: int | None) -> None:
    assert validate_difficulty(value) == value


@pytest.mark.parametrize("value", [4, -1, 2.0, 1.5, "2", True, False])
def test_difficulty_invalid(value: object) -> None:
    with pytest.raises(ScoringInputError) as err:
        validate_difficulty(value)
    assert err.value.item is None and str(err.value).startswith("difficulty:")


def test_difficulty_required_but_missing() -> None:
    with pytest.raises(ScoringInputError, match="difficulty: required"):
        validate_difficulty(None, required=True)


# ---------------------------------------------------------------- validation

@pytest.mark.parametrize("bad", [4, -1, 2.5, "2", True, False, 2.0, [2], {}])
@pytest.mark.parametrize("position", [1, 3, 9])
def test_invalid_answer_names_item(bad: object, position: int) -> None:
    answers: list = [0] * 9
    answers[position - 1] = bad
    with pytest.raises(ScoringInputError) as err:
        validate_answers("phq9", answers)
    assert err.value.item == position
    assert str(err.value) == f"item {position}: must be a whole number from 0 to 3, or null"
    with pytest.raises(ScoringInputError):
        score("phq9", answers)


def test_first_offending_item_is_named() -> None:
    with pytest.raises(ScoringInputError) as err:
        validate_answers("gad7", [0, 0, 5, 0, -1, 0, 0])
    assert err.value.item == 3


def test_wrong_count() -> None:
    with pytest.raises(ScoringInputError) as err:
        validate_answers("phq9", [0] * 10)
    assert err.value.item == 10 and "only 9 items" in str(err.value)
    with pytest.raises(ScoringInputError) as err:
        validate_answers("phq9", [0] * 8)
    assert err.value.item == 9 and str(err.value).startswith("item 9: answer missing")
    with pytest.raises(ScoringInputError) as err:
        validate_answers("gad7", [0] * 8)
    assert err.value.item == 8
    with pytest.raises(ScoringInputError) as err:
        validate_answers("gad7", [0] * 9)  # a PHQ-9 sent as GAD-7
    assert err.value.item == 8
    with pytest.raises(ScoringInputError):
        validate_answers("gad7", [])


@pytest.mark.parametrize("answers", ["000000000", None, 9, {"1": 0}, b"000000000"])
def test_not_a_list(answers: object) -> None:
    with pytest.raises(ScoringInputError) as err:
        validate_answers("phq9", answers)
    assert err.value.item is None


def test_unknown_instrument() -> None:
    with pytest.raises(ScoringInputError) as err:
        score("phq8", [0] * 8)
    assert err.value.item is None and "unknown instrument" in str(err.value)


def test_valid_inputs_accepted() -> None:
    validate_answers("phq9", [0, 1, 2, 3, None, 0, 1, 2, 3])
    validate_answers("gad7", (3, 3, 3, 3, 3, 3, None))
    s = score("phq9", (0, 1, 2, 3, 0, 1, 2, 3, 0))
    assert s.answers == (0, 1, 2, 3, 0, 1, 2, 3, 0) and s.total == 12 and s.missing == ()


def test_score_is_frozen() -> None:
    s = score("phq9", [0] * 9)
    with pytest.raises(AttributeError):
        s.total = 5  # type: ignore[misc]


# ---------------------------------------------------------------- change: reliable change

@pytest.mark.parametrize("b, l, expected", [
    (8, 14, "deterioration"), (8, 13, "no_reliable_change"), (14, 8, "improvement"),
    (13, 8, "no_reliable_change"), (20, 20, "no_reliable_change"), (0, 27, "deterioration"),
    (27, 0, "improvement"),
])
def test_reliable_change_phq9(b: int, l: int, expected: str) -> None:
    assert reliable_change("phq9", b, l) == expected


@pytest.mark.parametrize("b, l, expected", [
    (8, 12, "deterioration"), (8, 11, "no_reliable_change"), (12, 8, "improvement"),
    (11, 8, "no_reliable_change"), (0, 21, "deterioration"),
])
def test_reliable_change_gad7(b: int, l: int, expected: str) -> None:
    assert reliable_change("gad7", b, l) == expected


def test_reliable_change_thresholds_are_named_constants() -> None:
    assert change.RELIABLE_CHANGE == {"phq9": 6, "gad7": 4}
    assert change.PHQ9_MCID == 5


@pytest.mark.parametrize("args", [("phq9", 28, 0), ("gad7", 0, 22), ("phq9", -1, 0),
                                  ("phq9", 2.0, 0), ("phq9", True, 0), ("bdi", 1, 1)])
def test_reliable_change_rejects_bad_totals(args: tuple) -> None:
    with pytest.raises(ValueError):
        reliable_change(*args)


@pytest.mark.parametrize("p, g, expected", [
    ("improvement", "improvement", "improvement"),
    ("improvement", "no_reliable_change", "improvement"),
    ("no_reliable_change", "improvement", "improvement"),
    ("improvement", "deterioration", "deterioration"),
    ("deterioration", "improvement", "deterioration"),
    ("deterioration", "no_reliable_change", "deterioration"),
    ("no_reliable_change", "no_reliable_change", "no_reliable_change"),
    ("improvement", None, "improvement"),
    (None, "deterioration", "deterioration"),
    (None, None, "not_applicable"),
])
def test_combined_reliable_change(p: str | None, g: str | None, expected: str) -> None:
    assert combined_reliable_change(p, g) == expected


def test_combined_rejects_unknown_values() -> None:
    with pytest.raises(ValueError):
        combined_reliable_change("better", None)


# ---------------------------------------------------------------- recovery

@pytest.mark.parametrize("pb, gb, pl, gl, expected", [
    (15, 12, 9, 7, "recovered"),
    (15, 12, 10, 7, "not_recovered"),     # PHQ-9 still at caseness
    (15, 12, 9, 8, "not_recovered"),      # GAD-7 still at caseness (>= 8)
    (9, 7, 3, 2, "not_applicable"),       # not a case at baseline
    (5, 8, 5, 7, "recovered"),            # case via GAD-7 >= 8 only
    (5, 7, 5, 3, "not_applicable"),       # GAD-7 7 is not caseness
    (10, 0, 9, 0, "recovered"),           # case via PHQ-9 = 10 only
    (12, None, 4, None, "not_applicable"),  # GAD-7 unknown at latest
    (12, None, 12, None, "not_recovered"),  # decided by PHQ-9 alone
    (None, None, None, None, "not_applicable"),
    (9, None, 3, 3, "not_applicable"),    # GAD-7 baseline unknown: caseness undecidable
])
def test_recovery(pb, gb, pl, gl, expected) -> None:
    assert recovery(pb, gb, pl, gl) == expected


@pytest.mark.parametrize("pb, gb, pl, gl, expected", [
    (15, 12, 9, 7, "recovered"),          # PHQ-9 -6: reliable improvement
    (14, 9, 9, 7, "not_recovered"),       # recovered, but -5 and -2 are not reliable
    (10, 12, 9, 7, "recovered"),          # GAD-7 -5 is reliable, PHQ-9 -1 is not
    (10, 12, 9, 1, "recovered"),
    (11, 8, 4, 7, "recovered"),           # PHQ-9 -7
    (9, 7, 0, 0, "not_applicable"),
    (15, 12, 15, 3, "not_recovered"),
])
def test_reliable_recovery(pb, gb, pl, gl, expected) -> None:
    assert reliable_recovery(pb, gb, pl, gl) == expected


def test_reliable_recovery_requires_no_deterioration() -> None:
    # Below caseness on both, PHQ-9 improved reliably but GAD-7 rose 4 (0 -> 4 stays < 8).
    assert recovery(16, 0, 9, 4) == "recovered"
    assert reliable_recovery(16, 0, 9, 4) == "not_recovered"


# ---------------------------------------------------------------- response, remission

@pytest.mark.parametrize("b, l, expected", [
    (20, 10, True), (20, 11, False), (21, 10, True), (21, 11, False), (10, 5, True),
    (1, 0, True), (12, 12, False), (0, 0, None), (0, 5, None), (10, 20, False),
])
def test_response(b: int, l: int, expected: bool | None) -> None:
    assert response(b, l) is expected


@pytest.mark.parametrize("latest, expected", [(4, True), (5, False), (0, True), (27, False)])
def test_remission(latest: int, expected: bool) -> None:
    assert remission(latest) is expected


@pytest.mark.parametrize("b, l, expected", [(15, 10, True), (15, 11, False), (10, 15, False)])
def test_mcid(b: int, l: int, expected: bool) -> None:
    assert clinically_important_improvement(b, l) is expected


# ---------------------------------------------------------------- summary

def test_summarise_change_full() -> None:
    s = summarise_change([18, 14, 9], [12, 10, 6])
    assert s == ChangeSummary(
        phq9_baseline=18, phq9_latest=9, phq9_change=-9, phq9_reliable_change="improvement",
        gad7_baseline=12, gad7_latest=6, gad7_change=-6, gad7_reliable_change="improvement",
        combined_reliable_change="improvement", recovery="recovered",
        reliable_recovery="recovered", phq9_response=True, phq9_remission=False,
        phq9_mcid_improvement=True,
    )


def test_summarise_change_uses_first_as_baseline_not_best() -> None:
    s = summarise_change([10, 3, 15], [5, 5])
    assert s.phq9_baseline == 10 and s.phq9_latest == 15 and s.phq9_change == 5
    assert s.phq9_reliable_change == "no_reliable_change"
    assert s.recovery == "not_recovered" and s.reliable_recovery == "not_recovered"


def test_summarise_change_deterioration() -> None:
    s = summarise_change([8, 14], [3, 4])
    assert s.phq9_reliable_change == "deterioration"
    assert s.combined_reliable_change == "deterioration"
    assert s.recovery == "not_applicable"
    assert s.phq9_response is False and s.phq9_mcid_improvement is False


def test_summarise_change_single_scores() -> None:
    s = summarise_change([16], [9])
    assert (s.phq9_baseline, s.phq9_latest, s.phq9_change) == (16, 16, None)
    assert s.phq9_reliable_change is None and s.gad7_reliable_change is None
    assert s.combined_reliable_change == "not_applicable"
    assert s.recovery == "not_applicable" and s.reliable_recovery == "not_applicable"
    assert s.phq9_response is None and s.phq9_remission is None


def test_summarise_change_empty_and_one_instrument() -> None:
    s = summarise_change([], [])
    assert s.phq9_baseline is None and s.gad7_latest is None
    assert s.combined_reliable_change == "not_applicable" and s.recovery == "not_applicable"
    s = summarise_change([0, 0], [])
    assert s.phq9_response is None and s.phq9_remission is True
    assert s.recovery == "not_applicable"


def test_summarise_change_rejects_invalid_history() -> None:
    with pytest.raises(ValueError):
        summarise_change([10, None], [])  # type: ignore[list-item]
    with pytest.raises(ValueError):
        summarise_change([], [22])
