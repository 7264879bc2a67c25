"""Password reset by e-mail link: same answer for every address, single use, 30 minutes."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from app.accounts.models import PasswordResetToken
from app.audit.models import AuditEvent
from app.mail import service as mail
from app.mail.models import OutboxMessage
from tests.factories import csrf_from, make_user

NEW = "a brand new pass phrase"


def ask(client, email: str):  # type: ignore[no-untyped-def]
    page = client.get("/forgot-password")
    return client.post("/forgot-password", data={"email": email, "csrf_token": csrf_from(page.text)},
                       follow_redirects=False)


def link_from_outbox(session) -> str:  # type: ignore[no-untyped-def]
    session.expire_all()
    msgs = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "password_reset")
                           .order_by(OutboxMessage.created_at.desc())).all()
    assert msgs, "no reset e-mail queued"
    m = re.search(r"http://\S+/reset-password/(\S+)", mail.body(session, msgs[0]))
    assert m
    return m.group(1)


def reset(client, token: str, password: str = NEW, confirm: str | None = None, **extra):  # type: ignore[no-untyped-def]
    page = client.get(f"/reset-password/{token}")
    assert page.status_code == 200, page.text
    return client.post(f"/reset-password/{token}", data={
        "password": password, "confirm": password if confirm is None else confirm,
        "csrf_token": csrf_from(page.text), **extra}, follow_redirects=False)


def test_same_answer_for_known_and_unknown_address(client, session):
    p = make_user(session)
    known = ask(client, p.email)
    unknown = ask(client, "nobody-here@example.org")
    assert known.status_code == unknown.status_code == 303
    assert known.headers["location"] == unknown.headers["location"] == "/forgot-password?sent=1"
    a = client.get(known.headers["location"])
    b = client.get(unknown.headers["location"])
    assert a.text == b.text and "If an account exists for that address" in a.text
    # only the real account got mail
    session.expire_all()
    assert session.scalar(select(OutboxMessage.user_id)) == p.id
    assert len(session.scalars(select(OutboxMessage)).all()) == 1


def test_link_resets_password_once_and_revokes_sessions(client, anon_client, session):
    from tests.factories import browser_login
    p = make_user(session)
    browser_login(anon_client, p)
    assert anon_client.get("/account").status_code == 200
    ask(client, p.email)
    token = link_from_outbox(session)
    session.expire_all()
    row = session.scalars(select(PasswordResetToken)).one()
    assert row.token_hash != token and token not in row.token_hash  # stored hashed
    r = reset(client, token)
    assert r.status_code == 303 and r.headers["location"] == "/login?notice=password-reset"
    # every session revoked
    assert anon_client.get("/account", follow_redirects=False).status_code == 303
    # used: a second use is refused with a kind page
    again = client.get(f"/reset-password/{token}")
    assert again.status_code == 400 and 'href="/forgot-password"' in again.text
    # the new password works, the old one does not
    page = client.get("/login")
    ok = client.post("/login", data={"email": p.email, "password": NEW, "csrf_token": csrf_from(page.text)},
                     follow_redirects=False)
    assert ok.status_code == 303
    session.expire_all()
    actions = [e.action for e in session.scalars(select(AuditEvent).order_by(AuditEvent.seq))]
    assert "password.reset_request" in actions and "password.reset" in actions


def test_link_expires_after_30_minutes(client, session, frozen_clock):
    from datetime import UTC, datetime
    t0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    p = make_user(session)
    ask(client, p.email)
    token = link_from_outbox(session)
    frozen_clock(t0 + timedelta(minutes=29))
    assert client.get(f"/reset-password/{token}").status_code == 200
    frozen_clock(t0 + timedelta(minutes=30, seconds=1))
    r = client.get(f"/reset-password/{token}")
    assert r.status_code == 400 and "expired" in r.text


def test_unknown_token_is_a_kind_page(client):
    r = client.get("/reset-password/not-a-real-token")
    assert r.status_code == 400 and "Ask for a new link" in r.text


def test_bad_new_password_stores_nothing(client, session):
    p = make_user(session)
    ask(client, p.email)
    token = link_from_outbox(session)
    r = reset(client, token, password="short")
    assert r.status_code == 422 and "at least 10" in r.text
    r = reset(client, token, password=NEW, confirm=NEW + "x")
    assert r.status_code == 422 and "not the same" in r.text
    assert client.get(f"/reset-password/{token}").status_code == 200  # still usable
