"""Diary service: streaks, the week view, mood points, the monitor hook, concurrent resubmission."""

from __future__ import annotations

import threading
import time
from datetime import UTC, date, datetime, timedelta

import pytest

from app import clock
from app.diary import service
from app.diary.schemas import DiaryIn
from app.monitoring import hooks
from app.monitoring.rules import Flag, Tier
from tests.diary.support import count_entries
from tests.factories import make_user

NOW = datetime(2026, 3, 4, 15, 0, tzinfo=UTC)  # a Wednesday


@pytest.fixture
def at_now():  # type: ignore[no-untyped-def]
    with clock.frozen(NOW) as move:
        yield move


@pytest.fixture
def patient(session, at_now):  # type: ignore[no-untyped-def]
    return make_user(session).user


def add(session, patient, mood: int, at: datetime, **kw):  # type: ignore[no-untyped-def]
    v = service.create(session, patient, DiaryIn(mood=mood, recorded_at=at, **kw))
    session.commit()
    return v


def test_streak_counts_days_and_forgives_one_missed_day(session, patient, at_now):
    assert service.streak(session, patient.id) == 0
    add(session, patient, 5, NOW - timedelta(days=3))
    assert service.streak(session, patient.id) == 0          # yesterday and the day before missed
    add(session, patient, 5, NOW - timedelta(days=1))
    assert service.streak(session, patient.id) == 2          # one missed day (day -2) is forgiven
    add(session, patient, 5, NOW - timedelta(days=2, hours=5))
    add(session, patient, 6, NOW - timedelta(days=2, hours=1))  # two on one day count once
    assert service.streak(session, patient.id) == 3
    add(session, patient, 5, NOW - timedelta(hours=1))
    assert service.streak(session, patient.id) == 4
    add(session, patient, 5, NOW - timedelta(days=6))         # after two missed days: not counted
    assert service.streak(session, patient.id) == 4
    add(session, patient, 5, NOW - timedelta(days=5))         # one missed day (day -4): forgiven
    assert service.streak(session, patient.id) == 6
    at_now(NOW + timedelta(days=2))                          # yesterday missed: still going
    assert service.streak(session, patient.id) == 6
    at_now(NOW + timedelta(days=3))                          # two days missed: over
    assert service.streak(session, patient.id) == 0


def test_diary_days_are_the_patients_own_days_across_a_summer_time_change(session, patient, at_now):
    """New York changes to summer time on 8 March 2026. An entry at 03:30 UTC on the 9th is
    the evening of the 8th there; the week view and the streak follow that."""
    from app.reminders import service as reminders
    from app.reminders.schemas import RemindersIn
    reminders.update_prefs(session, patient.id, RemindersIn(time_zone="America/New_York"))
    session.commit()
    at_now(datetime(2026, 3, 9, 16, 0, tzinfo=UTC))          # Monday 9 March, 12:00 EDT
    add(session, patient, 5, datetime(2026, 3, 9, 3, 30, tzinfo=UTC))   # Sunday 8th, 23:30 EDT
    add(session, patient, 5, datetime(2026, 3, 7, 4, 30, tzinfo=UTC))   # Friday 6th, 23:30 EST
    add(session, patient, 5, datetime(2026, 3, 2, 4, 59, tzinfo=UTC))   # Sunday 1st, 23:59 EST
    w = service.week(session, patient.id, date(2026, 3, 2))
    assert [len(d.entries) for d in w.days] == [0, 0, 0, 0, 1, 0, 1]    # Fri 6th and Sun 8th
    w = service.week(session, patient.id, date(2026, 2, 23))
    assert [len(d.entries) for d in w.days] == [0, 0, 0, 0, 0, 0, 1]    # Sun 1st, previous week
    assert service.streak(session, patient.id) == 2          # 6th and 8th (7th forgiven), today not missed
    reminders.update_prefs(session, patient.id, RemindersIn(time_zone="UTC"))
    session.commit()
    w = service.week(session, patient.id, date(2026, 3, 2))
    assert [len(d.entries) for d in w.days] == [1, 0, 0, 0, 0, 1, 0]    # in UTC: Mon 2nd, Sat 7th


@pytest.mark.parametrize("days", [61, 62, 63, 100])
def test_a_streak_longer_than_the_window_is_counted_in_full(session, patient, at_now, days):
    for d in range(days):
        add(session, patient, 5, NOW - timedelta(days=d, hours=-1) if d else NOW - timedelta(minutes=5))
    add(session, patient, 5, NOW - timedelta(days=days + 3))  # an older entry after a gap
    assert service.streak(session, patient.id) == days


def test_streak_is_per_patient(session, patient):
    other = make_user(session).user
    add(session, other, 5, NOW - timedelta(hours=1))
    assert service.streak(session, patient.id) == 0
    assert service.streak(session, other.id) == 1


def test_week_view_monday_to_sunday_with_means(session, patient, at_now):
    add(session, patient, 4, datetime(2026, 3, 2, 8, 0, tzinfo=UTC))    # Monday
    add(session, patient, 7, datetime(2026, 3, 2, 20, 0, tzinfo=UTC))   # Monday
    add(session, patient, 9, datetime(2026, 3, 4, 9, 0, tzinfo=UTC))    # Wednesday
    add(session, patient, 1, datetime(2026, 3, 1, 23, 59, tzinfo=UTC))  # Sunday: the week before
    w = service.week(session, patient.id)
    assert w.start == date(2026, 3, 2) and [d.day.weekday() for d in w.days] == list(range(7))
    assert w.days[0].mean_mood == 5.5 and [e.mood for e in w.days[0].entries] == [4, 7]  # oldest first
    assert w.days[1].mean_mood is None and w.days[2].mean_mood == 9
    assert w.mean_mood == pytest.approx(20 / 3)
    assert w.previous_start == date(2026, 2, 23) and w.next_start is None  # this week
    before = service.week(session, patient.id, date(2026, 2, 25))
    assert before.start == date(2026, 2, 23) and before.next_start == date(2026, 3, 2)
    assert [e.mood for e in before.days[6].entries] == [1]


def test_mood_points_and_last_entry(session, patient, at_now):
    assert service.last_entry_at(session, patient.id) is None
    add(session, patient, 3, NOW - timedelta(days=10))
    at_now(NOW + timedelta(minutes=5))
    add(session, patient, 8, NOW - timedelta(days=1))
    points = service.mood_points(session, patient.id, NOW - timedelta(days=7))
    assert [(p.mood, p.recorded_at) for p in points] == [(8, NOW - timedelta(days=1))]
    all_points = service.mood_points(session, patient.id, NOW - timedelta(days=30))
    assert [p.mood for p in all_points] == [3, 8]  # oldest first
    last = service.last_entry_at(session, patient.id)
    assert last == NOW + timedelta(minutes=5) and last.tzinfo is not None  # when it was written


def test_monitor_hook_runs_in_the_same_transaction_and_flags_are_kept(session, patient, monkeypatch):
    seen = []

    def fake(session_, patient_id, entry, **_):  # type: ignore[no-untyped-def]
        seen.append((session_, patient_id, entry.mood, count_entries_in(session_, patient_id)))
        return [Flag("mood_decline", Tier.ROUTINE, 1, "consecutive_low")]

    def count_entries_in(s, pid):  # type: ignore[no-untyped-def]
        return len(service.list_for(s, pid))  # the new entry is already flushed

    monkeypatch.setattr(hooks, "on_diary", fake)
    v = service.create(session, patient, DiaryIn(mood=1))
    assert seen == [(session, patient.id, 1, 1)]
    assert [f.rule for f in v.flags] == ["mood_decline"] and v.escalation.tier == "routine"
    session.commit()
    stored = service.get(session, patient.id, v.id)
    assert [(f.rule, f.tier) for f in stored.flags] == [("mood_decline", Tier.ROUTINE)]
    # a change of mood runs the monitor again; a change of note alone does not
    from app.diary.schemas import DiaryPatch
    service.update(session, patient, v.id, DiaryPatch(note="just words"))
    assert len(seen) == 1
    service.update(session, patient, v.id, DiaryPatch(mood=0))
    assert len(seen) == 2


def test_a_failing_monitor_stores_nothing(session, patient, monkeypatch):
    def boom(*a, **k):  # type: ignore[no-untyped-def]
        raise RuntimeError("monitor down")

    monkeypatch.setattr(hooks, "on_diary", boom)
    with pytest.raises(RuntimeError):
        service.create(session, patient, DiaryIn(mood=3))
    session.rollback()
    assert count_entries(session) == 0


def test_same_key_sent_twice_at_the_same_moment_stores_one_entry(db, session, patient):
    """Two requests with one idempotency key racing: one insert wins, the other returns it."""
    key = "double-click-key"
    s1 = db.session()
    first = service.create(s1, patient, DiaryIn(mood=6), idempotency_key=key)  # holds the write
    result = {}

    def second() -> None:
        s2 = db.session()
        try:
            with clock.frozen(NOW):
                result["v"] = service.create(s2, patient, DiaryIn(mood=6), idempotency_key=key)
            s2.commit()
        except Exception as e:  # noqa: BLE001
            result["error"] = e
            s2.rollback()
        finally:
            s2.close()

    t = threading.Thread(target=second)
    t.start()
    time.sleep(0.3)  # the second request is now waiting on the first one's write
    s1.commit()
    s1.close()
    t.join(timeout=30)
    assert "error" not in result, result.get("error")
    assert result["v"].id == first.id and result["v"].replayed and not first.replayed
    assert count_entries(session) == 1
