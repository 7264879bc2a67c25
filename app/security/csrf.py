"""CSRF: a per-session token in every form, compared in constant time, and cross-site
`Sec-Fetch-Site` refused on unsafe methods. Before sign-in (login, register, reset) the
token lives in its own HttpOnly cookie (double submit)."""

from __future__ import annotations

import hmac
import secrets
from typing import Any

from fastapi import Request

from app.accounts.dependencies import PageUserOptional
from app.errors import Forbidden
from app.i18n import N_, _t  # noqa: F401 - interface text (app.i18n)

ANON_COOKIE = "icbt_csrf"
FIELD = "csrf_token"
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def token_for(request: Request) -> str:
    """The token to put in forms on this request's page."""
    session_token = getattr(request.state, "csrf_token", None)  # a plain string: safe after rollback
    if session_token:
        return session_token
    tok = request.cookies.get(ANON_COOKIE)
    if not tok or len(tok) > 100:
        tok = getattr(request.state, "new_anon_csrf", None) or secrets.token_urlsafe(32)
        request.state.new_anon_csrf = tok  # the middleware sets the cookie on the response
    return tok


def check(request: Request, form: Any) -> None:
    """Refuse an unsafe request sent from another site or without this session's (or, before
    sign-in, the anonymous cookie's) token; `form` is the request's parsed form (read on the
    event loop: app/trip.py runs this inside the request's trip, after the session lookup)."""
    if request.method not in UNSAFE:
        return
    if request.headers.get("sec-fetch-site") == "cross-site":
        raise Forbidden(_t('This form was sent from another site, so it was refused.'), code="csrf_failed")
    auth = getattr(request.state, "auth_session", None)
    sent = form.get(FIELD) if form is not None else None
    expected = getattr(request.state, "csrf_token", None) if auth is not None else request.cookies.get(ANON_COOKIE)
    if not isinstance(sent, str) or not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise Forbidden(_t('This form has expired. Please go back, reload the page and try again.'), code="csrf_failed")


async def csrf_protect(request: Request, _user: PageUserOptional) -> None:
    """The same as a dependency, for a page route outside app/trip.py (none today)."""
    unsafe = request.method in UNSAFE and request.headers.get("sec-fetch-site") != "cross-site"
    check(request, await request.form() if unsafe else None)


class AnonCookieMiddleware:
    """Sets the pre-sign-in CSRF cookie when a page handed out a new anonymous token."""

    def __init__(self, app, *, secure: bool) -> None:  # type: ignore[no-untyped-def]
        self.app = app
        self.secure = secure

    async def __call__(self, scope, receive, send):  # type: ignore[no-untyped-def]
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_wrapper(message):  # type: ignore[no-untyped-def]
            if message["type"] == "http.response.start":
                state = scope.get("state") or {}
                tok = state.get("new_anon_csrf")
                if tok:
                    cookie = f"{ANON_COOKIE}={tok}; Path=/; HttpOnly; SameSite=Lax; Max-Age=7200"
                    if self.secure:
                        cookie += "; Secure"
                    message.setdefault("headers", []).append((b"set-cookie", cookie.encode()))
            await send(message)

        await self.app(scope, receive, send_wrapper)
