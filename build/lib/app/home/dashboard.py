"""The patient's home: one clear next step, this week's module, diary streak, latest check-in,
when the next check-in is due, and any alert in plain words.

Each part comes from its domain's service; a domain that is not installed is skipped (only the
import is guarded, so a real error inside a service still shows)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from importlib import import_module
from types import ModuleType
from typing import Any

from sqlalchemy.orm import Session

from app import clock
from app.accounts import service as accounts
from app.accounts.models import User

BAND_WORDS = {"minimal": "the minimal range", "mild": "the mild range", "moderate": "the moderate range",
              "moderately_severe": "the moderately severe range", "severe": "the severe range"}


@dataclass(frozen=True)
class NextStep:
    title: str
    text: str
    href: str
    label: str


def _service(name: str) -> ModuleType | None:
    try:
        return import_module(f"app.{name}.service")
    except (ModuleNotFoundError, AttributeError) as e:
        if isinstance(e, ModuleNotFoundError) and e.name not in (f"app.{name}", f"app.{name}.service"):
            raise
        return None


def _day(at: datetime, now: datetime) -> str:
    if at.date() == now.date():
        return "today"
    if (now.date() - at.date()).days == 1:
        return "yesterday"
    if (at.date() - now.date()).days == 1:
        return "tomorrow"
    return f"{at:%A %-d %B}" if abs((at.date() - now.date()).days) < 180 else f"{at:%-d %B %Y}"


def patient_home(session: Session, user: User) -> dict[str, Any]:
    now = clock.now()
    ctx: dict[str, Any] = {"display_name": accounts.display_name_of(session, user), "now": now}
    steps: list[NextStep] = []

    assessments = _service("assessments")
    if assessments is not None:
        latest = assessments.latest(session, user.id, "phq9")
        due = assessments.next_due(session, user)
        ctx["checkin"] = {
            "latest": latest, "latest_day": _day(latest.taken_at, now) if latest else None,
            "band": BAND_WORDS.get(latest.severity or "") if latest else None,
            "due_at": due, "due_day": _day(due, now), "is_due": due <= now}
        if due <= now:
            steps.append(NextStep(
                "Your weekly check-in", "Nine short questions about how you have been feeling. "
                "It takes about two minutes.", "/checkins/phq9?next=/", "Do my check-in"))

    programme = _service("programme")
    if programme is not None:
        summary = programme.progress_summary(session, user)
        current = summary.current
        ctx["programme"] = summary
        ctx["current_href"] = current.resume_href if current else None
        ctx["next_opens"] = summary.next_locked.opens_text(now) if summary.next_locked else None
        if current is not None:
            if current.status == "in_progress":
                steps.append(NextStep(f"Carry on with module {current.number}", current.title,
                                      ctx["current_href"], "Carry on where I left off"))
            else:
                steps.append(NextStep(f"Start module {current.number}", current.title,
                                      ctx["current_href"], f"Start module {current.number}"))

    diary = _service("diary")
    if diary is not None:
        last = diary.last_entry_at(session, user.id)
        ctx["diary"] = {"streak": diary.streak(session, user.id), "last_day": _day(last, now) if last else None}
        steps.append(NextStep("Your mood diary", "A quick note of how you are feeling today, "
                              "and what you have been doing.", "/diary", "Write in my diary"))

    alerts = _service("alerts")
    if alerts is not None and hasattr(alerts, "patient_alert_status"):
        ctx["alerts"] = alerts.patient_alert_status(session, user.id)

    ctx["next_step"] = steps[0] if steps else None
    return ctx
