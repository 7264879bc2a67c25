"""The release schedule as a pure function, with the clock passed in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.programme.schedule import AVAILABLE, COMPLETED, IN_PROGRESS, LOCKED, compute

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)   # a Monday
WEEK = timedelta(days=7)
N = [1, 2, 3, 4, 5, 6, 7]


def statuses(slots):  # type: ignore[no-untyped-def]
    return [s.status for s in slots]


def test_new_patient_sees_module_one_open_and_the_rest_locked():
    slots = compute(N, enrolled_at=T0, completed={}, interval=WEEK, now=T0)
    assert statuses(slots) == [AVAILABLE] + [LOCKED] * 6
    assert slots[0].available_at == T0
    # module 2: earliest a week after module 1 opened, once module 1 is finished
    assert slots[1].available_at == T0 + WEEK and slots[1].waiting_for == 1
    # later modules: not known yet, waiting for the one before
    assert slots[2].available_at is None and slots[2].waiting_for == 2


def test_completed_early_waits_for_the_interval():
    done = {1: T0 + timedelta(days=2)}
    slots = compute(N, enrolled_at=T0, completed=done, interval=WEEK, now=T0 + timedelta(days=3))
    assert statuses(slots)[:2] == [COMPLETED, LOCKED]
    assert slots[1].available_at == T0 + WEEK and slots[1].waiting_for is None
    just_before = compute(N, enrolled_at=T0, completed=done, interval=WEEK, now=T0 + WEEK - timedelta(seconds=1))
    assert just_before[1].status == LOCKED
    on_time = compute(N, enrolled_at=T0, completed=done, interval=WEEK, now=T0 + WEEK)
    assert on_time[1].status == AVAILABLE and on_time[1].available_at == T0 + WEEK


def test_interval_passed_but_not_completed_stays_locked_until_completion():
    late = T0 + timedelta(days=20)
    slots = compute(N, enrolled_at=T0, completed={}, started={1: T0}, interval=WEEK, now=late)
    assert statuses(slots)[:2] == [IN_PROGRESS, LOCKED]
    assert slots[1].available_at == T0 + WEEK and slots[1].waiting_for == 1  # date passed: opens on completion
    done = compute(N, enrolled_at=T0, completed={1: late}, interval=WEEK, now=late)
    assert done[1].status == AVAILABLE and done[1].available_at == late
    # module 3 counts from when module 2 actually opened
    assert done[2].available_at == late + WEEK and done[2].waiting_for == 2


def test_interval_zero_opens_the_next_module_on_completion():
    done_at = T0 + timedelta(hours=1)
    slots = compute(N, enrolled_at=T0, completed={1: done_at}, interval=timedelta(0), now=done_at)
    assert statuses(slots)[:3] == [COMPLETED, AVAILABLE, LOCKED]
    assert slots[1].available_at == done_at


def test_whole_programme_in_order():
    done = {n: T0 + WEEK * (n - 1) + timedelta(days=1) for n in N}
    slots = compute(N, enrolled_at=T0, completed=done, interval=WEEK, now=T0 + WEEK * 7)
    assert statuses(slots) == [COMPLETED] * 7
    assert [s.available_at for s in slots] == [T0 + WEEK * (n - 1) for n in N]


def test_started_module_never_locks_again_when_the_interval_grows():
    opened = T0 + timedelta(days=1)
    slots = compute(N, enrolled_at=T0, completed={1: opened}, started={1: T0, 2: opened},
                    interval=timedelta(days=30), now=opened + timedelta(days=1))
    assert statuses(slots)[:3] == [COMPLETED, IN_PROGRESS, LOCKED]


def test_completed_modules_stay_readable():
    done = {1: T0 + timedelta(days=1), 2: T0 + WEEK + timedelta(days=1)}
    slots = compute(N, enrolled_at=T0, completed=done, interval=WEEK, now=T0 + timedelta(days=400))
    assert slots[0].is_open and slots[1].is_open and slots[2].status == AVAILABLE
