"""Security headers on every response (security.md item 13), as a pure ASGI middleware."""

from __future__ import annotations

from typing import Any

CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
       "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")
# The OpenAPI page (Swagger UI, served from our own static files) needs its inline start-up script.
DOCS_CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
            "script-src 'self' 'unsafe-inline'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'")


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
                    (b"content-security-policy", (DOCS_CSP if path == "/docs" else CSP).encode()),
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
