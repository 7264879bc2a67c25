"""Text that is safe to store and show (security item 34), in one place.

Every text field refuses NUL and the other control characters (tab, line feed and carriage
return aside); names and e-mail addresses also refuse the bidirectional override and isolate
characters (U+202A-U+202E, U+2066-U+2069), which can make a name in the clinician's inbox read
as someone else's.

Used three ways: the `SafeText` / `SafeName` types in Pydantic schemas, `text_problem()` in
services and forms, and `TextGuard`, a middleware that applies the same rule to every JSON and
form field of every request before a route sees it (so a route that forgets still refuses).
"""

from __future__ import annotations

import json
import re
from typing import Annotated, Any
from urllib.parse import parse_qsl

from pydantic import AfterValidator

from app.i18n import N_, _t

CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
BIDI = re.compile(r"[\u202a-\u202e\u2066-\u2069]")
NAME_FIELDS = re.compile(r"(^|_)(name|email|username)$")

CONTROL_MESSAGE = N_("This contains a control character (such as NUL) that cannot be stored. Please remove it.")
BIDI_MESSAGE = N_("This contains a text-direction override character, which names cannot contain. Please remove it.")


def text_problem(value: str, *, name: bool = False) -> str | None:
    """A sentence saying what is wrong with `value`, or None if it may be stored."""
    if CONTROL.search(value):
        return _t(CONTROL_MESSAGE)
    if name and BIDI.search(value):
        return _t(BIDI_MESSAGE)
    return None


def is_name_field(field: str) -> bool:
    return NAME_FIELDS.search(field) is not None


def _check(name: bool):  # type: ignore[no-untyped-def]
    def check(v: Any) -> Any:
        if isinstance(v, str):
            problem = text_problem(v, name=name)
            if problem:
                raise ValueError(problem)
        return v
    return check


SafeText = Annotated[str, AfterValidator(_check(False))]
SafeName = Annotated[str, AfterValidator(_check(True))]


def _walk(value: Any, loc: list[str | int]) -> tuple[list[str | int], str] | None:
    if isinstance(value, str):
        field = next((str(p) for p in reversed(loc) if isinstance(p, str)), "")
        problem = text_problem(value, name=is_name_field(field))
        return (loc, problem) if problem else None
    if isinstance(value, dict):
        for k, v in value.items():
            if isinstance(k, str) and text_problem(k):
                return (loc + [k], _t(CONTROL_MESSAGE))
            found = _walk(v, loc + [k])
            if found:
                return found
    if isinstance(value, list):
        for i, v in enumerate(value):
            found = _walk(v, loc + [i])
            if found:
                return found
    return None


def body_problem(content_type: str, body: bytes) -> tuple[list[str | int], str] | None:
    """(location, message) of the first unsafe field of a JSON or form body, or None."""
    ctype = content_type.split(";")[0].strip().lower()
    try:
        if ctype == "application/json" or ctype.endswith("+json"):
            return _walk(json.loads(body), [])
        if ctype == "application/x-www-form-urlencoded":
            for k, v in parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True):
                found = _walk(v, [k])
                if found:
                    return found
    except ValueError:
        return None  # malformed bodies are the route's to refuse
    return None


class TextGuard:
    """Refuse, with 422 naming the field, any request whose JSON or form fields break the rule."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope.get("method") in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        ctype = headers.get(b"content-type", b"").decode("latin-1")
        if "json" not in ctype and "x-www-form-urlencoded" not in ctype:
            await self.app(scope, receive, send)
            return
        chunks, more = [], True  # BodyLimit, outside this, has already bounded the size
        while more:
            message = await receive()
            if message["type"] != "http.request":
                return
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        body = b"".join(chunks)
        found = body_problem(ctype, body)
        if found is None:
            sent = False

            async def replay() -> dict:
                nonlocal sent
                if not sent:
                    sent = True
                    return {"type": "http.request", "body": body, "more_body": False}
                return await receive()

            await self.app(scope, replay, send)
            return
        loc, msg = found
        field = ".".join(str(p) for p in loc)
        path = scope.get("path", "")
        if path.startswith("/api/"):
            out = json.dumps({"error": "validation_error",
                              "detail": [{"loc": ["body", *loc], "msg": msg, "type": "value_error"}]}).encode()
            ctype_out = b"application/json"
        else:
            from html import escape

            from app import i18n
            title, code = _t("Please check what you typed"), i18n.current()
            kept, help_now = _t("Nothing was saved. Go back to change it; what you typed is still there."), _t("Get help now")
            out = (f"<!doctype html><html lang=\"{i18n.html_lang(code)}\" dir=\"{i18n.direction(code)}\"><head>"
                   f"<meta charset=\"utf-8\"><title>{title}</title></head><body><main><h1>{title}</h1>"
                   f"<p>{escape(field.replace('_', ' '))}: {escape(msg)}</p><p>{kept}</p>"
                   f"<p><a href=\"/help\">{help_now}</a></p></main></body></html>").encode()
            ctype_out = b"text/html; charset=utf-8"
        await send({"type": "http.response.start", "status": 422,
                    "headers": [(b"content-type", ctype_out), (b"content-length", str(len(out)).encode())]})
        await send({"type": "http.response.body", "body": out})
