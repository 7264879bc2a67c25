""""I am not safe right now" never fails silently (security.md item 33).

When the not-safe form arrives with an expired session or form token, the app's error handler
calls `handle` instead of showing "This form has expired":

- the session still identifies a patient (only the form token is stale, same site): the
  emergency is raised at once, exactly as if the form had been fresh;
- otherwise (signed out, or sent from another site): the crisis resources are shown at once on
  the same page with a sign-in form; signing in with it raises the emergency with no further
  click (POST /login with `not_safe=<source>`).
"""

from __future__ import annotations

import logging

from fastapi import Request
from fastapi.responses import Response

from app.errors import AppError, Forbidden, NotAuthenticated
from app.i18n import N_, _t  # noqa: F401 - interface text (app.i18n)

log = logging.getLogger("icbt.safety")

PATHS = {"/not-safe": None, "/checkins/not-safe": "checkin", "/diary/not-safe": "diary"}
SOURCES = ("checkin", "diary")


def applies(request: Request, exc: AppError) -> bool:
    if request.method != "POST" or request.url.path not in PATHS:
        return False
    return isinstance(exc, NotAuthenticated) or (isinstance(exc, Forbidden) and exc.code == "csrf_failed")


async def _source(request: Request) -> str:
    fixed = PATHS.get(request.url.path)
    if fixed:
        return fixed
    try:
        sent = (await request.form()).get("source")
    except Exception:  # a body we cannot read still gets the crisis page
        sent = None
    return sent if sent in SOURCES else "checkin"


async def handle(request: Request, exc: AppError) -> Response:
    from app.accounts.models import Role
    from app.web import redirect

    source = await _source(request)
    user = getattr(request.state, "user", None)
    cross_site = request.headers.get("sec-fetch-site") == "cross-site"
    if user is not None and getattr(user, "role", None) == Role.patient and not cross_site:
        if raise_for(user.id, source):
            return redirect(f"/not-safe?told=1&source={source}")
    # the sign-in page, in its "not safe" form: the crisis lines first, then sign in (which raises it)
    return redirect(f"/login?not_safe={source}")


def signin_page(request: Request, source: str) -> Response:
    from app.escalation import service as escalation
    from app.web import render
    return render(request, "patient/not_safe_signin.html", {
        "pathway": escalation.pathway_out("emergency"), "source": source if source in SOURCES else "checkin",
        "page_title": _t('Get help now')})


def raise_for(patient_id, source: str) -> bool:  # type: ignore[no-untyped-def]
    """Raise the emergency in its own transaction. False (and logged) if that failed."""
    from app.accounts import service as accounts
    from app.db import get_db
    from app.monitoring import service as monitoring

    try:
        with get_db().session() as s:
            patient = accounts.get_user(s, patient_id)
            if patient is None:
                return False
            monitoring.report_not_safe(s, patient, source)
            s.commit()
        return True
    except Exception:
        log.exception("EMERGENCY not-safe report (expired form) could not be recorded")
        return False
