"""Who may join, and the sign-up form (issue 12)."""

from __future__ import annotations

from sqlalchemy import func, select

from app.accounts.models import User
from app.config import Settings
from tests.factories import csrf_from

PASSWORD = "correct horse battery staple"


def _users(session) -> int:  # type: ignore[no-untyped-def]
    session.rollback()
    return session.scalar(select(func.count()).select_from(User)) or 0


def test_production_self_registration_is_off_by_default():
    assert Settings(env="production").self_registration is False
    assert Settings(env="production", self_registration=True).self_registration is True
    assert Settings(env="development").self_registration is True


def test_sign_up_asks_first_whether_the_person_is_safe(anon_client):
    page = anon_client.get("/register")
    assert "Are you safe right now?" in page.text and 'name="password"' not in page.text
    r = anon_client.get("/register?safe=no", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/help"
    assert 'name="password"' in anon_client.get("/register?safe=yes").text


def test_every_problem_at_once_and_values_kept(anon_client, session):
    page = anon_client.get("/register?safe=yes")
    r = anon_client.post("/register", data={"csrf_token": csrf_from(page.text), "email": "kept@example.org",
                                            "display_name": "Kept Name", "password": "", "phone": "12",
                                            "date_of_birth": "", "consent": ""})
    assert r.status_code == 422
    for msg in ("Choose a password.", "does not look like a phone number", "Enter your date of birth",
                "please agree to the terms"):
        assert msg in r.text, msg
    assert 'value="kept@example.org"' in r.text and 'value="Kept Name"' in r.text and 'value="12"' in r.text
    r = anon_client.post("/register", data={"csrf_token": csrf_from(page.text), "email": "kept@example.org",
                                            "password": "short", "phone": "07911 123456",
                                            "date_of_birth": "1990-01-01", "consent": "yes"})
    assert r.status_code == 422 and 'value="yes" checked' in r.text   # the consent box stays ticked
    assert _users(session) == 0


def test_under_18_gets_no_account(anon_client, session):
    page = anon_client.get("/register?safe=yes")
    r = anon_client.post("/register", data={"csrf_token": csrf_from(page.text), "email": "young@example.org",
                                            "password": PASSWORD, "phone": "07911 123456",
                                            "date_of_birth": "2012-05-01", "consent": "yes"})
    assert "This programme is for adults" in r.text and "Childline" in r.text
    assert _users(session) == 0


def test_adult_sign_up_stores_the_phone(anon_client, session):
    page = anon_client.get("/register?safe=yes")
    r = anon_client.post("/register", data={"csrf_token": csrf_from(page.text), "email": "adult@example.org",
                                            "password": PASSWORD, "phone": "07911 123456",
                                            "date_of_birth": "1990-05-01", "consent": "yes"}, follow_redirects=False)
    assert r.status_code == 303
    from app.accounts import service as accounts
    from app.contact import service as contact
    session.rollback()
    user = accounts.find_by_email(session, "adult@example.org")
    assert contact.get(session, user.id).phone == "+44 7911 123456"
