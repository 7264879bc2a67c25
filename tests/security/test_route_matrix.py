"""security.md item 15: every route x six roles, deny by default.

The entries come from every `tests/security/matrix_*.py` (see access.py for what each access
level means). `test_every_route_has_an_entry` fails naming every route without one (and every
entry naming no route); `test_access` calls each entry's route as anonymous, patient A,
patient B, the clinician assigned to A, an unassigned clinician and an admin, and checks the
answers. API calls carry bearer tokens from /api/v1/auth/token; page calls carry the session
cookie from the sign-in form, plus the page's CSRF token on unsafe methods.
"""

from __future__ import annotations

import importlib
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.accounts.models import Role
from tests.factories import PASSWORD, Person, csrf_from, make_user
from tests.security.access import Access, Ctx, Entry
from tests.security.routes import (
    PUBLIC_BUILTIN, UNSAFE, app_routes, fill, find_route, is_api, missing_variant, params_of, takes_form,
)

HERE = Path(__file__).parent
ROLES = ["anonymous", "patient_a", "patient_b", "clinician", "other_clinician", "admin"]


def load_entries() -> tuple[dict[tuple[str, str], Entry], dict[tuple[str, str], str], list[str]]:
    entries: dict[tuple[str, str], Entry] = {}
    source: dict[tuple[str, str], str] = {}
    problems: list[str] = []
    for f in sorted(HERE.glob("matrix_*.py")):
        try:
            mod = importlib.import_module(f"tests.security.{f.stem}")
        except Exception:  # noqa: BLE001 - reported by the coverage test, not a collection crash
            problems.append(f"{f.name} does not import:\n{traceback.format_exc(limit=3)}")
            continue
        for key, entry in getattr(mod, "ENTRIES", {}).items():
            if key in entries:
                problems.append(f"{key[0]} {key[1]} is listed in both {source[key]} and {f.name}")
            entries[key], source[key] = entry, f.name
    for key in PUBLIC_BUILTIN:
        entries.setdefault(key, Entry(Access.PUBLIC))
        source.setdefault(key, "test_route_matrix.py (built in)")
    return entries, source, problems


ENTRIES, SOURCE, LOAD_PROBLEMS = load_entries()


def test_every_route_has_an_entry(app):
    routes, problems = app_routes(app)
    problems += LOAD_PROBLEMS
    missing = sorted(routes - set(ENTRIES), key=lambda k: (k[1], k[0]))
    stale = sorted(set(ENTRIES) - routes, key=lambda k: (k[1], k[0]))
    lines = []
    if missing:
        lines.append(f"{len(missing)} route(s) have no entry in any tests/security/matrix_*.py (deny by default):")
        lines += [f"    {m:6} {p}" for m, p in missing]
    if stale:
        lines.append(f"{len(stale)} entr(y/ies) name no route of the app (typo, or the route was removed):")
        lines += [f"    {m:6} {p}   (in {SOURCE[(m, p)]})" for m, p in stale]
    lines += problems
    assert not lines, "\n".join(lines)


# ---------------------------------------------------------------- callers


@pytest.fixture
def fast_hashing(monkeypatch):  # type: ignore[no-untyped-def]
    """Create the test people without paying for a fresh argon2 hash each (sign-in still
    verifies for real)."""
    from app.security import passwords
    real = passwords.hash_password
    cache: dict[str, str] = {}

    def cached(pw: str) -> str:
        if pw != PASSWORD:
            return real(pw)
        if pw not in cache:
            cache[pw] = real(pw)
        return cache[pw]

    monkeypatch.setattr(passwords, "hash_password", cached)


@dataclass
class Caller:
    """One role's browser (cookie + CSRF token) or API client (bearer token)."""

    client: TestClient
    person: Person | None
    api: bool
    token: str | None = None
    csrf: str | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def sign_in(self) -> None:
        self.client.cookies.clear()
        if self.api:
            if self.person is not None:
                r = self.client.post("/api/v1/auth/token", data={"username": self.person.email, "password": PASSWORD})
                assert r.status_code == 200, f"token for {self.person.email}: {r.status_code} {r.text}"
                self.headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
            return
        if self.person is None:
            self.csrf = csrf_from(self.client.get("/login").text)
            return
        page = self.client.get("/login")
        r = self.client.post("/login", data={"email": self.person.email, "password": PASSWORD,
                                             "csrf_token": csrf_from(page.text)}, follow_redirects=False)
        assert r.status_code == 303, f"sign-in of {self.person.email}: {r.status_code}"
        self.csrf = csrf_from(self.client.get("/account").text)

    def still_signed_in(self) -> bool:
        if self.person is None:
            return self.api or bool(self.client.cookies.get("icbt_csrf"))
        if self.api:
            return self.client.get("/api/v1/me", headers=self.headers).status_code == 200
        r = self.client.get("/account", follow_redirects=False)
        if r.status_code != 200:
            return False
        return 'name="csrf_token" value="' + (self.csrf or "") + '"' in r.text

    def call(self, method: str, url: str, query: dict[str, Any], body: dict[str, Any] | None, form: bool):  # type: ignore[no-untyped-def]
        kw: dict[str, Any] = {"params": query, "follow_redirects": False, "headers": dict(self.headers)}
        if self.api:
            if body is not None:
                kw["data" if form else "json"] = body
        elif method in UNSAFE:
            kw["data"] = {**(body or {}), "csrf_token": self.csrf or ""}
        return self.client.request(method, url, **kw)


def _people(session) -> Ctx:  # type: ignore[no-untyped-def]
    a = make_user(session, Role.patient, name="Patient A")
    b = make_user(session, Role.patient, name="Patient B")
    c = make_user(session, Role.clinician, name="Assigned Clinician")
    o = make_user(session, Role.clinician, name="Other Clinician")
    ad = make_user(session, Role.admin, name="Admin")
    from app.accounts import service as accounts
    accounts.assign(session, a.user, c.user)
    session.commit()
    return Ctx(session=session, patient_a=a, patient_b=b, clinician=c, other_clinician=o, admin=ad)


# ---------------------------------------------------------------- expectations


def _allowed(status: int, entry: Entry) -> bool:
    return status < 400 or status == 422 or status in entry.ok


def _anon_refused(resp, api: bool) -> bool:  # type: ignore[no-untyped-def]
    if api:
        return resp.status_code == 401
    return resp.status_code in (302, 303, 307) and resp.headers.get("location", "").startswith("/login")


def _expect(entry: Entry, role: str) -> str:
    """'allow', 'refuse-anon', 'refuse' (403/404) or 'hidden' (404, same as a missing id)."""
    a = entry.access
    if a == Access.PUBLIC:
        return "allow"
    if role == "anonymous":
        return "refuse-anon"
    if a == Access.SIGNED_IN:
        return "allow"
    owner = {Access.PATIENT: ("patient_a", "patient_b"), Access.CLINICIAN: ("clinician", "other_clinician"),
             Access.ADMIN: ("admin", None)}[a]
    if role == owner[0]:
        return "allow"
    if role == owner[1]:
        return "hidden" if entry.scoped else "allow"
    return "refuse"


def _body_of(resp) -> Any:  # type: ignore[no-untyped-def]
    try:
        return resp.json()
    except ValueError:
        return resp.text


def _short(resp) -> str:  # type: ignore[no-untyped-def]
    return f"{resp.status_code} {resp.headers.get('location', '')} {resp.text[:200]!r}"


@pytest.mark.parametrize("key", sorted(ENTRIES, key=lambda k: (k[1], k[0])), ids=lambda k: f"{k[0]} {k[1]}")
def test_access(key, app, session, fast_hashing):  # type: ignore[no-untyped-def]
    method, path = key
    entry = ENTRIES[key]
    route = find_route(app, method, path)
    if route is None and key not in PUBLIC_BUILTIN:
        pytest.skip("no such route (reported by test_every_route_has_an_entry)")
    if params_of(path) and entry.make is None:
        pytest.fail(f"{method} {path} has path parameters: its entry needs make= ({SOURCE[key]})")
    api, form = is_api(path), takes_form(route)
    ctx = _people(session)
    callers: dict[str, Caller] = {}
    for role in ROLES:
        person = None if role == "anonymous" else getattr(ctx, role)
        callers[role] = Caller(TestClient(app, base_url="https://testserver"), person, api)
        callers[role].sign_in()

    errors: list[str] = []
    for role in ROLES:
        caller = callers[role]
        if method in UNSAFE and not caller.still_signed_in():
            caller.sign_in()  # an earlier call (sign-out, reset, disable...) ended this session
        params = entry.make(ctx) if entry.make else {}
        body = entry.body(ctx) if entry.body and method in UNSAFE else None
        session.commit()
        url, query = fill(path, params)
        resp = caller.call(method, url, query, body, form)
        expect = _expect(entry, role)
        where = f"{role:16} {method} {url}"
        if resp.status_code >= 500:
            errors.append(f"{where}: server error {_short(resp)}")
        elif expect == "allow" and not _allowed(resp.status_code, entry):
            errors.append(f"{where}: should be allowed, got {_short(resp)}")
        elif expect == "refuse-anon" and not _anon_refused(resp, api):
            errors.append(f"{where}: anonymous should get {'401' if api else 'a redirect to /login'}, got {_short(resp)}")
        elif expect == "refuse" and resp.status_code not in (403, 404):
            errors.append(f"{where}: should be refused (403/404), got {_short(resp)}")
        elif expect == "hidden":
            if resp.status_code != 404:
                errors.append(f"{where}: someone else's object should be 404, got {_short(resp)}")
            else:
                other = missing_variant(params)
                if other is not None:
                    murl, mquery = fill(path, other)
                    missing = caller.call(method, murl, mquery, body, form)
                    if missing.status_code != 404 or _body_of(missing) != _body_of(resp):
                        errors.append(f"{where}: 404 for someone else's object differs from a missing id's "
                                      f"({_short(resp)} vs {_short(missing)})")
    for c in callers.values():
        c.client.close()
    assert not errors, f"{method} {path} ({entry.access.name}, from {SOURCE[key]}):\n  " + "\n  ".join(errors)
