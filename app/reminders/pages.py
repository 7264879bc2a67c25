"""The reminders section of the account page (its form posts here) and the unsubscribe page
that works without signing in."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import Response

from app.accounts.dependencies import PagePatient
from app.db import SessionDep
from app.errors import InvalidInput
from app.reminders import service
from app.reminders.schemas import QuietHours, RemindersIn
from app.web import flash_url, redirect, render
from app.i18n import N_, _t  # noqa: F401 - interface text (app.i18n)

router = APIRouter(include_in_schema=False)

H5 = Annotated[str, Form(max_length=5)]


def account_context(session: SessionDep, patient_id, form: dict | None = None,  # type: ignore[no-untyped-def]
                    errors: dict | None = None) -> dict:
    """What templates/reminders/_account.html needs (the account page includes it)."""
    p = service.prefs_of(session, patient_id)
    values = form or {"time_zone": p.time_zone, "remind_at": p.remind_at or "", "checkin": p.checkin,
                      "module_open": p.module_open, "diary_at": p.diary_at or "", "messages": p.messages,
                      "reengage": p.reengage, "weekly_summary": p.weekly_summary,
                      "quiet_start": p.quiet_start or "", "quiet_end": p.quiet_end or ""}
    from app.reminders import push
    return {"reminder_form": values, "reminder_errors": errors or {}, "push_key": push.public_key(),
            "push_count": push.count_for(session, patient_id), "channel": p.channel,
            "reminders_sent": service.recent(session, patient_id),
            "state_words": service.STATE_WORDS, "common_zones": COMMON_ZONES}


COMMON_ZONES = ["Europe/London", "Europe/Dublin", "Europe/Paris", "Europe/Berlin", "UTC",
                "America/New_York", "America/Chicago", "America/Los_Angeles", "Asia/Kolkata",
                "Australia/Sydney"]


@router.post("/account/reminders")
def save_reminders(request: Request, session: SessionDep, patient: PagePatient,
                   time_zone: Annotated[str, Form(max_length=64)] = "", remind_at: H5 = "",
                   diary_at: H5 = "", quiet_start: H5 = "", quiet_end: H5 = "",
                   checkin: Annotated[str, Form(max_length=3)] = "", module_open: Annotated[str, Form(max_length=3)] = "",
                   messages: Annotated[str, Form(max_length=3)] = "", reengage: Annotated[str, Form(max_length=3)] = "",
                   weekly_summary: Annotated[str, Form(max_length=3)] = "") -> Response:
    form = {"time_zone": time_zone.strip(), "remind_at": remind_at, "diary_at": diary_at,
            "quiet_start": quiet_start, "quiet_end": quiet_end, "checkin": bool(checkin),
            "module_open": bool(module_open), "messages": bool(messages), "reengage": bool(reengage),
            "weekly_summary": bool(weekly_summary)}
    errors: dict[str, str] = {}
    if bool(quiet_start) != bool(quiet_end):
        errors["quiet_start" if not quiet_start else "quiet_end"] = _t('Give both the start and the end, or neither.')
    else:
        data = RemindersIn(time_zone=form["time_zone"], remind_at=remind_at or None,
                           diary_at=diary_at or "off", checkin=form["checkin"], module_open=form["module_open"],
                           messages=form["messages"], reengage=form["reengage"],
                           weekly_summary=form["weekly_summary"],
                           quiet_hours=QuietHours(start=quiet_start, end=quiet_end) if quiet_start else None)
        try:
            service.update_prefs(session, patient.id, data, clear_quiet=not quiet_start)
        except InvalidInput as e:
            field = (e.field or "time_zone").replace("quiet_hours.start", "quiet_start") \
                .replace("quiet_hours.end", "quiet_end").replace("quiet_hours", "quiet_start")
            errors[field] = e.detail
    if errors:
        from app.accounts.pages import _account_page
        return _account_page(request, session, patient, {}, None, status_code=422,
                             extra=account_context(session, patient.id, form, errors))
    return redirect(flash_url("/account", "reminders-saved") + "#reminders")


@router.get("/unsubscribe/{token}")
def unsubscribe_page(request: Request, session: SessionDep, token: Annotated[str, Path(max_length=200)]) -> Response:
    found = service.read_token(token)
    if found is None:
        return render(request, "reminders/unsubscribe.html", {"valid": False}, status_code=404)
    return render(request, "reminders/unsubscribe.html",
                  {"valid": True, "token": token, "what": service.PREF_WORDS[found[1]], "done": False})


@router.post("/unsubscribe/{token}")
def unsubscribe_confirm(request: Request, session: SessionDep, token: Annotated[str, Path(max_length=200)]) -> Response:
    found = service.read_token(token)
    if found is None or not service.unsubscribe(session, *found):
        return render(request, "reminders/unsubscribe.html", {"valid": False}, status_code=404)
    return render(request, "reminders/unsubscribe.html",
                  {"valid": True, "token": token, "what": service.PREF_WORDS[found[1]], "done": True})


@router.post("/account/push")
def save_push(request: Request, session: SessionDep, patient: PagePatient,
              endpoint: Annotated[str, Form(max_length=1000)] = "", p256dh: Annotated[str, Form(max_length=200)] = "",
              auth: Annotated[str, Form(max_length=64)] = "") -> Response:
    """static/push.js posts the browser's subscription here (with the page's CSRF token) and
    switches reminders to push; e-mail stays the fallback."""
    from app.reminders import push
    if not endpoint or len(p256dh) < 20 or len(auth) < 8:
        raise InvalidInput(_t('The browser did not give a complete push subscription.'), field="endpoint")
    push.subscribe(session, patient.id, endpoint, p256dh, auth)
    service.update_prefs(session, patient.id, RemindersIn(channel="push"))
    return redirect(flash_url("/account", "reminders-saved") + "#reminders")
