"""Which reminders are due for one patient now, in their time zone and outside their quiet
hours (called by the monitor's schedule for each patient whose turn has come, under that
patient's lock). Pure decisions in `decide`; `run_for_patient` gathers the facts and sends
through `monitoring.service.send_reminder` (once per kind and key).

- check-in: at the chosen time (`remind_at`) on or after the day it fell due;
- new module: at the chosen time on or after the day it opened (within a week);
- diary nudge: at `diary_at` each local day without a diary entry yet (not later than
  DIARY_LATEST after it: a nudge at midnight helps no one);
- re-engagement: 7 days without any activity, one kind note per period away, at the chosen time.
Nothing is sent inside quiet hours: it waits for their end. Safety messages never come here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from app.reminders import timing
from app.reminders.service import Prefs

DIARY_LATEST = timedelta(hours=3)
REENGAGE_AFTER = timedelta(days=7)
#: ...and only when no other reminder went out this long before (a check-in reminder is a nudge too).
REENGAGE_QUIET_AFTER_OTHERS = timedelta(days=3)


@dataclass(frozen=True)
class Due:
    kind: str        # monitoring.service.REMINDER_TEXT key
    key: str         # once per (kind, key)
    at: datetime     # when it goes out (UTC)
    until: datetime | None = None  # not after this (None: whenever it can)


def _at(prefs: Prefs, due: datetime) -> datetime:
    qs, qe = prefs.quiet
    if prefs.remind_at is None:
        return timing.leave_quiet(due, prefs.zone, qs, qe)
    return timing.send_at(due, timing.parse_hhmm(prefs.remind_at), prefs.zone, qs, qe)


def checkin(prefs: Prefs, due: datetime) -> Due | None:
    if not prefs.wants("checkin"):
        return None
    return Due("checkin_due", due.isoformat(), _at(prefs, due))


def module_opened(prefs: Prefs, slug: str, opened: datetime) -> Due | None:
    if not prefs.wants("module_open"):
        return None
    return Due("module_opened", slug, _at(prefs, opened))


def diary(prefs: Prefs, now: datetime, last_entry: datetime | None) -> Due | None:
    """Today's nudge (local day), unless there is already an entry today; or tomorrow's."""
    if prefs.diary_at is None:
        return None
    tz, t = prefs.zone, timing.parse_hhmm(prefs.diary_at)
    today = timing.local_day(now, tz)
    day: date = today
    if last_entry is not None and timing.local_day(last_entry, tz) >= today:
        day = today + timedelta(days=1)
    at = timing.at_local(day, t, tz)
    if now > at + DIARY_LATEST:
        day = day + timedelta(days=1)
        at = timing.at_local(day, t, tz)
    qs, qe = prefs.quiet
    return Due("diary", day.isoformat(), timing.leave_quiet(at, tz, qs, qe), at + DIARY_LATEST)


def reengage(prefs: Prefs, last_activity: datetime) -> Due | None:
    if not prefs.wants("reengage"):
        return None
    return Due("reengage", last_activity.isoformat(), _at(prefs, last_activity + REENGAGE_AFTER))


SUMMARY_DAY = 6          # Sunday (Monday = 0), local
SUMMARY_DEFAULT_TIME = "18:00"


def weekly_summary(prefs: Prefs, now: datetime) -> Due | None:
    """Once a week, on the patient's Sunday at their chosen time (18:00 if none), if switched on."""
    if not prefs.weekly_summary:
        return None
    tz = prefs.zone
    today = timing.local_day(now, tz)
    sunday = today + timedelta(days=(SUMMARY_DAY - today.weekday()) % 7)
    at = timing.at_local(sunday, timing.parse_hhmm(prefs.remind_at or SUMMARY_DEFAULT_TIME), tz)
    qs, qe = prefs.quiet
    iso = sunday.isocalendar()
    return Due("weekly_summary", f"{iso.year}-W{iso.week:02d}", timing.leave_quiet(at, tz, qs, qe),
               at + timedelta(hours=20))


def split(prefs: Prefs, items: Iterable[Due | None], now: datetime) -> tuple[list[Due], datetime | None]:
    """(reminders to send now, when the next one falls due). Quiet hours are checked again
    at `now`, in case the job runs late into them."""
    qs, qe = prefs.quiet
    quiet_now = timing.in_quiet(now.astimezone(prefs.zone).time(), qs, qe)
    send, wake = [], None
    for d in items:
        if d is None or (d.until is not None and now > d.until):
            continue
        if d.at <= now and not quiet_now:
            send.append(d)
        else:
            at = d.at if d.at > now else timing.leave_quiet(now, prefs.zone, qs, qe)
            wake = at if wake is None else min(wake, at)
    return send, wake
