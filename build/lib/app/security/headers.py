"""Security headers on every response (security.md item 13), as a pure ASGI middleware."""

from __future__ import annotations

from typing import Any

import base64
import hashlib
import re

CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
       "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")


def csp_allowing_inline_scripts(html: str) -> str:
    """The CSP for a page whose own inline <script> blocks must run (the OpenAPI page, Swagger
    UI from our own static files): each block is allowed by its SHA-256, nothing else inline."""
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(m.encode()).digest()).decode() + "'"
        for m in re.findall(r"<script>(.*?)</script>", html, flags=re.S))
    return (f"default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self' {hashes}; "
            "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")


class SecurityHeaders:
    def __init__(self, app: Any, *, https: bool) -> None:
        self.app = app
        self.https = https

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")

        async def send_wrapper(message: dict) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {k.lower() for k, _ in headers}
                add = [
                    (b"content-security-policy", CSP.encode()),  # a route may send its own
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"no-referrer"),
                    (b"x-frame-options", b"DENY"),
                    (b"cross-origin-opener-policy", b"same-origin"),
                    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
                ]
                if not path.startswith("/static/") and b"cache-control" not in names:
                    add.append((b"cache-control", b"no-store"))
                if self.https:
                    add.append((b"strict-transport-security", b"max-age=63072000; includeSubDomains"))
                message["headers"] = headers + [h for h in add if h[0] not in names]
            await send(message)

        await self.app(scope, receive, send_wrapper)
