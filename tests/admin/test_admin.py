"""The admin area: list, create (with invitation), enable/disable, assignments; all audited."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.accounts import service as accounts
from app.accounts.models import Assignment, Role, User
from app.audit.models import AuditEvent
from app.mail import service as mail
from app.mail.models import OutboxMessage
from tests.factories import browser_login, csrf_from, form_post, make_user


def admin_client(client, session):  # type: ignore[no-untyped-def]
    admin = make_user(session, Role.admin, name="Ada Admin")
    browser_login(client, admin)
    return admin


def actions(session) -> list[str]:  # type: ignore[no-untyped-def]
    session.expire_all()
    return [e.action for e in session.scalars(select(AuditEvent).order_by(AuditEvent.seq))]


def test_list_shows_roles_names_status_and_clinicians(client, session):
    admin_client(client, session)
    p = make_user(session, Role.patient, name="Pat Patient")
    c = make_user(session, Role.clinician, name="Dr Clin")
    accounts.assign(session, p.user, c.user)
    session.commit()
    r = client.get("/admin")
    assert r.status_code == 200
    assert p.email in r.text and "Pat Patient" in r.text and "Dr Clin" in r.text and "Clinician" in r.text
    assert "admin.users.list" in actions(session)
    r = client.get("/admin?role=clinician")
    assert c.email in r.text and p.email not in r.text


def test_create_clinician_sends_invitation_and_link_sets_password(client, anon_client, session):
    admin = admin_client(client, session)
    r = form_post(client, "/admin/users/new", "/admin/users",
                  {"role": "clinician", "email": "New.Clin@Example.org", "display_name": "Dr New"},
                  follow_redirects=False)
    assert r.status_code == 303, r.text
    session.expire_all()
    user = accounts.find_by_email(session, "new.clin@example.org")
    assert user is not None and user.role == Role.clinician
    msg = session.scalars(select(OutboxMessage).where(OutboxMessage.user_id == user.id)).one()
    assert msg.kind == "invitation"
    token = re.search(r"/reset-password/(\S+)", mail.body(session, msg)).group(1)
    page = anon_client.get(f"/reset-password/{token}")
    assert page.status_code == 200 and "consent" not in page.text
    r = anon_client.post(f"/reset-password/{token}", data={
        "password": "a long new clinic phrase", "confirm": "a long new clinic phrase",
        "csrf_token": csrf_from(page.text)}, follow_redirects=False)
    assert r.headers["location"] == "/login?notice=password-set"
    ev = session.scalars(select(AuditEvent).where(AuditEvent.action == "account.create")).all()
    assert any(e.actor_id == admin.id for e in ev)


def test_invited_patient_must_consent_when_choosing_password(client, anon_client, session):
    admin_client(client, session)
    form_post(client, "/admin/users/new", "/admin/users", {"role": "patient", "email": "inv@example.org"})
    session.expire_all()
    user = accounts.find_by_email(session, "inv@example.org")
    assert user.consent_at is None and user.enrolled_at is not None
    msg = session.scalars(select(OutboxMessage).where(OutboxMessage.user_id == user.id)).one()
    token = re.search(r"/reset-password/(\S+)", mail.body(session, msg)).group(1)
    page = anon_client.get(f"/reset-password/{token}")
    data = {"password": "a long new patient phrase", "confirm": "a long new patient phrase",
            "csrf_token": csrf_from(page.text)}
    r = anon_client.post(f"/reset-password/{token}", data=data)
    assert r.status_code == 422 and "agree to the terms" in r.text
    r = anon_client.post(f"/reset-password/{token}", data={**data, "consent": "yes"}, follow_redirects=False)
    assert r.status_code == 303
    session.expire_all()
    assert session.get(User, user.id).consent_at is not None


def test_duplicate_email_and_bad_role_are_422(client, session):
    admin_client(client, session)
    other = make_user(session)
    r = form_post(client, "/admin/users/new", "/admin/users", {"role": "clinician", "email": other.email})
    assert r.status_code == 422 and "already exists" in r.text
    r = form_post(client, "/admin/users/new", "/admin/users", {"role": "superuser", "email": "x@example.org"})
    assert r.status_code == 422 and "Choose the kind of account" in r.text
    session.expire_all()
    assert accounts.find_by_email(session, "x@example.org") is None


def test_disable_revokes_sessions_and_enable_restores(client, anon_client, session):
    admin_client(client, session)
    p = make_user(session)
    browser_login(anon_client, p)
    assert anon_client.get("/account").status_code == 200
    r = form_post(client, f"/admin/users/{p.id}/disable", f"/admin/users/{p.id}/active",
                  {"active": "no", "confirm": "yes"}, follow_redirects=False)
    assert r.status_code == 303
    assert anon_client.get("/account", follow_redirects=False).status_code == 303  # signed out
    page = anon_client.get("/login")
    r = anon_client.post("/login", data={"email": p.email, "password": p.password,
                                         "csrf_token": csrf_from(page.text)})
    assert r.status_code == 400  # cannot sign in while disabled
    form_post(client, f"/admin/users/{p.id}", f"/admin/users/{p.id}/active", {"active": "yes"})
    browser_login(anon_client, p)
    assert {"account.disable", "account.enable"} <= set(actions(session))


def test_admin_cannot_disable_themselves(client, session):
    admin = admin_client(client, session)
    r = form_post(client, f"/admin/users/{admin.id}", f"/admin/users/{admin.id}/active", {"active": "no"})
    assert r.status_code == 422 and "your own account" in r.text
    session.expire_all()
    assert session.get(User, admin.id).is_active


def test_assign_several_clinicians_and_unassign(client, session):
    admin_client(client, session)
    p = make_user(session)
    c1, c2 = make_user(session, Role.clinician, name="One"), make_user(session, Role.clinician, name="Two")
    for c in (c1, c2):
        r = form_post(client, f"/admin/users/{p.id}", f"/admin/users/{p.id}/clinicians",
                      {"clinician_id": str(c.id)}, follow_redirects=False)
        assert r.status_code == 303
    session.expire_all()
    assert set(accounts.clinician_ids_for(session, p.id)) == {c1.id, c2.id}
    r = form_post(client, f"/admin/users/{p.id}", f"/admin/users/{p.id}/clinicians/{c1.id}/remove", {},
                  follow_redirects=False)
    assert r.status_code == 303
    session.expire_all()
    assert accounts.clinician_ids_for(session, p.id) == [c2.id]
    assert {"assignment.create", "assignment.delete"} <= set(actions(session))
    # a clinician cannot be "assigned" to a clinician
    r = form_post(client, f"/admin/users/{c1.id}", f"/admin/users/{c1.id}/clinicians", {"clinician_id": str(c2.id)})
    assert r.status_code == 422
    assert session.scalars(select(Assignment).where(Assignment.patient_id == c1.id)).first() is None


def test_non_admins_cannot_use_admin_pages(client, session):
    p = make_user(session)
    browser_login(client, p)
    assert client.get("/admin").status_code == 403
    r = form_post(client, "/account", "/admin/users", {"role": "admin", "email": "evil@example.org"})
    assert r.status_code == 403
    session.expire_all()
    assert accounts.find_by_email(session, "evil@example.org") is None
