"""Sets the request's language before any route runs (app.i18n.negotiate, without the account:
the page dependency adds the account's own choice once it knows who is signed in).

`?lang=es` on any URL chooses a language for a signed-out visitor: it is kept in the `lang`
cookie (a year; not a tracking cookie, it holds only the language code)."""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app import i18n

ONE_YEAR = 365 * 24 * 3600


class LocaleMiddleware:
    def __init__(self, app: ASGIApp, secure: bool = False) -> None:
        self.app = app
        self.secure = secure

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        conn = HTTPConnection(scope)
        chosen = i18n.pick(conn.query_params.get("lang"))
        code = i18n.negotiate(None, chosen or conn.cookies.get(i18n.COOKIE),
                              conn.headers.get("accept-language"))
        scope.setdefault("state", {})["locale"] = code
        token = i18n.start_request(code)

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start" and chosen:
                headers = MutableHeaders(scope=message)
                cookie = f"{i18n.COOKIE}={chosen}; Max-Age={ONE_YEAR}; Path=/; SameSite=Lax"
                headers.append("set-cookie", cookie + ("; Secure" if self.secure else ""))
            await send(message)

        try:
            await self.app(scope, receive, send_with_cookie)
        finally:
            i18n._current.reset(token)
