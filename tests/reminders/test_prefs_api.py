"""GET|PUT /api/v1/me/reminders, time_zone in /api/v1/me, and the account-page form."""

from __future__ import annotations

import pytest

from app.reminders.models import ReminderPrefs
from tests.alerts.support import count
from tests.factories import api_token, browser_login, form_post, make_user


def test_defaults_then_put_then_get(client, session):
    p = make_user(session)
    h = api_token(client, p)
    r = client.get("/api/v1/me/reminders", headers=h)
    assert r.status_code == 200
    assert r.json() == {"time_zone": "Europe/London", "remind_at": None, "checkin": True, "module_open": True,
                        "diary_at": None, "messages": True, "reengage": True, "weekly_summary": False,
                        "quiet_hours": None, "channel": "email"}
    body = {"time_zone": "America/New_York", "remind_at": "18:30", "diary_at": "20:00", "module_open": False,
            "quiet_hours": {"start": "22:00", "end": "07:00"}, "weekly_summary": True}
    r = client.put("/api/v1/me/reminders", headers=h, json=body)
    assert r.status_code == 200, r.text
    got = client.get("/api/v1/me/reminders", headers=h).json()
    assert got["time_zone"] == "America/New_York" and got["remind_at"] == "18:30" and got["diary_at"] == "20:00"
    assert got["quiet_hours"] == {"start": "22:00", "end": "07:00"} and got["module_open"] is False
    assert got["checkin"] is True and got["weekly_summary"] is True
    assert client.get("/api/v1/me", headers=h).json()["time_zone"] == "America/New_York"
    r = client.put("/api/v1/me/reminders", headers=h, json={"diary_at": "off", "quiet_hours": None})
    assert r.json()["diary_at"] is None and r.json()["quiet_hours"] is None


@pytest.mark.parametrize("body, field", [
    ({"time_zone": "Mars/Olympus"}, ["body", "time_zone"]),
    ({"remind_at": "25:00"}, ["body", "remind_at"]),
    ({"diary_at": "7pm"}, ["body", "diary_at"]),
    ({"quiet_hours": {"start": "01:00", "end": "23:00"}}, ["body", "quiet_hours"]),   # 22 hours
    ({"quiet_hours": {"start": "22:00", "end": "25:00"}}, ["body", "quiet_hours", "end"]),
    ({"channel": "pigeon"}, ["body", "channel"]),
])
def test_bad_preferences_are_422_naming_the_field_and_nothing_is_stored(client, session, body, field):
    p = make_user(session)
    h = api_token(client, p)
    r = client.put("/api/v1/me/reminders", headers=h, json={"checkin": False, **body})
    assert r.status_code == 422, r.text
    assert [d["loc"] for d in r.json()["detail"]] == [field]
    session.expire_all()
    assert count(session, ReminderPrefs) == 0
    assert client.get("/api/v1/me/reminders", headers=h).json()["checkin"] is True


def test_quiet_hours_of_exactly_20_hours_are_allowed(client, session):
    h = api_token(client, make_user(session))
    r = client.put("/api/v1/me/reminders", headers=h, json={"quiet_hours": {"start": "02:00", "end": "22:00"}})
    assert r.status_code == 200


def test_patch_me_time_zone(client, session):
    h = api_token(client, make_user(session))
    r = client.patch("/api/v1/me", headers=h, json={"time_zone": "Asia/Kolkata"})
    assert r.status_code == 200 and r.json()["time_zone"] == "Asia/Kolkata"
    r = client.patch("/api/v1/me", headers=h, json={"time_zone": "Nowhere/Special"})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "time_zone"]
    assert client.get("/api/v1/me", headers=h).json()["time_zone"] == "Asia/Kolkata"


def test_account_page_form_saves_and_shows_errors_with_what_was_typed(client, session):
    p = make_user(session)
    browser_login(client, p)
    page = client.get("/account")
    assert page.status_code == 200 and 'id="reminders"' in page.text
    r = form_post(client, "/account", "/account/reminders", {
        "time_zone": "Mars/Olympus", "remind_at": "18:30", "checkin": "yes", "quiet_start": "22:00", "quiet_end": "07:00"})
    assert r.status_code == 422
    assert "not a time zone we know" in r.text and 'value="Mars/Olympus"' in r.text and 'value="22:00"' in r.text
    session.expire_all()
    assert count(session, ReminderPrefs) == 0
    r = form_post(client, "/account", "/account/reminders", {"time_zone": "Europe/Paris", "remind_at": "25:00"})
    assert r.status_code == 422 and 'id="e-remind_at"' in r.text
    r = form_post(client, "/account", "/account/reminders", {"time_zone": "Europe/Paris", "quiet_start": "01:00",
                                                            "quiet_end": "23:30"})
    assert r.status_code == 422 and "at most 20 hours" in r.text
    r = form_post(client, "/account", "/account/reminders", {
        "time_zone": "Europe/Paris", "remind_at": "08:15", "checkin": "yes", "quiet_start": "22:00", "quiet_end": "07:00"},
        follow_redirects=False)
    assert r.status_code == 303
    row = session.get(ReminderPrefs, p.id)
    assert (row.time_zone, row.remind_at, row.checkin, row.module_open, row.quiet_start) == \
        ("Europe/Paris", "08:15", True, False, "22:00")
    page = client.get("/account")
    assert 'value="Europe/Paris"' in page.text
