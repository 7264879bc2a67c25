"""The release schedule, as a pure function (no database, no clock: `now` is passed in).

Module 1 opens at enrolment. Module n opens when module n-1 is completed AND the release
interval (ICBT_MODULE_INTERVAL_DAYS, default 7) has passed since module n-1 opened:

    opens(1) = enrolled_at
    opens(n) = max(completed(n-1), opens(n-1) + interval)     once module n-1 is completed

With an interval of 0 the next module opens the moment the previous one is completed.
A module the patient has already started or completed never locks again (for example after
the interval setting is raised), and completed modules stay readable.
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
class Slot:
    number: int
    status: Status
    # When the module opened (open modules), or the earliest it can open (the next locked
    # module, once its predecessor is open); None when that is not known yet.
    available_at: datetime | None
    # For a locked module: the number of the module to finish first (None if that is done).
    waiting_for: int | None = None

    @property
    def is_open(self) -> bool:
        return self.status != LOCKED


def compute(numbers: Sequence[int], *, enrolled_at: datetime, completed: Mapping[int, datetime],
            started: Mapping[int, datetime] | None = None, interval: timedelta,
            now: datetime) -> list[Slot]:
    """One Slot per module number (ascending).

    `completed` maps module number -> completed_at; `started` maps module number -> the time
    the patient first opened it (a started module stays open whatever the schedule says)."""
    started = started or {}
    slots: list[Slot] = []
    opens: datetime | None = enrolled_at          # when the current module opens / opened
    prev_opened: datetime | None = None
    for i, n in enumerate(sorted(numbers)):
        earliest: datetime | None = None
        if i > 0:
            prev = slots[-1]
            prev_done = completed.get(prev.number)
            if prev.is_open and prev_opened is not None and prev_done is not None:
                opens = max(prev_done, prev_opened + interval)
            else:
                opens = None   # waiting for the previous module to be completed
                if prev.is_open and prev_opened is not None:
                    earliest = prev_opened + interval
        if n in completed:
            slots.append(Slot(n, COMPLETED, _first(opens, started.get(n), completed[n])))
            prev_opened = slots[-1].available_at
            continue
        if opens is not None and opens <= now:
            slots.append(Slot(n, IN_PROGRESS if n in started else AVAILABLE, opens))
            prev_opened = opens
            continue
        if n in started:  # opened earlier under a shorter interval: keep it open
            slots.append(Slot(n, IN_PROGRESS, started[n]))
            prev_opened = started[n]
            continue
        if opens is not None:  # previous module completed; the interval has not passed yet
            slots.append(Slot(n, LOCKED, opens, waiting_for=None))
        elif i > 0:
            slots.append(Slot(n, LOCKED, earliest, waiting_for=slots[-1].number))
        else:  # module 1 before enrolment (not reachable for enrolled patients)
            slots.append(Slot(n, LOCKED, enrolled_at))
        prev_opened = None
    return slots


def _first(*times: datetime | None) -> datetime | None:
    """The earliest of the known times (when a completed module became available)."""
    known = [t for t in times if t is not None]
    return min(known) if known else None
