"""The admin's erasure button: a request shows up, a wrong confirmation erases nothing, the
right one erases; the audit event names the admin."""

from __future__ import annotations

from sqlalchemy import select

from app.accounts import service as accounts
from app.audit import service as audit
from app.audit.models import AuditEvent
from tests.factories import PASSWORD, api_token, browser_login, csrf_from, make_user


def test_admin_carries_out_a_request(client, anon_client, session):  # type: ignore[no-untyped-def]
    p, admin = make_user(session), make_user(session, "admin")
    pid = p.id
    assert anon_client.post("/api/v1/me/erasure", json={"password": PASSWORD},
                            headers=api_token(anon_client, p)).status_code == 202
    browser_login(client, admin)
    page = client.get("/admin/erasure")
    assert page.status_code == 200 and p.email in page.text
    action = next(line for line in page.text.splitlines() if 'action="/admin/erasure/' in line)
    url = action.split('action="')[1].split('"')[0]
    r = client.post(url, data={"csrf_token": csrf_from(page.text), "confirm_email": "someone@else.example"})
    assert r.status_code == 422 and "exactly to confirm" in r.text and 'value="someone@else.example"' in r.text
    session.rollback()
    assert accounts.find_by_email(session, p.email) is not None
    r = client.post(url, data={"csrf_token": csrf_from(page.text), "confirm_email": p.email}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/admin/erasure?done=1"
    session.rollback()
    assert accounts.find_by_email(session, p.email) is None
    assert "No erasure requests are waiting" in client.get("/admin/erasure?done=1").text
    ev = session.scalars(select(AuditEvent).where(AuditEvent.action == "patient.erase")).one()
    assert (ev.patient_id, ev.actor_id, ev.actor_role) == (pid, admin.id, "admin")
    assert audit.verify(session).ok
    assert anon_client.post("/api/v1/auth/token", data={"username": p.email, "password": PASSWORD}).status_code == 401
