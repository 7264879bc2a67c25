"""security.md item 11: the session cookie, new ids, revocation, idle and absolute timeouts."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from http.cookies import SimpleCookie

from app.accounts.models import Role
from app.config import Env, get_settings
from app.security import sessions
from tests.factories import api_token, browser_login, csrf_from, form_post, make_user

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def login_response(client, person):  # type: ignore[no-untyped-def]
    page = client.get("/login")
    r = client.post("/login", data={"email": person.email, "password": person.password,
                                    "csrf_token": csrf_from(page.text)}, follow_redirects=False)
    assert r.status_code == 303
    return r


def session_cookie(resp) -> SimpleCookie:  # type: ignore[no-untyped-def]
    for raw in resp.headers.get_list("set-cookie"):
        if raw.startswith(sessions.COOKIE_NAME + "="):
            c = SimpleCookie()
            c.load(raw)
            return c
    raise AssertionError("no session cookie set")


def signed_in(client) -> bool:  # type: ignore[no-untyped-def]
    return client.get("/account", follow_redirects=False).status_code == 200


def test_cookie_flags_and_no_data_in_it(client, session):
    p = make_user(session, name="Quentinzebra Example")
    r = login_response(client, p)
    raw = next(h for h in r.headers.get_list("set-cookie") if h.startswith(sessions.COOKIE_NAME))
    morsel = session_cookie(r)[sessions.COOKIE_NAME]
    assert morsel["httponly"] is True
    assert morsel["samesite"].lower() in ("lax", "strict")
    assert morsel["secure"] is True  # ICBT_ENV=test is "outside development"
    assert morsel["path"] == "/"
    value = morsel.value
    assert re.fullmatch(r"[A-Za-z0-9_-]{40,}", value), "the cookie is an opaque random token"
    for leak in (p.email, p.email.split("@")[0], "Quentinzebra", str(p.id), "patient"):
        assert leak.lower() not in value.lower() and leak.lower() not in raw.lower().replace(sessions.COOKIE_NAME, "")
    # only the session and the pre-sign-in CSRF cookie exist
    assert set(client.cookies.keys()) <= {sessions.COOKIE_NAME, "icbt_csrf"}


def test_cookie_is_not_secure_only_in_development(client, session, monkeypatch):
    monkeypatch.setattr(get_settings(), "env", Env.development)
    p = make_user(session)
    # the http client would not send a Secure cookie: read the header only
    assert session_cookie(login_response(client, p))[sessions.COOKIE_NAME]["secure"] == ""


def test_new_session_id_at_login_and_the_old_one_is_revoked(client, anon_client, session):
    p = make_user(session)
    first = session_cookie(login_response(client, p))[sessions.COOKIE_NAME].value
    # sign in again from the same browser (the /login page redirects when signed in)
    r = client.post("/login", data={"email": p.email, "password": p.password,
                                    "csrf_token": csrf_from(client.get("/account").text)}, follow_redirects=False)
    second = session_cookie(r)[sessions.COOKIE_NAME].value
    assert first != second
    anon_client.cookies.set(sessions.COOKIE_NAME, first)
    assert not signed_in(anon_client), "the session presented at the second sign-in is revoked"


def test_planted_session_id_is_not_adopted(client, session):
    """Fixation: a cookie an attacker planted is never turned into a signed-in session."""
    p = make_user(session)
    client.cookies.set(sessions.COOKIE_NAME, "attacker-chosen-value-000000000000000000000")
    r = login_response(client, p)
    assert session_cookie(r)[sessions.COOKIE_NAME].value != "attacker-chosen-value-000000000000000000000"


def test_logout_revokes_the_session(client, anon_client, session):
    p = make_user(session)
    token = session_cookie(login_response(client, p))[sessions.COOKIE_NAME].value
    form_post(client, "/account", "/logout", {})
    anon_client.cookies.set(sessions.COOKIE_NAME, token)
    assert not signed_in(anon_client)


def test_api_logout_revokes_the_token(client, session):
    p = make_user(session)
    h = api_token(client, p)
    assert client.post("/api/v1/auth/logout", headers=h).status_code == 204
    assert client.get("/api/v1/me", headers=h).status_code == 401


def test_password_change_revokes_every_session(client, anon_client, session):
    p = make_user(session)
    browser_login(client, p)
    browser_login(anon_client, p)
    h = api_token(client, p)
    r = form_post(client, "/account", "/account/password",
                  {"current_password": p.password, "new_password": "a different long phrase"},
                  follow_redirects=False)
    assert r.status_code == 303
    assert not signed_in(client) and not signed_in(anon_client)
    assert client.get("/api/v1/me", headers=h).status_code == 401


def test_disable_revokes_every_session(client, anon_client, session):
    p = make_user(session)
    admin = make_user(session, Role.admin)
    browser_login(anon_client, p)
    h = api_token(anon_client, p)
    browser_login(client, admin)
    form_post(client, f"/admin/users/{p.id}", f"/admin/users/{p.id}/active", {"active": "no", "confirm": "yes"})
    assert not signed_in(anon_client)
    assert anon_client.get("/api/v1/me", headers=h).status_code == 401


def test_idle_timeout(client, session, frozen_clock):
    idle = get_settings().session_idle_minutes
    p = make_user(session)
    browser_login(client, p)
    frozen_clock(T0 + timedelta(minutes=idle - 1))
    assert signed_in(client)                       # activity slides the idle timeout
    frozen_clock(T0 + timedelta(minutes=2 * idle - 2))
    assert signed_in(client)
    frozen_clock(T0 + timedelta(minutes=3 * idle - 2))   # idle for a full period
    assert not signed_in(client)


def test_idle_timeout_for_bearer_tokens(client, session, frozen_clock):
    p = make_user(session)
    h = api_token(client, p)
    frozen_clock(T0 + timedelta(minutes=get_settings().session_idle_minutes, seconds=1))
    assert client.get("/api/v1/me", headers=h).status_code == 401


def test_absolute_timeout_despite_activity(client, session, frozen_clock):
    hours = get_settings().session_absolute_hours
    p = make_user(session)
    browser_login(client, p)
    t = T0
    while t < T0 + timedelta(hours=hours) - timedelta(minutes=20):
        t += timedelta(minutes=20)
        frozen_clock(t)
        assert signed_in(client), f"signed out early at {t - T0}"
    frozen_clock(T0 + timedelta(hours=hours, minutes=1))
    assert not signed_in(client)
