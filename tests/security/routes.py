"""Shared by the security tests: every route of the app, and how to call it."""

from __future__ import annotations

import re
import uuid
from typing import Any

from fastapi import FastAPI
from fastapi.params import Form
from fastapi.routing import APIRoute
from starlette.routing import Mount

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
# Served by FastAPI/Swagger UI itself, outside any domain; checked as PUBLIC by the matrix test.
PUBLIC_BUILTIN = {("GET", "/openapi.json"), ("GET", "/docs"), ("GET", "/docs/oauth2-redirect")}
SKIPPED_MOUNTS = ("/static",)  # static files (and /static/swagger): no data, no auth
PARAM = re.compile(r"\{(\w+)(?::\w+)?\}")


def _flat(app: FastAPI) -> list[Any]:
    """Every route with its full path. FastAPI >= 0.16x keeps included routers lazily in
    app.routes; iter_route_contexts() resolves them (older versions list plain routes)."""
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:  # pragma: no cover - older FastAPI
        return list(app.routes)
    return list(iter_route_contexts(app.routes))


def _original(r: Any) -> Any:
    return getattr(r, "original_route", r)


def app_routes(app: FastAPI) -> tuple[set[tuple[str, str]], list[str]]:
    """((method, path) for every route, problems): a mount or a route kind the matrix cannot
    check is a problem, so nothing escapes the matrix unseen."""
    found: set[tuple[str, str]] = set()
    problems: list[str] = []
    for r in _flat(app):
        if isinstance(_original(r), Mount):
            r = _original(r)
        if isinstance(r, Mount):
            if not r.path.startswith(SKIPPED_MOUNTS):
                problems.append(f"mount {r.path!r} is not covered by the route matrix")
            continue
        methods = getattr(r, "methods", None)
        if not methods:
            problems.append(f"route {getattr(r, 'path', r)!r} ({type(r).__name__}) has no HTTP methods to check")
            continue
        for m in methods - {"HEAD", "OPTIONS"}:
            found.add((m, r.path))
    return found, problems


def is_api(path: str) -> bool:
    return path.startswith("/api/")


def find_route(app: FastAPI, method: str, path: str) -> APIRoute | None:
    """The APIRoute behind (method, full path), for inspecting its parameters."""
    for r in _flat(app):
        if r.path == path and method in (r.methods or ()) and isinstance(_original(r), APIRoute):
            return _original(r)
    return None


def takes_form(route: APIRoute | None) -> bool:
    """True if the route reads its body as form fields (pages, the OAuth2 token endpoint)."""
    if route is None:
        return False
    stack, fields = [route.dependant], []
    while stack:
        d = stack.pop()
        fields += d.body_params
        stack += d.dependencies
    return any(isinstance(f.field_info, Form) for f in fields)


def fill(path: str, params: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """Put `params` into the path; the ones the path does not name become the query string."""
    used: set[str] = set()

    def sub(m: re.Match[str]) -> str:
        name = m.group(1)
        if name not in params:
            raise KeyError(f"{path}: make() gave no value for path parameter {name!r}")
        used.add(name)
        return str(params[name])

    url = PARAM.sub(sub, path)
    return url, {k: v for k, v in params.items() if k not in used}


def params_of(path: str) -> list[str]:
    return PARAM.findall(path)


def missing_variant(params: dict[str, Any]) -> dict[str, Any] | None:
    """The same parameters with every id replaced by one that does not exist (None if no ids)."""
    out, changed = dict(params), False
    for k, v in params.items():
        try:
            uuid.UUID(str(v))
        except ValueError:
            continue
        out[k], changed = str(uuid.uuid4()), True
    return out if changed else None
