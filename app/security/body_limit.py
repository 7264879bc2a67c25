"""Request body limit (security item 28), as a pure ASGI middleware in front of everything.

A declared Content-Length over the limit is refused at once, without reading a byte of the
body. A body without one (chunked) is read here up to the limit and refused as soon as it
goes over; only a body within the limit is passed on to the app. Either way the worker holds
at most `limit` bytes of a request body. The answer is 413 with the usual error shape.
"""

from __future__ import annotations

import json
from typing import Any

from app.errors import AppError


class PayloadTooLarge(AppError):
    status_code, code, title = 413, "payload_too_large", "That request is too large."


def _too_large(limit: int, path: str) -> tuple[bytes, bytes]:
    from app import i18n
    _t = i18n.gettext
    detail = _t("That request is too large: the limit is %(limit)s bytes.", limit=i18n.format_number(limit))
    if path.startswith("/api/") or path in ("/healthz", "/openapi.json"):
        return b"application/json", json.dumps(PayloadTooLarge(detail).body()).encode()
    lang = i18n.html_lang(i18n.current())
    title, heading = _t("Too large"), _t("That was too much to send at once")
    advice, help_now = _t("Please go back and send less, or split it into parts."), _t("Get help now")
    html = (f"<!doctype html><html lang=\"{lang}\" dir=\"{i18n.direction(i18n.current())}\"><head><meta charset=\"utf-8\">"
            f"<title>{title}</title></head><body><main><h1>{heading}</h1><p>{detail} {advice}</p>"
            f"<p><a href=\"/help\">{help_now}</a></p></main></body></html>")
    return b"text/html; charset=utf-8", html.encode()


class BodyLimit:
    def __init__(self, app: Any, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def _refuse(self, scope: dict, send: Any) -> None:
        ctype, body = _too_large(self.max_bytes, scope.get("path", ""))
        await send({"type": "http.response.start", "status": 413, "headers": [
            (b"content-type", ctype), (b"content-length", str(len(body)).encode()), (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None:
            try:
                size = int(declared)
            except ValueError:
                size = self.max_bytes + 1
            if size > self.max_bytes:
                await self._refuse(scope, send)
                return
            await self.app(scope, receive, send)  # the server never delivers more than declared
            return
        if scope.get("method") in ("GET", "HEAD", "OPTIONS") and b"transfer-encoding" not in headers:
            await self.app(scope, receive, send)
            return
        # No length given: read it here, within the limit, then replay it to the app.
        chunks: list[bytes] = []
        total = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return
            chunk = message.get("body", b"")
            total += len(chunk)
            if total > self.max_bytes:
                await self._refuse(scope, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay() -> dict:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)
