"""The release schedule shaped for one patient (pure): holds, lifting them, opening early over
a hold, and the patient's own release interval applied from the moment it is set."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from app.programme.schedule import AVAILABLE, COMPLETED, IN_PROGRESS, LOCKED, Hold, compute

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)   # a Monday
WEEK = timedelta(days=7)
N = [1, 2, 3, 4, 5, 6, 7]


def day(d: float) -> datetime:
    return T0 + timedelta(days=d)


def run(now: float, **kw):  # type: ignore[no-untyped-def]
    kw.setdefault("completed", {})
    return compute(N, enrolled_at=T0, interval=kw.pop("interval", WEEK), now=day(now), **kw)


# ---------------------------------------------------------------- holds


def test_a_hold_keeps_a_module_that_is_not_open_yet_locked():
    done = {1: day(2)}
    slots = run(8, completed=done, holds={2: [Hold(day(3))]})
    assert slots[1].status == LOCKED and slots[1].held and slots[1].available_at is None
    assert slots[1].waiting_for is None                    # module 1 is finished: only the hold
    assert slots[2].status == LOCKED and slots[2].waiting_for == 2 and not slots[2].held
    # without the hold it would have opened on day 7
    assert run(8, completed=done)[1].status == AVAILABLE


def test_a_hold_while_the_module_before_is_unfinished_outlasts_its_completion():
    holds = {2: [Hold(day(1))]}
    waiting = run(5, started={1: T0}, holds=holds)
    assert waiting[1].held and waiting[1].waiting_for == 1   # still names the module to finish
    assert run(20, completed={1: day(9)}, holds=holds)[1].held


def test_a_hold_does_not_lock_an_open_module():
    done = {1: day(2)}
    held_late = {2: [Hold(day(8))]}                        # module 2 opened on day 7
    slots = run(9, completed=done, holds=held_late)
    assert slots[1].status == AVAILABLE and slots[1].available_at == day(7) and not slots[1].held
    # ... nor one the patient has started, nor a completed one
    assert run(9, completed=done, started={2: day(7.5)}, holds=held_late)[1].status == IN_PROGRESS
    assert run(30, completed={1: day(2), 2: day(9)}, holds=held_late)[1].status == COMPLETED


def test_a_hold_placed_the_moment_it_opens_changes_nothing():
    assert run(7, completed={1: day(2)}, holds={2: [Hold(day(7))]})[1].status == AVAILABLE


def test_lifting_before_the_scheduled_day_opens_it_on_schedule():
    holds = {2: [Hold(day(3), released_at=day(5))]}
    assert run(6.9, completed={1: day(2)}, holds=holds)[1].status == LOCKED
    slots = run(7, completed={1: day(2)}, holds=holds)
    assert slots[1].status == AVAILABLE and slots[1].available_at == day(7)


def test_lifting_after_the_scheduled_day_opens_it_at_once_and_the_next_counts_from_then():
    holds = {2: [Hold(day(3), released_at=day(10))]}
    slots = run(10, completed={1: day(2)}, holds=holds)
    assert slots[1].status == AVAILABLE and slots[1].available_at == day(10) and not slots[1].held
    later = run(12, completed={1: day(2), 2: day(11)}, holds=holds)
    assert later[2].status == LOCKED and later[2].available_at == day(17)


def test_held_again_after_a_lift():
    holds = {2: [Hold(day(3), released_at=day(4)), Hold(day(5))]}
    assert run(9, completed={1: day(2)}, holds=holds)[1].held
    lifted = {2: [Hold(day(3), released_at=day(4)), Hold(day(5), released_at=day(12))]}
    assert run(12, completed={1: day(2)}, holds=lifted)[1].available_at == day(12)


def test_opening_early_beats_a_hold():
    """An explicit "open early" by a clinician lifts any hold on that module."""
    slots = run(4, completed={1: day(2)}, holds={2: [Hold(day(3))]}, opened={2: day(4)})
    assert slots[1].status == AVAILABLE and slots[1].available_at == day(4) and not slots[1].held
    # and it stays the time it opened after the scheduled day has passed
    assert run(8, completed={1: day(2)}, opened={2: day(4)})[1].available_at == day(4)


def test_a_hold_on_a_later_module_leaves_earlier_ones_alone():
    slots = run(8, completed={1: day(2)}, holds={3: [Hold(day(1))]})
    assert [s.status for s in slots[:3]] == [COMPLETED, AVAILABLE, LOCKED]
    assert slots[2].held and slots[2].waiting_for == 2


# ---------------------------------------------------------------- the patient's own interval


def test_a_shorter_interval_from_the_start():
    slots = run(3, completed={1: day(1)}, interval_changes=[(T0, timedelta(days=3))])
    assert slots[1].status == AVAILABLE and slots[1].available_at == day(3)
    assert slots[1].interval == timedelta(days=3)


def test_shortening_opens_the_next_module_at_the_moment_of_the_change():
    done = {1: day(2)}
    before = run(3.9, completed=done)
    assert before[1].status == LOCKED and before[1].available_at == day(7)
    slots = run(4, completed=done, interval_changes=[(day(4), timedelta(days=3))])
    assert slots[1].status == AVAILABLE and slots[1].available_at == day(4)


def test_lengthening_delays_a_locked_module_and_never_locks_an_open_one():
    longer = [(day(5), timedelta(days=14))]
    slots = run(8, completed={1: day(2)}, interval_changes=longer)
    assert slots[1].status == LOCKED and slots[1].available_at == day(14) and slots[1].interval == timedelta(days=14)
    opened = run(9, completed={1: day(2)}, interval_changes=[(day(8), timedelta(days=14))])
    assert opened[1].status == AVAILABLE and opened[1].available_at == day(7)   # opened on day 7: stays open
    assert opened[2].available_at == day(21) and opened[2].waiting_for == 2      # the next counts 14 days


def test_a_change_at_the_moment_a_module_opens_leaves_it_open():
    slots = run(3, completed={1: day(1)}, interval_changes=[(T0, timedelta(days=3)), (day(3), timedelta(days=14))])
    assert slots[1].status == AVAILABLE and slots[1].available_at == day(3)


def test_back_to_the_default():
    changes = [(T0, timedelta(days=3)), (day(1), None)]
    slots = run(3, completed={1: day(1)}, interval_changes=changes)
    assert slots[1].status == LOCKED and slots[1].available_at == day(7) and slots[1].interval == WEEK


def test_the_new_interval_counts_from_a_lifted_hold():
    slots = run(12, completed={1: day(2), 2: day(11)}, holds={2: [Hold(day(3), released_at=day(10))]},
                interval_changes=[(day(11), timedelta(days=2))])
    assert slots[2].status == AVAILABLE and slots[2].available_at == day(12)


def test_waiting_for_the_module_before_shows_the_earliest_under_the_interval_in_force():
    slots = run(1, started={1: T0}, interval_changes=[(day(0.5), timedelta(days=10))])
    assert slots[1].waiting_for == 1 and slots[1].available_at == day(10)


# ---------------------------------------------------------------- never locks again


@st.composite
def timelines(draw):  # type: ignore[no-untyped-def]
    """A patient's weeks: each step some hours later, one thing happens."""
    steps = draw(st.lists(st.tuples(st.integers(1, 96), st.sampled_from(["finish", "hold", "lift", "interval",
                                                                          "default", "early", "nothing"]),
                                    st.integers(1, 7), st.integers(1, 28)), min_size=1, max_size=40))
    return steps


@settings(max_examples=300, deadline=None)
@given(timelines())
def test_an_open_module_never_locks_again_and_keeps_its_opening_time(steps):  # type: ignore[no-untyped-def]
    completed: dict[int, datetime] = {}
    holds: dict[int, list[Hold]] = {}
    opened: dict[int, datetime] = {}
    changes: list[tuple[datetime, timedelta | None]] = []
    now = T0
    before: dict[int, datetime | None] = {}
    for hours, action, n, days in steps:
        now += timedelta(hours=hours)
        slots = compute(N, enrolled_at=T0, completed=completed, interval=WEEK, now=now, opened=opened,
                        holds=holds, interval_changes=changes)
        for s in slots:
            if s.number in before:
                assert s.is_open, (s, steps)
                assert s.available_at == before[s.number], (s, steps)
            if s.is_open:
                before[s.number] = s.available_at
        by = {s.number: s for s in slots}
        if action == "finish":
            current = next((s for s in slots if s.status in (AVAILABLE, IN_PROGRESS)), None)
            if current is not None:
                completed[current.number] = now
        elif action == "hold":
            holds.setdefault(n, []).append(Hold(now))     # also on open modules: must change nothing
        elif action == "lift":
            holds[n] = [h if h.released_at else Hold(h.held_at, now) for h in holds.get(n, [])]
        elif action == "interval":
            changes.append((now, timedelta(days=days)))
        elif action == "default":
            changes.append((now, None))
        elif action == "early" and not by[n].is_open:
            opened.setdefault(n, now)
            holds[n] = [h if h.released_at else Hold(h.held_at, now) for h in holds.get(n, [])]
        # a module with a hold placed while it was locked, and not lifted, is not open
        for m, hs in holds.items():
            if any(h.released_at is None and h.held_at < now for h in hs) and m not in before and m not in opened:
                later = compute(N, enrolled_at=T0, completed=completed, interval=WEEK, now=now, opened=opened,
                                holds=holds, interval_changes=changes)
                assert not later[m - 1].is_open, (m, steps)
