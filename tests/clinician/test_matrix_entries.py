"""Run this domain group's route x role matrix entries (matrix_alerts, matrix_clinician,
matrix_safety, matrix_monitoring) for the six roles, with the semantics of
tests/security/access.py, so they are proven here as well as by the shared matrix test."""

from __future__ import annotations

import re

import pytest

from tests.factories import Person, api_token, assign, browser_login, make_user
from tests.security import matrix_alerts, matrix_clinician, matrix_monitoring, matrix_safety
from tests.security.access import Access, Ctx, Entry
from tests.security.routes import missing_variant

ENTRIES: dict[tuple[str, str], Entry] = {
    **matrix_alerts.ENTRIES, **matrix_clinician.ENTRIES, **matrix_safety.ENTRIES, **matrix_monitoring.ENTRIES}
ROLES = ["anonymous", "patient_a", "patient_b", "clinician", "other_clinician", "admin"]
ROLE_OF = {"patient_a": Access.PATIENT, "patient_b": Access.PATIENT, "clinician": Access.CLINICIAN,
           "other_clinician": Access.CLINICIAN, "admin": Access.ADMIN}


@pytest.fixture
def ctx(session):  # type: ignore[no-untyped-def]
    a, b = make_user(session, "patient"), make_user(session, "patient")
    c, oc = make_user(session, "clinician"), make_user(session, "clinician")
    admin = make_user(session, "admin")
    assign(session, a, c)
    return Ctx(session=session, patient_a=a, patient_b=b, clinician=c, other_clinician=oc, admin=admin)


def _call(client, method: str, path: str, person: Person | None, body: dict | None):  # type: ignore[no-untyped-def]
    api = path.startswith("/api/")
    headers = {}
    if api:
        if person is not None:
            headers = api_token(client, person)
        return client.request(method, path, headers=headers, json=body if method != "GET" else None)
    if person is not None:
        browser_login(client, person)
    if method == "GET":
        return client.get(path, follow_redirects=False)
    page = client.get("/help")
    m = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    data = {"csrf_token": m.group(1) if m else "", **(body or {})}
    return client.post(path, data=data, follow_redirects=False)


@pytest.mark.parametrize("key", sorted(ENTRIES), ids=lambda k: f"{k[0]} {k[1]}")
@pytest.mark.parametrize("role", ROLES)
def test_matrix_entry(app, ctx, key, role):  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    method, template = key
    entry = ENTRIES[key]
    params = entry.make(ctx) if entry.make else {}
    path = template.format(**params)
    body = entry.body(ctx) if entry.body else None
    person = None if role == "anonymous" else getattr(ctx, role)
    with TestClient(app, base_url="https://testserver") as client:
        r = _call(client, method, path, person, body)
        if role == "anonymous":
            if path.startswith("/api/"):
                assert r.status_code == 401
            else:
                assert r.status_code in (303, 403) and (r.status_code == 403 or "/login" in r.headers["location"])
            return
        allowed = ROLE_OF[role] == entry.access
        if not allowed:
            assert r.status_code in (403, 404), (role, r.status_code)
            return
        outsider = entry.scoped and role in ("patient_b", "other_clinician")
        if outsider:
            assert r.status_code == 404, (role, r.status_code)
            missing = template.format(**missing_variant(params))   # every id replaced (not numbers)
            again = person if path.startswith("/api/") else None   # pages: the cookie is kept
            r2 = _call(client, method, missing, again, body)
            assert r2.status_code == 404 and r2.text == r.text
            return
        ok = r.status_code < 400 or r.status_code in entry.ok or r.status_code == 422
        assert ok, (role, r.status_code, r.text[:300])


def test_every_route_of_these_domains_has_an_entry():
    """Deny by default: each route of alerts, clinician and safety is in a matrix file."""
    from importlib import import_module
    routes = set()
    for domain in ("alerts", "clinician", "safety", "monitoring"):
        for kind, prefix in (("api", "/api/v1"), ("pages", "")):
            try:
                mod = import_module(f"app.{domain}.{kind}")
            except ModuleNotFoundError:
                continue
            routes |= {(m, prefix + r.path) for r in mod.router.routes for m in r.methods}
    assert routes == set(ENTRIES)
