"""security.md item 14 (what a person types renders as text) and item 17 (hidden fields
such as role, user_id or patient_id cannot be used to act on someone else)."""

from __future__ import annotations

from sqlalchemy import select

from app.accounts import service as accounts
from app.accounts.models import Role, User
from app.security import passwords
from tests.factories import PASSWORD, browser_login, csrf_from, form_post, make_user

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'
ESCAPED = "&lt;script&gt;alert("


def assert_inert(html: str) -> None:
    assert "<script>alert" not in html and "<img src=x" not in html
    assert ESCAPED in html


def test_script_in_display_name_renders_as_text_everywhere(client, anon_client, session):
    page = client.get("/register?safe=yes")
    r = client.post("/register", data={"email": "xss@example.org", "password": PASSWORD, "display_name": XSS,
                                       "consent": "yes", "phone": "07911 123456", "date_of_birth": "1990-04-23",
                                       "csrf_token": csrf_from(page.text)}, follow_redirects=False)
    assert r.status_code == 303  # "check your e-mail" (the same for every address), then sign in
    page = client.get("/login")
    r = client.post("/login", data={"email": "xss@example.org", "password": PASSWORD,
                                    "csrf_token": csrf_from(page.text), "next": "/account"}, follow_redirects=False)
    assert r.status_code == 303
    assert_inert(client.get("/account").text)
    admin = make_user(session, Role.admin)
    browser_login(anon_client, admin)
    assert_inert(anon_client.get("/admin").text)
    user = accounts.find_by_email(session, "xss@example.org")
    assert_inert(anon_client.get(f"/admin/users/{user.id}").text)


def test_script_in_rejected_form_input_renders_as_text(client):
    page = client.get("/register?safe=yes")
    r = client.post("/register", data={"email": XSS, "password": "x", "display_name": XSS,
                                       "csrf_token": csrf_from(page.text)})
    assert r.status_code == 422
    assert_inert(r.text)
    page = client.get("/login")
    r = client.post("/login", data={"email": XSS[:254], "password": "whatever password",
                                    "csrf_token": csrf_from(page.text)})
    assert "<script>alert" not in r.text


def test_register_ignores_role_and_id_fields(client, session):
    page = client.get("/register?safe=yes")
    forged_id = "11111111-1111-4111-8111-111111111111"
    r = client.post("/register", data={"email": "climber@example.org", "password": PASSWORD, "consent": "yes",
                                       "phone": "07911 123456", "date_of_birth": "1990-04-23",
                                       "role": "admin", "id": forged_id, "user_id": forged_id, "is_active": "true",
                                       "csrf_token": csrf_from(page.text)}, follow_redirects=False)
    assert r.status_code == 303
    user = accounts.find_by_email(session, "climber@example.org")
    assert user.role == Role.patient and str(user.id) != forged_id


def test_api_register_refuses_extra_fields(client, session):
    r = client.post("/api/v1/auth/register", json={"email": "climber2@example.org", "password": PASSWORD,
                                                   "consent": True, "role": "admin"})
    assert r.status_code == 422
    assert accounts.find_by_email(session, "climber2@example.org") is None


def test_account_forms_act_on_the_signed_in_user_only(client, session):
    me, victim = make_user(session), make_user(session)
    victim_hash = victim.user.password_hash
    browser_login(client, me)
    r = form_post(client, "/account", "/account/password",
                  {"current_password": PASSWORD, "new_password": "my own new phrase",
                   "user_id": str(victim.id), "patient_id": str(victim.id), "email": victim.email},
                  follow_redirects=False)
    assert r.status_code == 303
    session.expire_all()
    assert session.get(User, victim.id).password_hash == victim_hash
    assert passwords.pwd_context.verify("my own new phrase", session.get(User, me.id).password_hash)


def test_reset_link_acts_on_its_own_account_only(client, session):
    import re

    from app.mail import service as mail
    from app.mail.models import OutboxMessage
    me, victim = make_user(session), make_user(session)
    page = client.get("/forgot-password")
    client.post("/forgot-password", data={"email": me.email, "csrf_token": csrf_from(page.text)})
    session.expire_all()
    msg = session.scalars(select(OutboxMessage)).one()
    token = re.search(r"/reset-password/(\S+)", mail.body(session, msg)).group(1)
    page = client.get(f"/reset-password/{token}")
    r = client.post(f"/reset-password/{token}", data={
        "password": "taken over phrase", "confirm": "taken over phrase", "user_id": str(victim.id),
        "email": victim.email, "csrf_token": csrf_from(page.text)}, follow_redirects=False)
    assert r.status_code == 303
    session.expire_all()
    assert not passwords.pwd_context.verify("taken over phrase", session.get(User, victim.id).password_hash)
    assert passwords.pwd_context.verify("taken over phrase", session.get(User, me.id).password_hash)


def test_admin_action_uses_the_path_not_a_hidden_field(client, session):
    admin, target, bystander = make_user(session, Role.admin), make_user(session), make_user(session)
    browser_login(client, admin)
    form_post(client, f"/admin/users/{target.id}", f"/admin/users/{target.id}/active",
              {"active": "no", "confirm": "yes", "user_id": str(bystander.id), "patient_id": str(bystander.id)})
    session.expire_all()
    assert session.get(User, target.id).is_active is False
    assert session.get(User, bystander.id).is_active is True
