"""Contact details (issue 12): validated with phonenumbers, stored encrypted, API and page."""

from __future__ import annotations

from sqlalchemy import select

from app.contact.models import PatientContact
from tests.factories import api_token, browser_login, csrf_from, make_user


def test_api_put_and_get_contact_normalised_and_encrypted(client, session):
    p = make_user(session)
    h = api_token(client, p)
    assert client.get("/api/v1/me/contact", headers=h).json()["phone"] is None
    body = {"phone": "07911 123456", "gp": {"name": "Riverside Surgery", "phone": "020 7946 0000"},
            "emergency_contact": {"name": "Sam", "relationship": "sister", "phone": "+44 7912 345678"},
            "call_times": "after 5pm"}
    r = client.put("/api/v1/me/contact", json=body, headers=h)
    assert r.status_code == 200, r.text
    got = client.get("/api/v1/me/contact", headers=h).json()
    assert got["phone"] == "+44 7911 123456" and got["gp"]["phone"] == "+44 20 7946 0000"
    assert got["emergency_contact"]["relationship"] == "sister"
    raw = session.scalars(select(PatientContact)).one().content_enc
    assert b"7911" not in raw and b"Sam" not in raw


def test_api_bad_phone_is_422_naming_the_field_and_nothing_stored(client, session):
    p = make_user(session)
    h = api_token(client, p)
    for body, loc in [({"phone": "12"}, ["body", "phone"]),
                      ({"phone": "07911 123456", "gp": {"name": "X", "phone": "not a number"}}, ["body", "gp", "phone"]),
                      ({"phone": "07911 123456", "emergency_contact": {"name": "Sam", "phone": "07912 345678"}},
                       ["body", "emergency_contact", "relationship"])]:
        r = client.put("/api/v1/me/contact", json=body, headers=h)
        assert r.status_code == 422 and r.json()["detail"][0]["loc"] == loc, r.json()
    assert session.scalars(select(PatientContact)).first() is None


def test_page_shows_every_problem_and_keeps_what_was_typed(client, session):
    p = make_user(session)
    browser_login(client, p)
    page = client.get("/account/contact")
    r = client.post("/account/contact", data={"csrf_token": csrf_from(page.text), "phone": "abc",
                                              "gp_name": "Riverside", "gp_phone": "", "ec_name": "Sam Typed"})
    assert r.status_code == 422
    assert "does not look like a phone number" in r.text and "Fill this in" in r.text
    assert 'value="Riverside"' in r.text and 'value="Sam Typed"' in r.text
    assert session.scalars(select(PatientContact)).first() is None
    r = client.post("/account/contact", data={"csrf_token": csrf_from(page.text), "phone": "07911 123456"},
                    follow_redirects=True)
    assert "Your contact details are saved." in r.text and "+44 7911 123456" in r.text


def test_home_asks_for_a_phone_number_until_given(client, session):
    p = make_user(session)
    browser_login(client, p)
    assert "Please add your phone number" in client.get("/").text
    page = client.get("/account/contact")
    client.post("/account/contact", data={"csrf_token": csrf_from(page.text), "phone": "07911 123456"})
    assert "Please add your phone number" not in client.get("/").text


def test_region_setting_reads_local_numbers(monkeypatch):
    from app.config import get_settings
    from app.contact.schemas import normalise_phone
    monkeypatch.setenv("ICBT_PHONE_REGION", "US")
    get_settings.cache_clear()
    try:
        assert normalise_phone("(201) 555-0123") == "+1 201-555-0123"
    finally:
        monkeypatch.delenv("ICBT_PHONE_REGION")
        get_settings.cache_clear()
