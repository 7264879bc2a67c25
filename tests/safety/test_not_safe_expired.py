""""I am not safe right now" never fails silently (security.md item 33, issue 12)."""

from __future__ import annotations

import re

import pytest

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
    assert r.status_code == 303 and r.headers["location"] == "/login?not_safe=diary"
    r = client.get(r.headers["location"])
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
    assert 'href="tel:999"' in r.text   # redirected to the crisis lines (signed-in: home; else sign-in)
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


# ---------------------------------------------------------------- the safety plan where it is needed


def test_safety_plan_numbers_are_tap_to_call(client, session, frozen_clock):
    from app.safety.telfilter import tel_links
    assert str(tel_links("Samaritans 116 123, or 999 <b>")) == \
        'Samaritans <a href="tel:116123">116 123</a>, or <a href="tel:999">999</a> &lt;b&gt;'
    assert str(tel_links("in 2026 at 10")) == "in 2026 at 10"     # years and times are not numbers
    patient, _ = care_pair(session)
    browser_login(client, patient)
    edit = client.get("/safety-plan/edit")
    client.post("/safety-plan", data={"csrf_token": csrf_from(edit.text), "contacts": "My sister: 07700 900123"})
    page = client.get("/safety-plan").text
    assert '<a href="tel:07700900123">07700 900123</a>' in page
    # the care team's number from the escalation file is suggested in the plan
    assert "0300 123 4567" in edit.text


def test_safety_plan_in_the_menu_on_home_and_in_module_1(client, session, frozen_clock):
    patient, _ = care_pair(session)
    browser_login(client, patient)
    home = client.get("/").text
    assert '<li><a href="/safety-plan">Safety plan</a></li>' in home
    assert 'id="safety-plan-card"' in home
    from app.config import ROOT
    text = (ROOT / "modules_content" / "01-thoughts-feelings-actions.md").read_text()
    assert "[write your safety plan](/safety-plan/edit)" in text


@pytest.mark.parametrize("text, expected", [
    # the wording of the suggested crisis lines: the hours in brackets are not part of the number
    ("Emergency services: call 999 (24 hours a day, every day)",
     'Emergency services: call <a href="tel:999">999</a> (24 hours a day, every day)'),
    ("Lifeline: call 0808 808 8000 (24 hours a day)",
     'Lifeline: call <a href="tel:08088088000">0808 808 8000</a> (24 hours a day)'),
    ("Samaritans: call 116 123 (24 hours)", 'Samaritans: call <a href="tel:116123">116 123</a> (24 hours)'),
    ("GP (020) 7946 0000", 'GP <a href="tel:02079460000">(020) 7946 0000</a>'),
    ("Mum +44 (0)7700 900123", 'Mum <a href="tel:+447700900123">+44 (0)7700 900123</a>'),
    ("Jo 07700-900-123.", 'Jo <a href="tel:07700900123">07700-900-123</a>.'),
])
def test_tap_to_call_dials_exactly_the_number_written(text, expected):
    """A tap on a crisis line must dial that line: "999 (24 hours" once became tel:99924."""
    from app.safety.telfilter import tel_links
    assert str(tel_links(text)) == expected
