"""The next-step rules (app.home.next_step): a test per rule and per tie-break. Pure: no
database, no clock."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from app.home.next_step import CareTeamMessage, Facts, Module, candidates, choose

NOW = datetime(2026, 3, 10, 12, tzinfo=UTC)
MOD = Module(3, "Doing what matters", "/modules/doing-what-matters", in_progress=True)
BASE = Facts(now=NOW, enrolled_at=NOW - timedelta(days=20), last_active_at=NOW - timedelta(days=1),
             module=MOD, diary_available=True)


def rule(f: Facts) -> str | None:
    s = choose(f)
    return s.rule if s else None


# ---------------------------------------------------------------- one test per rule

def test_nothing_at_all_gives_no_step():
    assert choose(Facts(now=NOW, diary_available=False)) is None


def test_diary_when_nothing_else_applies():
    s = choose(replace(BASE, module=None))
    assert s.rule == "diary" and s.href == "/diary" and s.why


def test_module_in_progress_and_not_started():
    s = choose(BASE)
    assert (s.rule, s.title, s.label) == ("module", "Carry on with module 3", "Carry on where I left off")
    s = choose(replace(BASE, module=replace(MOD, in_progress=False)))
    assert (s.title, s.label) == ("Start module 3", "Start module 3")
    assert "next one" in s.why


def test_safety_plan_and_crisis_resources_after_a_risk_event():
    s = choose(replace(BASE, risk_alert_unacknowledged=True))
    assert s.rule == "safety" and s.href == "/safety-plan"
    assert ("Get help now", "/help") in s.also and "999" in s.text
    assert "care team has seen" in s.why


def test_checkin_when_due():
    s = choose(replace(BASE, checkin_due=True))
    assert s.rule == "checkin" and s.href.startswith("/checkins/weekly") and s.why == "Because your weekly check-in is due."


def test_worry_time_offered_early_when_gad7_high_and_phq9_lower():
    f = replace(BASE, gad7=12, phq9=7, worry_time_open=True)
    s = choose(f)
    assert s.rule == "worry" and s.href == "/homework/worry-time" and "more worry" in s.why
    assert rule(replace(f, gad7=9, phq9=5)) == "module"           # GAD-7 below 10
    assert rule(replace(f, gad7=10, phq9=4)) == "worry"           # the threshold itself
    assert rule(replace(f, phq9=12)) == "module"                  # low mood leads: not worry first
    assert rule(replace(f, phq9=12, gad7=12)) == "module"         # equal: not "lower"
    assert rule(replace(f, worry_time_open=False)) == "module"    # exercise not open: nothing to link to
    assert rule(replace(f, phq9=None)) == "worry"                 # only a GAD-7 so far


def test_start_small_when_the_diary_shows_low_mood_and_no_activity():
    f = replace(BASE, moods_7d=(2, 3, 1), activities_7d=0, activity_task_open=True)
    s = choose(f)
    assert s.rule == "start_small" and s.href == "/homework/activity-schedule" and "low week" in s.why
    assert choose(replace(f, activity_task_open=False)).href == "/diary"
    assert rule(replace(f, activities_7d=1)) == "module"          # they did something: no
    assert rule(replace(f, moods_7d=(2,))) == "module"            # one entry is not a pattern
    assert rule(replace(f, moods_7d=(3, 4))) == "module"          # mean 3.5: not low
    assert rule(replace(f, moods_7d=(3, 3))) == "start_small"     # mean 3: low


def test_welcome_back_after_seven_days_away_says_where_they_were():
    f = replace(BASE, last_active_at=NOW - timedelta(days=7))
    s = choose(f)
    assert s.rule == "welcome" and s.title == "Welcome back" and s.href == MOD.href
    assert "module 3: Doing what matters" in s.text and "7 days" in s.why
    assert rule(replace(f, last_active_at=NOW - timedelta(days=6, hours=23))) == "module"
    assert choose(replace(f, module=None)).href == "/modules"
    assert rule(replace(f, last_active_at=None)) == "module"      # never started: not "welcome back"


def test_care_team_message_when_the_clinician_has_written():
    msg = CareTeamMessage(sent_at=NOW - timedelta(hours=2), read=False)
    s = choose(replace(BASE, care_team_message=msg))
    assert s.rule == "care_team" and s.href == "/messages" and "wrote to you" in s.why
    assert rule(replace(BASE, care_team_message=replace(msg, read=True))) == "module"


# ---------------------------------------------------------------- tie-breaks (the order)

EVERYTHING = replace(BASE, risk_alert_unacknowledged=True, last_active_at=NOW - timedelta(days=9),
                     care_team_message=CareTeamMessage(NOW, read=False), checkin_due=True, gad7=14, phq9=6,
                     worry_time_open=True, moods_7d=(1, 2), activities_7d=0)


def test_every_rule_applies_and_they_come_in_order():
    assert [s.rule for s in candidates(EVERYTHING)] == [
        "safety", "welcome", "care_team", "checkin", "worry", "start_small", "module", "diary"]


def test_safety_beats_everything():
    assert rule(EVERYTHING) == "safety"


def test_welcome_back_beats_message_and_checkin_and_mentions_the_checkin():
    s = choose(replace(EVERYTHING, risk_alert_unacknowledged=False))
    assert s.rule == "welcome" and "check-in is ready too" in s.text


def test_care_team_message_beats_checkin():
    assert rule(replace(EVERYTHING, risk_alert_unacknowledged=False, last_active_at=NOW)) == "care_team"


def test_checkin_beats_worry():
    assert rule(replace(EVERYTHING, risk_alert_unacknowledged=False, last_active_at=NOW,
                        care_team_message=None)) == "checkin"


def test_worry_beats_start_small():
    assert rule(replace(EVERYTHING, risk_alert_unacknowledged=False, last_active_at=NOW,
                        care_team_message=None, checkin_due=False)) == "worry"


def test_start_small_beats_the_module():
    assert rule(replace(EVERYTHING, risk_alert_unacknowledged=False, last_active_at=NOW,
                        care_team_message=None, checkin_due=False, worry_time_open=False)) == "start_small"


def test_module_beats_diary():
    assert rule(replace(BASE)) == "module" and rule(replace(BASE, module=None)) == "diary"


def test_every_step_says_why():
    assert all(s.why.startswith("Because") for s in candidates(EVERYTHING))
