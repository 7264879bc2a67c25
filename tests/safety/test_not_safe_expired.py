""""I am not safe right now" never fails silently (security.md item 33, issue 12)."""

from __future__ import annotations

import re

from app.alerts.models import Alert
from tests.alerts.support import alerts_of, care_pair, count
from tests.factories import browser_login, csrf_from


def test_signed_out_not_safe_shows_crisis_at_once_and_signing_in_raises_it(client, session, frozen_clock):
    patient, _ = care_pair(session)
    browser_login(client, patient)
    page = client.get("/not-safe?source=diary")
    token = csrf_from(page.text)
    client.cookies.clear()                    # the session idled out
    r = client.post("/not-safe", data={"csrf_token": token, "source": "diary"}, follow_redirects=False)
    assert r.status_code in (401, 403)
    assert 'href="tel:999"' in r.text and "116 123" in r.text and "has not been told yet" in r.text
    assert count(session, Alert) == 0
    # the sign-in form on that page raises the emergency with no further click
    r2 = client.post("/login", data={"csrf_token": csrf_from(r.text), "email": patient.email,
                                     "password": patient.password, "not_safe": "diary",
                                     "next": "/"}, follow_redirects=False)
    assert r2.status_code == 303 and r2.headers["location"] == "/not-safe?told=1&source=diary"
    [alert] = alerts_of(session, patient)
    assert (alert.rule, alert.tier) == ("patient_reported_emergency", "emergency")
    assert "999" in client.get(r2.headers["location"]).text


def test_stale_form_token_with_a_live_session_raises_at_once(client, session, frozen_clock):
    patient, _ = care_pair(session)
    browser_login(client, patient)
    r = client.post("/diary/not-safe", data={"csrf_token": "stale"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/not-safe?told=1&source=diary"
    assert [a.rule for a in alerts_of(session, patient)] == ["patient_reported_emergency"]


def test_cross_site_not_safe_shows_crisis_but_raises_nothing(client, session, frozen_clock):
    patient, _ = care_pair(session)
    browser_login(client, patient)
    r = client.post("/not-safe", data={"csrf_token": "x"}, headers={"sec-fetch-site": "cross-site"})
    assert r.status_code == 403 and 'href="tel:999"' in r.text
    assert count(session, Alert) == 0


def test_every_error_page_shows_the_emergency_line(client, anon_client, session):
    r404 = anon_client.get("/no-such-page")
    r403 = anon_client.post("/login", data={"email": "a@b.c", "password": "x"})   # no form token
    for r in (r404, r403):
        assert r.status_code in (403, 404)
        assert 'href="tel:999"' in r.text and re.search(r'href="/help"[^>]*>Get help now', r.text)


def test_500_page_shows_the_emergency_line(session, monkeypatch):
    from fastapi.testclient import TestClient

    from app.main import create_app
    app = create_app(run_worker=False)

    @app.get("/boom-test")
    def boom() -> None:
        raise RuntimeError("boom")
    with TestClient(app, raise_server_exceptions=False) as c:
        r = c.get("/boom-test")
    assert r.status_code == 500 and 'href="tel:999"' in r.text and "Get help now" in r.text
