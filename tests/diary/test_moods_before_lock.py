"""Issue 18: a diary entry's monitor reads the patient's moods before the writer lock is taken
(app.diary.service._moods_before); under the lock it uses them only if no entry of the
patient's was added, changed or removed meanwhile, so it sees exactly what it would have read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app import clock
from app.db import get_db
from app.diary import service
from app.diary.schemas import DiaryIn, DiaryPatch
from app.monitoring import service as monitoring
from tests.factories import make_user

NOW = datetime(2026, 3, 4, 15, 0, tzinfo=UTC)


@pytest.fixture
def seen(monkeypatch):  # type: ignore[no-untyped-def]
    """The moods each run of the diary rules was given."""
    got: list[list[tuple[object, datetime]]] = []
    real = monitoring.check_diary

    def spy(session, patient, moods, **kw):  # type: ignore[no-untyped-def]
        got.append([(m.mood, m.recorded_at) for m in moods])
        return real(session, patient, moods, **kw)

    monkeypatch.setattr(monitoring, "check_diary", spy)
    return got


def _read(session, patient_id):  # type: ignore[no-untyped-def]
    since = monitoring.diary_since(clock.now())
    return [(m.mood, m.recorded_at) for m in service.mood_points(session, patient_id, since)]


def _meanwhile(monkeypatch, change) -> None:  # type: ignore[no-untyped-def]
    """Run `change` in another transaction after the moods are read, before the insert."""
    real = service._moods_before

    def then_change(session, patient_id):  # type: ignore[no-untyped-def]
        before = real(session, patient_id)
        monkeypatch.setattr(service, "_moods_before", real)  # once (the change may write an entry)
        with get_db().session() as other:
            change(other, patient_id)
            other.commit()
        return before

    monkeypatch.setattr(service, "_moods_before", then_change)


def test_the_monitor_gets_the_moods_it_would_read(session, seen):
    with clock.frozen(NOW) as move:
        p = make_user(session).user
        for mood in (5, 3, 2):
            service.create(session, p, DiaryIn(mood=mood, recorded_at=clock.now() - timedelta(hours=1)))
            move(clock.now() + timedelta(minutes=7))
        assert seen[-1] == _read(session, p.id) and len(seen[-1]) == 3


@pytest.mark.parametrize("what", ["added", "changed", "removed"])
def test_an_entry_added_changed_or_removed_meanwhile_is_seen(session, seen, monkeypatch, what):
    with clock.frozen(NOW) as move:
        p = make_user(session).user
        first = service.create(session, p, DiaryIn(mood=6))
        session.commit()
        move(clock.now() + timedelta(minutes=5))

        def change(other, patient_id):  # type: ignore[no-untyped-def]
            patient = other.get(type(p), patient_id)
            if what == "added":
                service.create(other, patient, DiaryIn(mood=1))
            elif what == "changed":
                move(clock.now() + timedelta(seconds=1))
                service.update(other, patient, first.id, DiaryPatch(mood=0))
            else:
                service.delete(other, patient, first.id)

        _meanwhile(monkeypatch, change)
        seen.clear()
        service.create(session, p, DiaryIn(mood=4))
        assert seen[-1] == _read(session, p.id)
