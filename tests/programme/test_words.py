"""When the next module opens and why, in plain words (app/programme/words.py, pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from app import i18n
from app.programme import words

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)         # a Tuesday
TUE_8 = datetime(2026, 12, 8, 12, 0, tzinfo=UTC)


def mod(number: int = 3, status: str = "locked", **kw):  # type: ignore[no-untyped-def]
    base = dict(number=number, status=status, available_at=None, completed_at=None, waiting_for=None,
                held=False, hold_message=None, interval_days=7, opened_by_care_team=False)
    return SimpleNamespace(**{**base, **kw})


def test_opens_on_a_date_a_number_of_days_after_the_one_before():
    w = words.why(mod(available_at=TUE_8), NOW)
    assert (w.code, w.opens_at) == ("interval", TUE_8)
    assert w.text == "Module 3 opens on Tuesday 8 December (7 days after module 2 opened)."
    one = words.why(mod(available_at=TUE_8, interval_days=1), NOW).text
    assert one.endswith("(1 day after module 2 opened).")


def test_today_and_tomorrow_in_the_patients_time_zone():
    tz = ZoneInfo("America/New_York")                   # 5 hours behind UTC in December
    today = words.why(mod(available_at=NOW + timedelta(hours=3)), NOW, tz).text
    assert today == "Module 3 opens today at 10:00 (7 days after module 2 opened)."
    # 02:00 UTC on Wednesday is still Tuesday evening in New York
    late = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)
    assert words.why(mod(available_at=late), NOW, tz).text.startswith("Module 3 opens today at 21:00")
    assert words.why(mod(available_at=late), NOW).text.startswith("Module 3 opens tomorrow, Wednesday 2 December")
    next_year = words.why(mod(available_at=datetime(2027, 1, 5, 12, tzinfo=UTC)), NOW).text
    assert "on Tuesday 5 January 2027" in next_year


def test_when_you_finish_the_module_before():
    assert words.why(mod(waiting_for=2), NOW).text == "Module 3 opens when you finish module 2."
    not_before = words.why(mod(waiting_for=2, available_at=TUE_8), NOW)
    assert not_before.code == "finish_previous" and not_before.opens_at is None
    assert not_before.text == ("Module 3 opens when you finish module 2, and not before Tuesday 8 December "
                               "(7 days after module 2 opened).")
    past = words.why(mod(waiting_for=2, available_at=NOW - timedelta(days=1)), NOW).text
    assert past == "Module 3 opens when you finish module 2."


def test_held_with_and_without_a_message():
    w = words.why(mod(held=True, hold_message="Let's spend another week on the activity plan first.",
                      available_at=TUE_8), NOW)
    assert w.code == "held" and w.opens_at is None
    assert w.text == ("Your care team has paused module 3 for now: Let's spend another week on the activity plan "
                      "first.")
    generic = words.why(mod(held=True, hold_message="  "), NOW).text
    assert generic.startswith("Your care team has paused module 3 for now.") and "messages" in generic
    # the hold comes first, even while the module before is unfinished
    assert words.why(mod(held=True, waiting_for=2), NOW).code == "held"


def test_open_and_finished_modules():
    opened = NOW - timedelta(days=2)
    assert words.why(mod(status="available", available_at=opened), NOW).text == "Module 3 opened on Sunday 29 November."
    care = words.why(mod(status="available", available_at=opened, opened_by_care_team=True), NOW)
    assert (care.code, care.text) == ("opened_by_care_team", "Your care team has opened module 3 for you.")
    done = words.why(mod(status="completed", available_at=opened, completed_at=NOW), NOW)
    assert done.text == "You finished module 3 on Tuesday 1 December." and done.opens_at == opened


def test_the_pace_of_the_programme():
    assert words.rhythm(7) == "A new one opens each week, once you have finished the one before."
    assert words.rhythm(10) == "A new module opens 10 days after the one before opened, once you have finished it."
    assert words.rhythm(1).startswith("A new module opens 1 day after")
    assert words.rhythm(0) == "A new module opens as soon as you have finished the one before."


def test_the_older_api_wording_says_held_too():
    assert words.legacy_opens(mod(held=True), NOW).startswith("Your care team has paused module 3")
    assert words.legacy_opens(mod(waiting_for=2, available_at=TUE_8), NOW) == (
        "Module 3 opens on Tuesday 8 December, once you have finished module 2.")


def test_in_spanish():
    with i18n.using("es"):
        w = words.why(mod(available_at=TUE_8), NOW).text
        assert "8 de diciembre" in w and "martes" in w and "módulo 2" in w
        assert "pausado" in words.why(mod(held=True, hold_message="Un poco más de práctica."), NOW).text
        assert "Un poco más de práctica." in words.why(mod(held=True, hold_message="Un poco más de práctica."), NOW).text
