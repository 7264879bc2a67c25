"""Pure time arithmetic for reminders, in the patient's own time zone (IANA names, zoneinfo):
when a reminder falls due, and whether a moment is inside quiet hours. No database, no clock."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
MAX_QUIET = timedelta(hours=20)


def zone(name: str) -> ZoneInfo:
    """The ZoneInfo for an IANA name; ValueError for anything else (including paths)."""
    if not isinstance(name, str) or not name or len(name) > 64 or name not in _names():
        raise ValueError(f"{name!r} is not a known time zone")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as e:  # pragma: no cover - listed but missing
        raise ValueError(f"{name!r} is not a known time zone") from e


_NAMES: set[str] | None = None


def _names() -> set[str]:
    global _NAMES
    if _NAMES is None:
        _NAMES = available_timezones() | {"UTC"}
    return _NAMES


def parse_hhmm(value: str) -> time:
    m = HHMM.match(value or "")
    if m is None:
        raise ValueError(f"{value!r} is not a time of day like 18:30")
    return time(int(m.group(1)), int(m.group(2)))


def quiet_length(start: time, end: time) -> timedelta:
    a, b = start.hour * 60 + start.minute, end.hour * 60 + end.minute
    return timedelta(minutes=(b - a) % (24 * 60))


def in_quiet(local: time, start: time | None, end: time | None) -> bool:
    """Quiet hours [start, end), possibly across midnight (22:00-07:00)."""
    if start is None or end is None or start == end:
        return False
    t = local.replace(second=0, microsecond=0, tzinfo=None)
    if start < end:
        return start <= t < end
    return t >= start or t < end


def local_day(at: datetime, tz: ZoneInfo) -> date:
    return at.astimezone(tz).date()


def at_local(day: date, t: time, tz: ZoneInfo) -> datetime:
    """The UTC instant of wall-clock time t on day in tz. A time that does not exist (the hour
    skipped when clocks go forward) is read with the offset from before the change, i.e. it
    lands just after the jump; a repeated time means its first occurrence."""
    return datetime.combine(day, t, tzinfo=tz).astimezone(UTC)


def leave_quiet(at: datetime, tz: ZoneInfo, start: time | None, end: time | None) -> datetime:
    """`at`, or the end of the quiet hours it falls into."""
    local = at.astimezone(tz)
    if not in_quiet(local.time(), start, end):
        return at
    assert end is not None
    day = local.date() if local.time() < end else local.date() + timedelta(days=1)
    return at_local(day, end, tz)


def send_at(due: datetime, chosen: time, tz: ZoneInfo, quiet_start: time | None = None,
            quiet_end: time | None = None) -> datetime:
    """When a reminder that fell due at `due` goes out: the first chosen wall-clock time at or
    after `due`, moved to the end of quiet hours if it falls inside them."""
    day = local_day(due, tz)
    first = at_local(day, chosen, tz)
    if first < due:
        first = at_local(day + timedelta(days=1), chosen, tz)
    return leave_quiet(first, tz, quiet_start, quiet_end)


def fmt_local(at: datetime | None, tz: ZoneInfo, fmt: str = "%-d %b %Y, %H:%M") -> str:
    if at is None:
        return ""
    local = at.astimezone(tz)
    return f"{local.strftime(fmt)} {local.tzname()}"
