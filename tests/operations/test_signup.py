"""Security item 30: registration answers the same for a new and an existing address; the
e-mail says which it was. Confirmation (ICBT_CONFIRM_EMAIL), development mail, weak passwords."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.accounts import service as accounts
from app.config import Settings, get_settings
from app.mail import service as mail
from app.mail.models import OutboxMessage
from tests.factories import PASSWORD, csrf_from, make_user


def _mail_to(session, email: str) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    session.expire_all()
    user = accounts.find_by_email(session, email)
    rows = session.scalars(select(OutboxMessage).where(OutboxMessage.user_id == user.id)
                           .order_by(OutboxMessage.created_at)).all()
    return [(m.subject, mail.body(session, m)) for m in rows]


def _body(email: str) -> dict:
    return {"email": email, "password": "a long unusual passphrase 42", "phone": "07911 123456", "consent": True}


def test_same_answer_for_new_and_existing_address(client, session):
    existing = make_user(session, "patient", email="taken@example.org")
    new = client.post("/api/v1/auth/register", json=_body("fresh@example.org"))
    again = client.post("/api/v1/auth/register", json=_body("Taken@Example.org"))
    assert new.status_code == again.status_code == 202
    assert new.content == again.content
    assert new.json()["status"] == "check_email"
    assert len(accounts.find_by_email(session, "taken@example.org").id.hex) and existing
    (subject, body), = _mail_to(session, "taken@example.org")
    assert subject == "You already have a Steady Steps account"
    assert "/login" in body and "/forgot-password" in body
    (subject, body), = _mail_to(session, "fresh@example.org")
    assert subject == "Your Steady Steps account is ready"  # ICBT_CONFIRM_EMAIL is off outside production


def test_register_page_answers_the_same_for_both(client, session):
    make_user(session, "patient", email="taken2@example.org")
    answers = []
    for email in ("taken2@example.org", "fresh2@example.org"):
        page = client.get("/register?safe=yes")
        r = client.post("/register", data={"email": email, "password": "a long unusual passphrase 42",
                                           "phone": "07911 123456", "date_of_birth": "1990-04-23",
                                           "consent": "yes", "csrf_token": csrf_from(page.text)},
                        follow_redirects=False)
        answers.append((r.status_code, r.headers.get("location"), "set-cookie" in {k.lower() for k in r.headers}))
    assert answers[0] == answers[1] == (303, "/register/check-email", False)
    assert "Check your e-mail" in client.get("/register/check-email").text


@pytest.fixture
def confirm_on(monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("ICBT_CONFIRM_EMAIL", "true")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_confirmation_required_before_sign_in(client, session, confirm_on):
    assert client.post("/api/v1/auth/register", json=_body("confirm@example.org")).status_code == 202
    login = {"username": "confirm@example.org", "password": "a long unusual passphrase 42"}
    r = client.post("/api/v1/auth/token", data=login)
    assert r.status_code == 403 and r.json()["error"] == "email_not_confirmed"
    (subject, body), = _mail_to(session, "confirm@example.org")
    assert subject == "Confirm your e-mail address for Steady Steps"
    token = re.search(r"/confirm-email/(\S+)", body).group(1)
    assert client.get(f"/reset-password/{token}").status_code == 400  # never a set-password link
    r = client.get(f"/confirm-email/{token}", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login?notice=email-confirmed"
    assert client.post("/api/v1/auth/token", data=login).status_code == 200
    assert client.get(f"/confirm-email/{token}").status_code == 400  # used once


def test_confirm_email_defaults():
    assert Settings(env="production").must_confirm_email is True
    assert Settings(env="development").must_confirm_email is False
    assert Settings(env="development", port=8123).base_url == "http://127.0.0.1:8123"
    assert Settings(env="development", port=8123, base_url="https://x.example").base_url == "https://x.example"
    assert Settings(env="development").effective_mail_backend == "file"
    assert Settings(env="development", smtp_host="mail").effective_mail_backend == "smtp"
    assert Settings(env="production").effective_mail_backend == "smtp"


def test_development_mail_goes_to_a_file_with_working_links(client, session, tmp_path):
    client.post("/api/v1/auth/register", json=_body("devmail@example.org"))
    session.commit()
    settings = Settings(env="development", mail_backend="file", mail_file=tmp_path / "mail.txt",
                        database_url=get_settings().database_url)
    from app.db import get_db
    sent, failed = mail.deliver_all_due(get_db().session, settings)
    assert sent >= 1 and failed == 0
    text = (tmp_path / "mail.txt").read_text()
    assert "To: devmail@example.org" in text and "/login" in text


@pytest.mark.parametrize("weak", ["password123456", "aaaaaaaaaaaa", "qwertyuiopasdf", "iloveyou12345"])
def test_weak_passwords_are_refused(client, session, weak):
    r = client.post("/api/v1/auth/register", json={**_body("weak@example.org"), "password": weak})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "password"]
    assert accounts.find_by_email(session, "weak@example.org") is None


def test_strong_password_is_accepted(client, session):
    assert client.post("/api/v1/auth/register", json={**_body("ok@example.org"), "password": PASSWORD}).status_code == 202
