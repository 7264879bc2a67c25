"""Answers checked against the exercise's field definitions (pure functions)."""

from __future__ import annotations

import pytest

from app.config import ROOT
from app.homework import forms
from app.programme import content

P = content.load(ROOT / "modules_content")
TRS = P.exercise("thought-record-starter")[1]      # long_text, rows(text, rating_100)
HOPES = P.exercise("my-hopes")[1]                  # long_text, text(300), choice
LOG = P.exercise("activity-mood-log")[1]           # rows(datetime, text, rating_10, text), 1..21
STEPS = P.exercise("graded-steps")[1]              # rows with a date column
PLAN = P.exercise("relapse-prevention-plan")[1]    # date field

GOOD = {"situation": "Bus", "thoughts": "Fed up with me", "emotions": [{"emotion": "Sad", "intensity": 40}]}


def problems(ex, raw, draft=False):  # type: ignore[no-untyped-def]
    return [(p.loc, p.type) for p in forms.validate(ex, raw, draft=draft)[1]]


def test_good_answers_are_cleaned():
    clean, probs = forms.validate(TRS, {**GOOD, "body": "  tight chest \r\nand hot  ", "actions": ""}, draft=False)
    assert probs == []
    assert clean == {**GOOD, "body": "tight chest \nand hot"}  # blank answers are left out


@pytest.mark.parametrize(("raw", "loc", "kind"), [
    ({**GOOD, "situation": "x" * 1001}, ("situation",), "string_too_long"),
    ({**GOOD, "emotions": [{"emotion": "Sad", "intensity": 101}]}, ("emotions", 0, "intensity"), "less_than_equal"),
    ({**GOOD, "emotions": [{"emotion": "Sad", "intensity": -1}]}, ("emotions", 0, "intensity"), "greater_than_equal"),
    ({**GOOD, "emotions": [{"emotion": "Sad", "intensity": "lots"}]}, ("emotions", 0, "intensity"), "int_parsing"),
    ({**GOOD, "emotions": [{"emotion": "Sad", "intensity": True}]}, ("emotions", 0, "intensity"), "int_parsing"),
    ({**GOOD, "emotions": [{"emotion": "Sad", "intensity": 4.5}]}, ("emotions", 0, "intensity"), "int_parsing"),
    ({**GOOD, "emotions": [{"emotion": "Sad"}]}, ("emotions", 0, "intensity"), "missing"),
    ({**GOOD, "emotions": [{"emotion": "Sad", "intensity": 5, "colour": "blue"}]}, ("emotions", 0, "colour"), "extra_forbidden"),
    ({**GOOD, "emotions": [{"emotion": "Sad", "intensity": 5}] * 6}, ("emotions",), "too_long"),
    ({**GOOD, "emotions": []}, ("emotions",), "too_short"),
    ({**GOOD, "emotions": "sad"}, ("emotions",), "list_type"),
    ({**GOOD, "emotions": ["sad"]}, ("emotions", 0), "dict_type"),
    ({**GOOD, "mood": 3}, ("mood",), "extra_forbidden"),
    ({"thoughts": "x", "emotions": GOOD["emotions"]}, ("situation",), "missing"),
    ({**GOOD, "situation": "   "}, ("situation",), "missing"),
    ({**GOOD, "situation": 12}, ("situation",), "string_type"),
])
def test_each_rule_names_the_field(raw, loc, kind):
    assert (loc, kind) in problems(TRS, raw)


def test_choice_text_and_dates():
    assert problems(HOPES, {"what_different": "x", "main_area": "Sleep"}) == []
    assert problems(HOPES, {"what_different": "x", "main_area": "sleep"}) == [(("main_area",), "literal_error")]
    assert problems(HOPES, {"what_different": "x", "small_sign": "y" * 301}) == [(("small_sign",), "string_too_long")]
    row = {"when": "2026-03-09T18:30", "activity": "Walk", "mood": "7"}
    clean, probs = forms.validate(LOG, {"entries": [row]}, draft=False)
    assert probs == [] and clean["entries"] == [{"when": "2026-03-09T18:30", "activity": "Walk", "mood": 7}]
    assert problems(LOG, {"entries": [{**row, "mood": 11}]}) == [(("entries", 0, "mood"), "less_than_equal")]
    assert problems(LOG, {"entries": [{**row, "when": "yesterday"}]}) == [(("entries", 0, "when"), "datetime_parsing")]
    assert problems(PLAN, {"what_helped": "x", "warning_signs": [{"sign": "s"}], "check_in_date": "2026-02-30"}) == [
        (("check_in_date",), "date_parsing")]
    clean, _ = forms.validate(PLAN, {"what_helped": "x", "warning_signs": [{"sign": "s"}], "check_in_date": "2026-04-01"},
                              draft=False)
    assert clean["check_in_date"] == "2026-04-01"


def test_drafts_may_be_incomplete_but_not_wrong():
    assert problems(TRS, {}, draft=True) == []
    assert problems(TRS, {"emotions": [{"emotion": "Sad"}]}, draft=True) == []
    assert problems(TRS, {"situation": "x" * 1001}, draft=True) == [(("situation",), "string_too_long")]
    assert problems(TRS, {"nope": 1}, draft=True) == [(("nope",), "extra_forbidden")]


def test_blank_rows_are_skipped_keeping_their_positions():
    raw = {**GOOD, "emotions": [{"emotion": "", "intensity": ""}, {"emotion": "Sad", "intensity": "200"}]}
    assert problems(TRS, raw) == [(("emotions", 1, "intensity"), "less_than_equal")]
    clean, _ = forms.validate(TRS, {**GOOD, "emotions": [{}, {"emotion": "Sad", "intensity": "20"}, {}]}, draft=False)
    assert clean["emotions"] == [{"emotion": "Sad", "intensity": 20}]


def test_parse_form_and_row_counts():
    form = {"csrf_token": "t", "answers.situation": "Bus", "answers.emotions.1.emotion": "Sad",
            "answers.emotions.1.intensity": "30", "answers.bogus": "x", "answers.emotions.9.emotion": "x",
            "answers.emotions.0.colour": "x", "rows.emotions": "3"}
    raw, probs = forms.parse_form(TRS, form)
    assert raw == {"situation": "Bus", "emotions": [{}, {"emotion": "Sad", "intensity": "30"}]}
    assert sorted(p.key for p in probs) == ["bogus", "emotions.0.colour", "emotions.9.emotion"]
    emotions = TRS.fields[2]
    assert forms.rows_to_show(emotions, None) == 2                      # max(min_rows 1, 0 + 2)
    assert forms.rows_to_show(emotions, raw["emotions"]) == 3           # reopened: up to the last filled row (the 2nd) + 1
    assert forms.rows_to_show(emotions, raw["emotions"], 2) == 2        # posted back: as it was shown, no row added
    assert forms.rows_to_show(emotions, raw["emotions"], 3) == 3        # "add another row"
    assert forms.rows_to_show(emotions, [{"emotion": "a"}] * 5) == 5     # capped at max_rows
    assert forms.requested_rows(form, TRS, "emotions") == {"emotions": 4}
    assert forms.requested_rows({"rows.emotions": "99"}, TRS, None) == {"emotions": 5}
