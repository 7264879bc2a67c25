"""app/memo.py: a value read once per transaction, forgotten as soon as the transaction could
have changed it (a flush, an INSERT / UPDATE / DELETE through the session, commit, rollback,
changes not flushed yet)."""

from __future__ import annotations

from sqlalchemy import text, update

from app import memo
from app.reminders import service as reminders
from app.reminders.models import ReminderPrefs
from app.reminders.schemas import RemindersIn
from tests.factories import make_user


def _counter(session):  # type: ignore[no-untyped-def]
    calls = []

    def compute() -> int:
        session.scalar(text("SELECT 1"))    # a read, as memoised values are
        calls.append(1)
        return len(calls)
    return calls, compute


def test_kept_within_a_transaction_forgotten_at_its_end(session):
    calls, compute = _counter(session)
    assert memo.get(session, ("t", 1), compute) == 1
    assert memo.get(session, ("t", 1), compute) == 1 and len(calls) == 1
    assert memo.get(session, ("t", 2), compute) == 2          # another key, another value
    session.commit()
    assert memo.get(session, ("t", 1), compute) == 3
    session.rollback()
    assert memo.get(session, ("t", 1), compute) == 4


def test_forgotten_on_a_flush_a_statement_and_changes_not_flushed(session):
    p = make_user(session)
    reminders.update_prefs(session, p.id, RemindersIn(time_zone="America/New_York"))
    session.commit()
    calls, compute = _counter(session)
    memo.get(session, "k", compute)
    session.get(ReminderPrefs, p.id).time_zone = "Asia/Tokyo"
    session.flush()
    assert memo.get(session, "k", compute) == 2                 # the flush forgot it
    session.execute(update(ReminderPrefs).where(ReminderPrefs.patient_id == p.id).values(time_zone="UTC"))
    assert memo.get(session, "k", compute) == 3                 # so did the UPDATE
    session.get(ReminderPrefs, p.id).time_zone = "Europe/Madrid"   # changed, not flushed yet
    assert memo.get(session, "k", compute) == 4
    assert memo.get(session, "k", compute) == 5                 # nothing kept while changes are pending


def test_the_time_zone_is_read_once_and_follows_a_change(db, session):
    from sqlalchemy import event
    p = make_user(session)
    seen: list[str] = []
    listener = lambda *a: seen.append(a[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        assert [reminders.zone_name_of(session, p.id) for _ in range(3)] == ["Europe/London"] * 3
        assert len([s for s in seen if "reminder_prefs" in s]) == 1   # no row yet: asked once, not three times
        reminders.update_prefs(session, p.id, RemindersIn(time_zone="America/New_York"))
        assert reminders.zone_name_of(session, p.id) == "America/New_York"
        session.get(ReminderPrefs, p.id).time_zone = "Asia/Tokyo"       # not flushed: still seen
        assert reminders.zone_name_of(session, p.id) == "Asia/Tokyo"
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)


def test_a_long_lived_session_keeps_a_bounded_number(session):
    for i in range(memo.MAX_ENTRIES + 10):
        memo.get(session, i, lambda: session.scalar(text("SELECT 1")))
    assert 0 < len(session.info[memo.KEY]) <= memo.MAX_ENTRIES


def test_nothing_kept_outside_a_transaction(session):
    session.commit()
    assert memo.get(session, "k", lambda: 1) == 1 and memo.KEY not in session.info
