"""The release schedule, as a pure function (no database, no clock: `now` is passed in).

Module 1 opens at enrolment. Module n opens when module n-1 is completed AND the release
interval (ICBT_MODULE_INTERVAL_DAYS, default 7) has passed since module n-1 opened:

    opens(1) = enrolled_at
    opens(n) = max(completed(n-1), opens(n-1) + interval)     once module n-1 is completed

With an interval of 0 the next module opens the moment the previous one is completed.
A module the patient has already started or completed never locks again (for example after
the interval setting is raised), and completed modules stay readable.

Shaping the programme for one patient (app/guided/shaping.py keeps the rows):

- **Per-patient interval**: `interval_changes` lists (from, interval) in time order; each
  is in force from its moment on (None: back to `interval`, the service default). The rule
  above is applied with the interval in force at the moment the module opens: module n opens
  at the earliest t >= completed(n-1) with t >= opens(n-1) + interval(t). So a shorter
  interval can open the next module at once (at the moment of the change), a longer one
  delays a module that is still locked, and a module that already opened stays open.
- **Hold**: a clinician holds a module that is not open yet (`holds`: number -> Hold list).
  A hold placed before the module opened keeps it locked until it is lifted; then the module
  opens at max(its scheduled time, the moment the hold was lifted), and the next module's
  interval counts from then. A hold placed when the module was already open changes nothing
  (open, started and completed modules never lock again).
- **Opened early** (`opened`): a clinician opened the module for this patient. It is open
  from then on, whatever the schedule says, and this beats any hold on that module: opening
  a module early lifts its hold (the service records the hold as lifted then, too).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

Status = Literal["locked", "available", "in_progress", "completed"]
LOCKED: Status = "locked"
AVAILABLE: Status = "available"
IN_PROGRESS: Status = "in_progress"
COMPLETED: Status = "completed"


@dataclass(frozen=True)
class Hold:
    """A clinician held the module at `held_at`; `released_at` is when the hold was lifted."""

    held_at: datetime
    released_at: datetime | None = None


@dataclass(frozen=True)
class Slot:
    number: int
    status: Status
    # When the module opened (open modules), or the earliest it can open (the next locked
    # module, once its predecessor is open); None when that is not known yet (or it is held).
    available_at: datetime | None
    # For a locked module: the number of the module to finish first (None if that is done).
    waiting_for: int | None = None
    # Locked because a clinician is holding it (until the hold is lifted).
    held: bool = False
    # The release interval that sets (or set) this module's time, counted from when the
    # module before it opened; None for module 1 and when not known.
    interval: timedelta | None = None

    @property
    def is_open(self) -> bool:
        return self.status != LOCKED


Pieces = list[tuple[datetime | None, timedelta]]


def _pieces(interval: timedelta, changes: Sequence[tuple[datetime, timedelta | None]]) -> Pieces:
    """The interval as a step function of time: [(from, interval)], the first from the start."""
    out: Pieces = [(None, interval)]
    for at, step in sorted(changes, key=lambda c: c[0]):
        out.append((at, interval if step is None else step))
    return out


def _earliest(prev_opened: datetime, prev_done: datetime | None, pieces: Pieces) -> tuple[datetime, timedelta]:
    """The earliest t >= prev_done with t >= prev_opened + interval(t), and that interval."""
    for i, (start, step) in enumerate(pieces):
        end = pieces[i + 1][0] if i + 1 < len(pieces) else None
        t = max(x for x in (start, prev_done, prev_opened + step) if x is not None)
        if end is None or t <= end:   # opening at the very moment of a change: under the old rule
            return t, step
    raise AssertionError("unreachable: the last piece has no end")  # pragma: no cover


def _after_holds(opens: datetime, holds: Sequence[Hold]) -> datetime | None:
    """When the module opens given its holds; None while a hold placed before then is on."""
    for h in sorted(holds, key=lambda h: h.held_at):
        if h.held_at < opens:              # placed while the module was still locked
            if h.released_at is None:
                return None
            opens = max(opens, h.released_at)
    return opens


def compute(numbers: Sequence[int], *, enrolled_at: datetime, completed: Mapping[int, datetime],
            started: Mapping[int, datetime] | None = None, interval: timedelta,
            now: datetime, opened: Mapping[int, datetime] | None = None,
            holds: Mapping[int, Sequence[Hold]] | None = None,
            interval_changes: Sequence[tuple[datetime, timedelta | None]] = ()) -> list[Slot]:
    """One Slot per module number (ascending).

    `completed` maps module number -> completed_at; `started` maps module number -> the time
    the patient first opened it (a started module stays open whatever the schedule says);
    `opened` maps module number -> when a clinician opened it early for this patient (it is
    open from then on, app/guided; this lifts any hold on it); `holds` maps module number ->
    its holds; `interval_changes` are this patient's own intervals (see the module docstring)."""
    started = started or {}
    opened = opened or {}
    holds = holds or {}
    pieces = _pieces(interval, interval_changes)
    slots: list[Slot] = []
    prev_opened: datetime | None = None
    for i, n in enumerate(sorted(numbers)):
        opens: datetime | None = enrolled_at if i == 0 else None   # when it opens (schedule)
        earliest: datetime | None = None        # waiting for the previous module: not before
        step: timedelta | None = None
        if i > 0:
            prev = slots[-1]
            prev_done = completed.get(prev.number)
            if prev.is_open and prev_opened is not None:
                t, step = _earliest(prev_opened, prev_done, pieces)
                if prev_done is not None:
                    opens = t
                else:
                    earliest = t
        active_hold = any(h.released_at is None for h in holds.get(n, ()))
        if opens is not None:
            opens = _after_holds(opens, holds.get(n, ()))
        early = opened.get(n) if n in opened and opened[n] <= now else None
        if early is not None and (opens is None or early < opens):
            opens = early                        # a clinician opened it: open from then on
        if n in completed:
            slots.append(Slot(n, COMPLETED, _first(opens, started.get(n), completed[n]), interval=step))
        elif opens is not None and opens <= now:
            slots.append(Slot(n, IN_PROGRESS if n in started else AVAILABLE, opens, interval=step))
        elif n in started:  # opened earlier under a shorter interval: keep it open
            slots.append(Slot(n, IN_PROGRESS, started[n], interval=step))
        elif opens is not None:  # previous module completed; the interval has not passed yet
            slots.append(Slot(n, LOCKED, opens, waiting_for=None, interval=step))
        elif active_hold:  # held: opens once the hold is lifted (and the schedule allows)
            waiting = slots[-1].number if i > 0 and slots[-1].number not in completed else None
            slots.append(Slot(n, LOCKED, None, waiting_for=waiting, held=True, interval=step))
        else:  # waiting for the previous module to be completed
            slots.append(Slot(n, LOCKED, earliest, waiting_for=slots[-1].number, interval=step))
        prev_opened = slots[-1].available_at if slots[-1].is_open else None
    return slots


def _first(*times: datetime | None) -> datetime | None:
    """The earliest of the known times (when a completed module became available)."""
    known = [t for t in times if t is not None]
    return min(known) if known else None
