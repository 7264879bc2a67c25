"""Pages: the clinician's alert inbox and one alert, with acknowledge and resolve forms."""

from __future__ import annotations

import math
import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from app import clock
from app.accounts.dependencies import PageClinician
from app.alerts import honesty, service
from app.db import SessionDep
from app.errors import InvalidInput
from app.web import redirect, render
from app.i18n import N_, _t  # noqa: F401 - interface text (app.i18n)

router = APIRouter(include_in_schema=False)

FILTERS = (("open", "Waiting"), ("acknowledged", "Acknowledged"), ("all", "All"))
NOTICES = {"acknowledged": N_("Alert acknowledged."), "resolved": N_("Alert resolved.")}


def age_words(at: datetime | None, now: datetime | None = None) -> str:
    """"12 min", "5 h", "3 days" since `at`."""
    if at is None:
        return ""
    seconds = max(0, int(((now or clock.now()) - at).total_seconds()))
    if seconds < 3600:
        return _t('%(seconds)s min', seconds=max(1, seconds // 60))
    if seconds < 2 * 86400:
        return _t('%(seconds)s h', seconds=seconds // 3600)
    return _t('%(seconds)s days', seconds=seconds // 86400)


def until_words(at: datetime | None, now: datetime | None = None) -> str:
    if at is None:
        return ""
    now = now or clock.now()
    if at <= now:
        return _t('overdue by %(now)s', now=age_words(at, now))
    return _t('due in %(at)s', at=age_words(now, at))


def _ctx(**kw):  # type: ignore[no-untyped-def]
    now = clock.now()
    return {"age": lambda at: age_words(at, now), "until": lambda at: until_words(at, now), **kw}


@router.get("/clinician/alerts")
def inbox(request: Request, session: SessionDep, clinician: PageClinician, status: str = "open",
          page: int = 1, notice: str | None = None) -> Response:
    if status not in dict(FILTERS):
        status = "open"
    page = max(1, min(page, 100000))
    counts = service.open_count_for_clinician(session, clinician.id)
    views, total = service.list_for_clinician(session, clinician.id, status, page=page)
    service.audit_inbox_view(session, clinician, status)
    # the Open list's total stops counting routine alerts at the header's cap: then the pager
    # goes on while pages are full instead of saying how many there are
    more = status == "open" and counts.more
    return render(request, "clinician/alerts.html", _ctx(
        alerts=views, total=total, total_shown=counts.total_shown if status == "open" else str(total),
        status=status, filters=FILTERS, page=page, pages=max(1, math.ceil(total / service.PAGE_SIZE)),
        more=more and len(views) == service.PAGE_SIZE, counts=counts,
        notice=NOTICES.get(notice or ""), page_title="Alerts", unrouted=honesty.unrouted(session)))


def _detail(request: Request, session: SessionDep, clinician, alert_id: uuid.UUID,  # type: ignore[no-untyped-def]
            errors: dict[str, str] | None = None, note: str = "", notice: str | None = None,
            status_code: int = 200, action: str = "") -> Response:
    view = service.get_for_clinician(session, clinician, alert_id)
    return render(request, "clinician/alert.html", _ctx(
        a=view, errors=errors or {}, note=note, notice=NOTICES.get(notice or ""), action=action,
        actions=service.ACTIONS, needs_action=view.tier in service.ACTION_TIERS,
        page_title=f"{view.tier.capitalize()} alert"), status_code=status_code)


@router.get("/clinician/alerts/{alert_id}")
def alert_page(request: Request, session: SessionDep, clinician: PageClinician, alert_id: uuid.UUID,
               notice: str | None = None) -> Response:
    return _detail(request, session, clinician, alert_id, notice=notice)


def _back(back: str, alert_id: uuid.UUID, notice: str) -> str:
    """Back to the inbox view the form came from (only that), or to the alert."""
    if back.startswith("/clinician/alerts?") or back == "/clinician/alerts":
        sep = "&" if "?" in back else "?"
        return f"{back}{sep}notice={notice}"
    return f"/clinician/alerts/{alert_id}?notice={notice}"


def _act(request: Request, session: SessionDep, clinician, alert_id: uuid.UUID, action: str,  # type: ignore[no-untyped-def]
         note: str, back: str, what: str = "") -> Response:
    try:
        if action == "acknowledge":
            service.acknowledge(session, clinician, alert_id, note, what or None)
        else:
            service.resolve(session, clinician, alert_id, note, what or None)
    except InvalidInput as e:
        # every problem at once, the form again with what was typed
        tier = service.get_for_clinician(session, clinician, alert_id).tier
        errors = service.action_problems(tier, what, note) or {e.field or "note": e.detail}
        return _detail(request, session, clinician, alert_id, errors=errors, note=note or "",
                       action=what, status_code=422)
    return redirect(_back(back, alert_id, "acknowledged" if action == "acknowledge" else "resolved"))


# Generous form limits: the service gives the friendly message for a note over NOTE_MAX.
Note = Annotated[str, Form(max_length=20_000)]
Back = Annotated[str, Form(max_length=300)]
What = Annotated[str, Form(alias="action", max_length=40)]


@router.post("/clinician/alerts/{alert_id}/acknowledge")
def acknowledge(request: Request, session: SessionDep, clinician: PageClinician, alert_id: uuid.UUID,
                note: Note = "", back: Back = "", what: What = "") -> Response:
    return _act(request, session, clinician, alert_id, "acknowledge", note, back, what)


@router.post("/clinician/alerts/{alert_id}/resolve")
def resolve(request: Request, session: SessionDep, clinician: PageClinician, alert_id: uuid.UUID,
            note: Note = "", back: Back = "", what: What = "") -> Response:
    return _act(request, session, clinician, alert_id, "resolve", note, back, what)
