"""Issue 20, words a first-time user trips over, and the favicon: quiz feedback quotes an
option once, the week view does not call days still to come empty, and an invitation does not
speak of signing out of other devices to someone who has never signed in."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.accounts import service as accounts
from app.accounts.models import Role
from app.config import ROOT
from app.mail import service as mail
from app.mail.models import OutboxMessage
from tests.factories import browser_login, csrf_from, form_post, make_user
from tests.programme.support import M1, do_checkin


def test_quiz_feedback_quotes_an_option_once(client, session, frozen_clock):
    patient = make_user(session)
    do_checkin(session, patient)
    browser_login(client, patient)
    page = client.get(f"/modules/{M1}/quiz")
    # option 0 of question 1 is itself a quoted thought: "She must be fed up with me."
    r = client.post(f"/modules/{M1}/quiz", data={"csrf_token": csrf_from(page.text), "q0": "1", "q1": "1"})
    assert r.status_code == 200
    assert "The answer we had in mind: “She must be fed up with me.”" in r.text
    assert "You chose: “Worried”" in r.text
    for doubled in ("“&#34;", "“\"", "&#34;”", "\"”", "““", "””"):
        assert doubled not in r.text, doubled


def test_week_view_says_days_to_come_are_still_to_come(client, session, frozen_clock):
    patient = make_user(session)  # the clock is Monday 2 March 2026, 09:00
    browser_login(client, patient)
    r = client.get("/diary/week")
    assert r.status_code == 200
    days = re.findall(r'<h2 id="day-([0-9-]+)">.*?</h2>\s*<p class="muted">([^<]+)</p>', r.text, re.S)
    assert days[0] == ("2026-03-02", "No entries.")  # today has no entry yet
    assert [d for d, _ in days[1:]] == [f"2026-03-0{n}" for n in range(3, 9)]
    assert {text for _, text in days[1:]} == {"This day is still to come."}
    older = client.get("/diary/week?start=2026-02-23")
    assert "still to come" not in older.text and older.text.count("No entries.") == 7


def _invitation_link(session, email: str) -> str:  # type: ignore[no-untyped-def]
    session.expire_all()
    user = accounts.find_by_email(session, email)
    msg = session.scalars(select(OutboxMessage).where(OutboxMessage.user_id == user.id)
                          .order_by(OutboxMessage.created_at.desc())).first()
    return "/reset-password/" + re.search(r"/reset-password/(\S+)", mail.body(session, msg)).group(1)


def test_an_invitation_welcomes_a_new_user_without_talking_of_other_devices(client, anon_client, session):
    admin = make_user(session, Role.admin)
    browser_login(client, admin)
    form_post(client, "/admin/users/new", "/admin/users", {"role": "patient", "email": "first@example.org"})
    link = _invitation_link(session, "first@example.org")
    page = anon_client.get(link)
    assert page.status_code == 200
    assert "Welcome to Steady Steps" in page.text and "Set up my account" in page.text
    assert "other device" not in page.text
    bad = anon_client.post(link, data={"password": "short", "confirm": "short", "consent": "yes",
                                       "csrf_token": csrf_from(page.text)})
    assert bad.status_code == 422 and "Welcome to Steady Steps" in bad.text and "other device" not in bad.text
    # a forgotten-password link (an account in use) still says what choosing a password does
    user = make_user(session)
    page = anon_client.get("/forgot-password")
    anon_client.post("/forgot-password", data={"email": user.email, "csrf_token": csrf_from(page.text)})
    session.expire_all()
    msg = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "password_reset")).one()
    reset = anon_client.get("/reset-password/" + re.search(r"/reset-password/(\S+)", mail.body(session, msg)).group(1))
    assert "signs you out on every other device" in reset.text and "Welcome to Steady Steps" not in reset.text


def test_an_invitation_resent_to_an_account_in_use_keeps_the_warning(client, anon_client, session):
    admin = make_user(session, Role.admin)
    browser_login(client, admin)
    person = make_user(session)  # has chosen a password already (made a day "later" than created)
    from datetime import timedelta
    person.user.password_changed_at = person.user.created_at + timedelta(days=1)
    session.commit()
    form_post(client, f"/admin/users/{person.id}", f"/admin/users/{person.id}/invite", {})
    page = anon_client.get(_invitation_link(session, person.email))
    assert "signs you out on every other device" in page.text


def test_favicon_is_linked_and_answers(anon_client):
    home = anon_client.get("/")
    assert '<link rel="icon" href="/favicon.ico"' in home.text and 'href="/static/favicon.svg"' in home.text
    ico = anon_client.get("/favicon.ico")
    assert ico.status_code == 200 and ico.headers["content-type"] == "image/x-icon"
    assert ico.content == (ROOT / "static" / "favicon.ico").read_bytes() and ico.content[:4] == b"\0\0\1\0"
    svg = anon_client.get("/static/favicon.svg")
    assert svg.status_code == 200 and svg.text.startswith("<svg")
