"""Plain words for the patient: when a module opens, and why. Pure: a module's status (from
`service.module_statuses`, computed from the real schedule), the time and the patient's time
zone in, a sentence out, in the request's language (app.i18n). No database, no clock.

    why(m, now, tz)  ->  Why(code, text, opens_at)

codes: "completed", "open" (opened on schedule), "opened_by_care_team" (a clinician opened it
early), "held" (a clinician paused it, with their message for the patient if they wrote one),
"interval" (opens on a known date, a set number of days after the module before opened),
"finish_previous" (opens when the patient finishes the module before), "soon" (not known).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Any

from app import i18n
from app.i18n import _t

COMPLETED, OPEN, OPENED_BY_CARE_TEAM, HELD = "completed", "open", "opened_by_care_team", "held"
INTERVAL, FINISH_PREVIOUS, SOON = "interval", "finish_previous", "soon"
CODES = (COMPLETED, OPEN, OPENED_BY_CARE_TEAM, HELD, INTERVAL, FINISH_PREVIOUS, SOON)


@dataclass(frozen=True)
class Why:
    code: str
    text: str
    opens_at: datetime | None   # when it opened / will open, when that is known for certain


def _local(at: datetime, tz: tzinfo | None) -> datetime:
    return at.astimezone(tz) if tz is not None and at.tzinfo is not None else at


def _day(at: datetime, now: datetime) -> str:
    """"Tuesday 9 December" (with the year when it is not this year), in the request's language."""
    return i18n.format_when(at, "%A %-d %B" if at.year == now.year else "%A %-d %B %Y")


def _after(m: Any) -> str:
    """"(7 days after module 2 opened)" without the brackets; empty if the interval is unknown."""
    days = getattr(m, "interval_days", None)
    if not days or m.number <= 1:
        return ""
    return i18n.ngettext("%(num)s day after module %(previous)s opened",
                         "%(num)s days after module %(previous)s opened", days, previous=m.number - 1)


def held_text(number: int, message: str | None) -> str:
    if message and message.strip():
        return _t("Your care team has paused module %(number)s for now: %(their_words)s", number=number,
                  their_words=message.strip())
    return _t("Your care team has paused module %(number)s for now. They will open it when the time is "
              "right, and you can ask them about it in your messages.", number=number)


def _dated(number: int, at: datetime, now: datetime, after: str) -> str:
    if at.date() == now.date():
        text = _t("Module %(number)s opens today at %(time)s", number=number, time=i18n.format_when(at, "%H:%M"))
    elif at.date() == (now + timedelta(days=1)).date():
        text = _t("Module %(number)s opens tomorrow, %(day)s", number=number, day=_day(at, now))
    else:
        text = _t("Module %(number)s opens on %(day)s", number=number, day=_day(at, now))
    return _t("%(text)s (%(after)s).", text=text, after=after) if after else _t("%(text)s.", text=text)


def _waiting(number: int, previous: int, at: datetime | None, now: datetime, after: str) -> str:
    if at is None or at <= now:
        return _t("Module %(number)s opens when you finish module %(previous)s.", number=number, previous=previous)
    if at.date() == now.date():
        return _t("Module %(number)s opens when you finish module %(previous)s, and not before %(time)s today.",
                  number=number, previous=previous, time=i18n.format_when(at, "%H:%M"))
    not_before = _day(at, now)
    if after:
        return _t("Module %(number)s opens when you finish module %(previous)s, and not before %(when)s "
                  "(%(after)s).", number=number, previous=previous, when=not_before, after=after)
    return _t("Module %(number)s opens when you finish module %(previous)s, and not before %(when)s.",
              number=number, previous=previous, when=not_before)


def why(m: Any, now: datetime, tz: tzinfo | None = None) -> Why:
    """When module `m` opens (or opened) and why, in plain words, dates in the zone `tz`."""
    at = m.available_at
    local_at, local_now = (_local(at, tz) if at else None), _local(now, tz)
    if m.status == "completed":
        day = _day(_local(m.completed_at, tz), local_now) if m.completed_at else ""
        return Why(COMPLETED, _t("You finished module %(number)s on %(day)s.", number=m.number, day=day)
                   if day else _t("You finished module %(number)s.", number=m.number), at)
    if m.status != "locked":
        if getattr(m, "opened_by_care_team", False):
            return Why(OPENED_BY_CARE_TEAM, _t("Your care team has opened module %(number)s for you.",
                                               number=m.number), at)
        if local_at is None:
            return Why(OPEN, _t("Module %(number)s is open.", number=m.number), at)
        return Why(OPEN, _t("Module %(number)s opened on %(day)s.", number=m.number,
                            day=_day(local_at, local_now)), at)
    if getattr(m, "held", False):
        return Why(HELD, held_text(m.number, getattr(m, "hold_message", None)), None)
    if m.waiting_for is not None:
        return Why(FINISH_PREVIOUS, _waiting(m.number, m.waiting_for, local_at, local_now, _after(m)), None)
    if local_at is not None:
        return Why(INTERVAL, _dated(m.number, local_at, local_now, _after(m)), at)
    return Why(SOON, _t("Module %(number)s opens soon.", number=m.number), None)


def rhythm(days: int) -> str:
    """The programme's pace for this patient, for the top of the module list."""
    if days <= 0:
        return _t("A new module opens as soon as you have finished the one before.")
    if days == 7:
        return _t("A new one opens each week, once you have finished the one before.")
    return i18n.ngettext("A new module opens %(num)s day after the one before opened, once you have finished it.",
                         "A new module opens %(num)s days after the one before opened, once you have finished it.",
                         days)


def legacy_opens(m: Any, now: datetime) -> str:
    """The older wording, in UTC: the `opens` field of the module API and the 403 `module_locked`
    detail, e.g. "Module 2 opens on Monday 9 March, once you have finished module 1."."""
    name = _t('Module %(number)s', number=m.number)
    if m.status != "locked":
        return _t('%(name)s is open.', name=name)
    if getattr(m, "held", False):
        return held_text(m.number, getattr(m, "hold_message", None))
    at = m.available_at
    when = _legacy_when(at, now) if at else None
    if m.waiting_for is None:
        return _t('%(name)s opens %(when)s.', name=name, when=when) if when else _t('%(name)s opens soon.', name=name)
    if when and at and at > now:
        return _t('%(name)s opens %(when)s, once you have finished module %(waiting_for)s.', name=name, when=when,
                  waiting_for=m.waiting_for)
    if at is not None:
        return _t('%(name)s opens as soon as you have finished module %(waiting_for)s.', name=name,
                  waiting_for=m.waiting_for)
    return _t('%(name)s opens after you have finished module %(waiting_for)s.', name=name, waiting_for=m.waiting_for)


def _legacy_when(at: datetime, now: datetime) -> str:
    if at.date() == now.date():
        return _t('later today, at %(at)s UTC', at=f"{at:%H:%M}")
    if at.date() == (now + timedelta(days=1)).date():
        return _t('tomorrow, %(at)s', at=i18n.format_when(at, "%A %-d %B"))
    return _t("on %(day)s", day=i18n.format_when(at, "%A %-d %B %Y" if at.year != now.year else "%A %-d %B"))
