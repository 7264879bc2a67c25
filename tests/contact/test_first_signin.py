"""An invited patient's first sign-in (issue 12, items 4 and 10): the safety question, then the
phone number, before anything else; never asked again once both are done."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.accounts import service as accounts
from app.accounts.models import Role
from app.alerts.models import Alert
from app.contact import service as contact
from app.mail import service as mail
from app.mail.models import OutboxMessage
from tests.factories import browser_login, csrf_from, form_post, make_user

PASSWORD = "a long new patient phrase"


def _invited_patient(client, anon_client, session, email="invited@example.org"):  # type: ignore[no-untyped-def]
    """An admin invites a patient; the patient chooses a password through the link."""
    browser_login(client, make_user(session, Role.admin))
    form_post(client, "/admin/users/new", "/admin/users", {"role": "patient", "email": email})
    session.expire_all()
    user = accounts.find_by_email(session, email)
    msg = session.scalars(select(OutboxMessage).where(OutboxMessage.user_id == user.id)).one()
    link = "/reset-password/" + re.search(r"/reset-password/(\S+)", mail.body(session, msg)).group(1)
    page = anon_client.get(link)
    r = anon_client.post(link, data={"password": PASSWORD, "confirm": PASSWORD, "consent": "yes",
                                     "csrf_token": csrf_from(page.text)}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login?notice=password-set"
    return user


def _sign_in(c, email):  # type: ignore[no-untyped-def]
    page = c.get("/login")
    r = c.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": csrf_from(page.text),
                               "next": "/"}, follow_redirects=False)
    assert r.status_code == 303
    return r.headers["location"]


def test_invited_patient_answers_yes_then_must_give_a_valid_phone(client, anon_client, session):
    user = _invited_patient(client, anon_client, session)
    assert _sign_in(anon_client, "invited@example.org") == "/welcome/safe"
    # before anything else: the home page sends them back to the question
    r = anon_client.get("/", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/welcome/safe"
    page = anon_client.get("/welcome/safe")
    assert "Are you safe right now?" in page.text and "Get help now" in page.text
    # no answer: the form again, naming the field, nothing stored
    r = anon_client.post("/welcome/safe", data={"csrf_token": csrf_from(page.text)})
    assert r.status_code == 422 and "Choose yes or no." in r.text
    session.expire_all()
    assert contact.safety_answered_at(session, user.id) is None
    r = anon_client.post("/welcome/safe", data={"safe": "yes", "csrf_token": csrf_from(page.text)},
                         follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/welcome/phone"
    session.expire_all()
    assert contact.safety_answered_at(session, user.id) is not None
    assert not contact.has_phone(session, user.id)
    # still no phone: home goes to the phone question, and so does the next sign-in
    assert anon_client.get("/", follow_redirects=False).headers["location"] == "/welcome/phone"
    other = type(anon_client)(anon_client.app, base_url=str(anon_client.base_url))
    assert _sign_in(other, "invited@example.org") == "/welcome/phone"
    # an invalid phone: the form again with the message and what was typed, nothing stored
    page = anon_client.get("/welcome/phone")
    r = anon_client.post("/welcome/phone", data={"phone": "12", "csrf_token": csrf_from(page.text)})
    assert r.status_code == 422 and "does not look like a phone number" in r.text and 'value="12"' in r.text
    session.expire_all()
    assert not contact.has_phone(session, user.id)
    r = anon_client.post("/welcome/phone", data={"phone": "", "csrf_token": csrf_from(page.text)})
    assert r.status_code == 422 and "Enter a phone number." in r.text
    r = anon_client.post("/welcome/phone", data={"phone": "07911 123456", "csrf_token": csrf_from(page.text)},
                         follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/"
    session.expire_all()
    assert contact.get(session, user.id).phone == "+44 7911 123456"
    assert contact.safety_answered_at(session, user.id) is not None
    home = anon_client.get("/")
    assert home.status_code == 200 and "Please add your phone number" not in home.text
    # never asked again; editing the contact details keeps the answer
    form_post(anon_client, "/account/contact", "/account/contact", {"phone": "07911 654321", "gp_name": "Elm"})
    session.expire_all()
    assert contact.safety_answered_at(session, user.id) is not None
    third = type(anon_client)(anon_client.app, base_url=str(anon_client.base_url))
    assert _sign_in(third, "invited@example.org") == "/"
    assert third.get("/welcome/safe", follow_redirects=False).headers["location"] == "/"


def test_invited_patient_answering_no_sees_crisis_resources_and_nobody_is_told(client, anon_client, session):
    user = _invited_patient(client, anon_client, session)
    _sign_in(anon_client, "invited@example.org")
    page = anon_client.get("/welcome/safe")
    r = anon_client.post("/welcome/safe", data={"safe": "no", "csrf_token": csrf_from(page.text)})
    assert r.status_code == 200
    assert "If you are in danger right now" in r.text and 'href="tel:' in r.text
    assert "Your care team has not been told" in r.text and "I am not safe right now" in r.text
    session.expire_all()
    assert session.scalars(select(Alert).where(Alert.patient_id == user.id)).first() is None
    assert contact.safety_answered_at(session, user.id) is None   # asked again next time
    assert anon_client.get("/", follow_redirects=False).headers["location"] == "/welcome/safe"
    # pressing "I am not safe right now" uses the usual path: an emergency alert
    r = anon_client.post("/not-safe", data={"source": "checkin", "csrf_token": csrf_from(r.text)},
                         follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/not-safe?told=1")
    session.expire_all()
    assert session.scalars(select(Alert).where(Alert.patient_id == user.id)).first() is not None


def test_patients_not_invited_and_staff_are_not_asked(client, session):
    patient = make_user(session)
    browser_login(client, patient)
    assert client.get("/", follow_redirects=False).status_code == 200
    assert client.get("/welcome/safe", follow_redirects=False).headers["location"] == "/"
    assert client.get("/welcome/phone", follow_redirects=False).headers["location"] == "/"


def test_invited_clinician_is_not_asked(client, anon_client, session):
    browser_login(client, make_user(session, Role.admin))
    form_post(client, "/admin/users/new", "/admin/users", {"role": "clinician", "email": "doc@example.org"})
    session.expire_all()
    user = accounts.find_by_email(session, "doc@example.org")
    msg = session.scalars(select(OutboxMessage).where(OutboxMessage.user_id == user.id)).one()
    link = "/reset-password/" + re.search(r"/reset-password/(\S+)", mail.body(session, msg)).group(1)
    page = anon_client.get(link)
    anon_client.post(link, data={"password": PASSWORD, "confirm": PASSWORD, "csrf_token": csrf_from(page.text)})
    assert _sign_in(anon_client, "doc@example.org") == "/clinician"


def test_the_api_is_not_gated_and_does_not_show_the_answer(client, anon_client, session):
    user = _invited_patient(client, anon_client, session)
    _sign_in(anon_client, "invited@example.org")
    page = anon_client.get("/welcome/safe")
    anon_client.post("/welcome/safe", data={"safe": "yes", "csrf_token": csrf_from(page.text)})
    r = anon_client.post("/api/v1/auth/token", data={"username": "invited@example.org", "password": PASSWORD})
    assert r.status_code == 200
    auth = {"Authorization": f"Bearer {r.json()['access_token']}"}
    me = anon_client.get("/api/v1/me/contact", headers=auth)
    assert me.status_code == 200 and me.json()["phone"] is None and "safety_answered_at" not in me.json()
    put = anon_client.put("/api/v1/me/contact", headers=auth, json={"phone": "07911 123456"})
    assert put.status_code == 200
    session.expire_all()
    assert contact.safety_answered_at(session, user.id) is not None   # an API edit keeps the answer
