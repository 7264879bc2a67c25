"""The patient's home: one clear next step, this week's module, diary streak, latest check-in,
when the next check-in is due, and any alert in plain words.

Each part comes from its domain's service; a domain that is not installed is skipped (only the
import is guarded, so a real error inside a service still shows)."""

from __future__ import annotations

from datetime import datetime, timedelta
from importlib import import_module
from types import ModuleType
from typing import Any

from sqlalchemy.orm import Session

from app import clock
from app.accounts import service as accounts
from app.accounts.models import User
from app import i18n
from app.home import next_step
from app.i18n import N_, _t  # noqa: F401 - interface text (app.i18n)

BAND_WORDS = {"minimal": N_("the minimal range"), "mild": N_("the mild range"),
              "moderate": N_("the moderate range"), "moderately_severe": N_("the moderately severe range"),
              "severe": N_("the severe range")}


def _service(name: str) -> ModuleType | None:
    try:
        return import_module(f"app.{name}.service")
    except (ModuleNotFoundError, AttributeError) as e:
        if isinstance(e, ModuleNotFoundError) and e.name not in (f"app.{name}", f"app.{name}.service"):
            raise
        return None


def _day(at: datetime, now: datetime, tz: Any = None) -> str:
    """"today", "yesterday", "tomorrow" or the date, in the patient's time zone and language."""
    if tz is not None:
        at, now = at.astimezone(tz), now.astimezone(tz)
    if at.date() == now.date():
        return _t("today")
    if (now.date() - at.date()).days == 1:
        return _t("yesterday")
    if (at.date() - now.date()).days == 1:
        return _t("tomorrow")
    fmt = "%A %-d %B" if abs((at.date() - now.date()).days) < 180 else "%-d %B %Y"
    return _t("on %(day)s", day=i18n.format_when(at, fmt))


RISK_TIERS = ("urgent", "emergency")
WORRY_MODULE = "solving-problems"        # holds the worry-time exercise
ACTIVITY_MODULE = "doing-what-matters"   # holds the activity schedule


def _zone(session: Session, user: User) -> Any:
    reminders = _service("reminders")
    return reminders.zone_of(session, user.id) if reminders is not None else None
_DUE_PART = {"phq9": N_("nine questions about your mood (PHQ-9)"),
             "gad7": N_("seven about worry and anxiety (GAD-7)")}


def _due_words(remaining: tuple[str, ...]) -> str:
    """Which parts of the weekly check-in are due, in plain words."""
    parts = [_t(_DUE_PART[i]) for i in remaining if i in _DUE_PART] or [_t(v) for v in _DUE_PART.values()]
    return _t("Due now: %(parts)s. It takes about %(minutes)s minutes.", parts=_t(", then ").join(parts),
              minutes=2 * len(parts))


def patient_home(session: Session, user: User) -> dict[str, Any]:
    """Everything the home page shows. Each domain is read once (issue 18): the check-ins'
    newest rows (assessments.overview), the statuses of every module (progress_summary's
    `.modules`), the diary's streak window (diary.glance), the care team's last message."""
    now = clock.now()
    tz = _zone(session, user)
    ctx: dict[str, Any] = {"display_name": accounts.display_name_of(session, user), "now": now}
    facts: dict[str, Any] = {"now": now, "enrolled_at": user.enrolled_at, "diary_available": False}
    active: list[datetime] = []

    assessments = _service("assessments")
    if assessments is not None:
        seen = assessments.overview(session, user, now)
        latest, gad7, weekly = seen.latest["phq9"], seen.latest["gad7"], seen.due
        due = weekly.next_due
        ctx["checkin"] = {"instruments": weekly.instruments, "remaining": weekly.remaining,
            "latest": latest, "latest_day": _day(latest.taken_at, now, tz) if latest else None,
            "band": _t(BAND_WORDS[latest.severity]) if latest and latest.severity in BAND_WORDS else None,
            "due_at": due, "due_day": _day(due, now, tz), "is_due": due <= now}
        facts.update(checkin_due=due <= now, checkin_text=_due_words(weekly.remaining),
                     phq9=latest.total if latest else None, gad7=gad7.total if gad7 else None)
        active += [a.taken_at for a in (latest, gad7) if a is not None]

    programme = _service("programme")
    if programme is not None:
        summary = programme.progress_summary(session, user)
        current = summary.current
        ctx["programme"] = summary
        ctx["current_href"] = current.resume_href if current else None
        from app.programme import words  # when the next module opens, and why (pure)
        ctx["next_opens"] = words.why(summary.next_locked, now, tz).text if summary.next_locked else None
        ctx["current_why"] = words.why(current, now, tz).text if current and current.opened_by_care_team else None
        if current is not None:
            facts["module"] = next_step.Module(current.number, current.title, ctx["current_href"],
                                               current.status == "in_progress")
        open_slugs = {m.slug for m in summary.modules if m.status != "locked"}
        facts["worry_time_open"] = WORRY_MODULE in open_slugs
        facts["activity_task_open"] = ACTIVITY_MODULE in open_slugs
        last_lesson = programme.last_activity_at(session, user.id)
        if last_lesson is not None:
            active.append(last_lesson)

    diary = _service("diary")
    if diary is not None:
        glance = diary.glance(session, user.id, since=now - timedelta(days=7))
        last = glance.last_entry_at
        ctx["diary"] = {"streak": glance.streak, "last_day": _day(last, now, tz) if last else None}
        facts.update(diary_available=True, moods_7d=glance.moods, activities_7d=glance.with_activities)
        if last is not None:
            active.append(last)

    alerts = _service("alerts")
    if alerts is not None and hasattr(alerts, "patient_alert_status"):
        ctx["alerts"] = alerts.patient_alert_status(session, user.id)
        facts["risk_alert_unacknowledged"] = any(
            a.state != "seen" and a.tier in RISK_TIERS for a in ctx["alerts"])  # told or unreachable

    if _service("safety") is not None:   # who wrote the safety plan, from its versions (app.safety.history)
        from app.safety import history
        ctx["safety_plan"] = history.authorship(session, user)

    from app.messages import service as messages   # the latest message from the care team (issue 15)
    ctx["care_team_message"] = message = messages.latest_from_care_team(session, user.id)
    facts["care_team_message"] = _care_team_message(message)
    facts["last_active_at"] = max(active) if active else None
    ctx["next_step"] = next_step.choose(next_step.Facts(**facts))
    return ctx


def _care_team_message(m: Any) -> next_step.CareTeamMessage | None:
    """The next step's view of the care team's latest message (app.messages), if any."""
    if m is None:
        return None
    return next_step.CareTeamMessage(sent_at=getattr(m, "sent_at"), read=getattr(m, "read_at", None) is not None)
