"""security.md item 12: EVERY unsafe page route (enumerated from the app, not a hand list)
refuses a missing or foreign CSRF token and a cross-site Sec-Fetch-Site, both before and
after sign-in; the same request with the right token gets past the check (control)."""

from __future__ import annotations

import re

from tests.factories import browser_login, csrf_from, make_user
from tests.security.routes import UNSAFE, app_routes, is_api

REFUSALS = ("This form has expired", "This form was sent from another site")
DUMMY = "00000000-0000-4000-8000-000000000000"


def unsafe_page_routes(app) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    routes, _ = app_routes(app)
    return sorted((m, p) for m, p in routes if m in UNSAFE and not is_api(p))


def url_for(path: str) -> str:
    return re.sub(r"\{\w+(?::\w+)?\}", DUMMY, path)


# "I am not safe right now" never fails silently (security item 33): a bad token is not a 403
# but the crisis page. Cross-site, or with nobody signed in, nothing is raised: the answer is
# the "not safe" sign-in page (crisis lines first). A same-site post from a signed-in patient
# with a stale token raises the emergency (tests/safety/test_not_safe_expired.py).
NOT_SAFE_PATHS = {"/checkins/not-safe", "/diary/not-safe", "/not-safe"}


def refused(resp, path: str = "", name: str = "") -> bool:  # type: ignore[no-untyped-def]
    if path in NOT_SAFE_PATHS:
        where = resp.headers.get("location", "")
        if name == "cross-site":
            return resp.status_code == 303 and where.startswith("/login?not_safe=")
        return resp.status_code == 303 and (where.startswith("/login?not_safe=") or "told=1" in where)
    return resp.status_code == 403 and any(r in resp.text for r in REFUSALS)


def check_all(client, app, good_token, foreign_token, relogin) -> list[str]:  # type: ignore[no-untyped-def]
    problems = []
    for method, path in unsafe_page_routes(app):
        url = url_for(path)
        token = good_token()
        cases = {
            "no token": ({}, {}),
            "foreign token": ({"csrf_token": foreign_token}, {}),
            "empty token": ({"csrf_token": ""}, {}),
            "cross-site": ({"csrf_token": token}, {"Sec-Fetch-Site": "cross-site"}),
        }
        for name, (data, headers) in cases.items():
            r = client.request(method, url, data=data, headers=headers, follow_redirects=False)
            if not refused(r, path, name):
                problems.append(f"{method} {path} with {name}: {r.status_code} {r.text[:120]!r}")
        r = client.request(method, url, data={"csrf_token": token}, headers={"Sec-Fetch-Site": "same-origin"},
                           follow_redirects=False)
        if refused(r):
            problems.append(f"{method} {path}: refused even with the right token (control)")
        relogin()
    return problems


def test_unsafe_page_routes_exist(app):
    assert ("POST", "/login") in unsafe_page_routes(app) and len(unsafe_page_routes(app)) >= 10


def test_every_unsafe_page_route_checks_csrf_before_sign_in(client, anon_client, app):
    anon_client.get("/login")
    foreign = csrf_from(anon_client.get("/login").text)  # another browser's pre-sign-in token
    client.get("/login")

    def good() -> str:
        return csrf_from(client.get("/login").text)

    problems = check_all(client, app, good, foreign, lambda: None)
    assert not problems, "\n".join(problems)


def test_every_unsafe_page_route_checks_csrf_after_sign_in(client, anon_client, app, session):
    me, other = make_user(session), make_user(session)
    browser_login(anon_client, other)
    foreign = csrf_from(anon_client.get("/account").text)  # another user's session token
    browser_login(client, me)

    def good() -> str:
        return csrf_from(client.get("/account").text)

    def relogin() -> None:  # the control request may have signed out or changed the password
        if client.get("/account", follow_redirects=False).status_code != 200:
            client.cookies.clear()
            browser_login(client, me)

    problems = check_all(client, app, good, foreign, relogin)
    assert not problems, "\n".join(problems)


def test_pre_sign_in_token_is_not_accepted_once_signed_in(client, session):
    me = make_user(session)
    anon_token = csrf_from(client.get("/login").text)
    browser_login(client, me)
    r = client.post("/account/sessions/revoke-others", data={"csrf_token": anon_token})
    assert refused(r)
