"""Account self-service: name, e-mail change (no enumeration), consent at sign-in and its
withdrawal, the data pages and the erasure form."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from app import clock
from app.accounts import service as accounts
from app.audit.models import AuditEvent
from app.config import get_settings
from app.mail.models import OutboxMessage
from app.privacy.models import ConsentRecord, EmailChange
from app.security import crypto
from tests.factories import PASSWORD, api_token, assign, browser_login, csrf_from, form_post, make_user
from tests.privacy.support import fill


def _mail(session, kind):  # type: ignore[no-untyped-def]
    session.rollback()
    rows = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind)).all()
    return [(crypto.unseal(session, m, "to_enc"), crypto.unseal(session, m, "body_enc")) for m in rows]


def test_patch_me_display_name(client, session):  # type: ignore[no-untyped-def]
    p = make_user(session, name="Old")
    h = api_token(client, p)
    r = client.patch("/api/v1/me", json={"display_name": "  Robin  "}, headers=h)
    assert r.status_code == 200 and r.json()["display_name"] == "Robin"
    assert client.get("/api/v1/me", headers=h).json()["display_name"] == "Robin"
    r = client.patch("/api/v1/me", json={"display_name": "x" * 81}, headers=h)
    assert r.status_code == 422 and r.json()["detail"][0]["loc"][-1] == "display_name"
    r = client.patch("/api/v1/me", json={"email": "a@b.org"}, headers=h)
    assert r.status_code == 422
    assert client.get("/api/v1/me", headers=h).json()["display_name"] == "Robin"


def test_email_change_same_answer_for_taken_address(client, session):  # type: ignore[no-untyped-def]
    p, other = make_user(session), make_user(session)
    h = api_token(client, p)
    free = client.post("/api/v1/me/email", json={"email": "fresh@example.org", "password": PASSWORD}, headers=h)
    taken = client.post("/api/v1/me/email", json={"email": other.email.upper(), "password": PASSWORD}, headers=h)
    assert free.status_code == taken.status_code == 202
    assert free.json() == taken.json()
    # only the free address got a link; the owner of the taken one is told, the old address twice
    links = _mail(session, "email_change_confirm")
    assert [to for to, _ in links] == ["fresh@example.org"]
    assert [to for to, _ in _mail(session, "email_change_taken")] == [other.email]
    assert [to for to, _ in _mail(session, "email_change_notice")] == [p.email, p.email]
    # the taken request spent the earlier link: only the newest request counts
    token = re.search(r"/account/email/confirm/(\S+)", links[0][1]).group(1)
    assert client.get(f"/account/email/confirm/{token}").status_code == 400
    # wrong password: refused, nothing sent
    r = client.post("/api/v1/me/email", json={"email": "third@example.org", "password": "wrong password"}, headers=h)
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "password"]
    assert len(_mail(session, "email_change_confirm")) == 1


def test_email_change_confirmed_by_link(client, session):  # type: ignore[no-untyped-def]
    p = make_user(session)
    browser_login(client, p)
    r = form_post(client, "/account", "/account/email", {"new_email": "Moved@Example.org", "email_password": PASSWORD},
                  follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/account?notice=email-sent"
    (to, body), = _mail(session, "email_change_confirm")
    assert to == "moved@example.org"
    token = re.search(r"/account/email/confirm/(\S+)", body).group(1)
    page = client.get(f"/account/email/confirm/{token}")
    assert page.status_code == 200 and "moved@example.org" in page.text
    session.rollback()
    assert accounts.find_by_email(session, p.email) is not None  # looking changes nothing
    r = client.post(f"/account/email/confirm/{token}", data={"csrf_token": csrf_from(page.text)}, follow_redirects=False)
    assert r.status_code == 303
    session.rollback()
    assert accounts.find_by_email(session, p.email) is None
    assert accounts.find_by_email(session, "moved@example.org").id == p.id
    assert [to for to, _ in _mail(session, "email_changed")] == [p.email]  # notice to the old address
    assert client.post(f"/account/email/confirm/{token}", data={"csrf_token": csrf_from(page.text)}).status_code == 400
    client.cookies.clear()
    assert client.post("/api/v1/auth/token", data={"username": "moved@example.org", "password": PASSWORD}).status_code == 200


def test_email_form_bad_input_shown_again(client, session):  # type: ignore[no-untyped-def]
    p = make_user(session)
    browser_login(client, p)
    r = form_post(client, "/account", "/account/email", {"new_email": "not-an-address", "email_password": PASSWORD})
    assert r.status_code == 422 and "Enter an email address" in r.text and 'value="not-an-address"' in r.text
    r = form_post(client, "/account", "/account/email", {"new_email": "ok@example.org", "email_password": "nope"})
    assert r.status_code == 422 and "password is not right" in r.text
    session.rollback()
    assert session.scalars(select(EmailChange)).all() == []


def test_changed_notice_asks_again_at_sign_in(client, session, monkeypatch):  # type: ignore[no-untyped-def]
    p = make_user(session)
    session.rollback()
    first = session.scalars(select(ConsentRecord).where(ConsentRecord.user_id == p.id)).one()
    assert (first.action, first.privacy_version) == ("accepted", get_settings().privacy_version)
    browser_login(client, p)  # the versions in force: straight in
    client.cookies.clear()
    monkeypatch.setenv("ICBT_PRIVACY_VERSION", "2027-01")
    get_settings.cache_clear()
    page = client.get("/login")
    r = client.post("/login", data={"email": p.email, "password": PASSWORD, "csrf_token": csrf_from(page.text),
                                    "next": "/diary"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/consent?next=/diary"
    page = client.get("/consent?next=/diary")
    assert "We have changed our" in page.text and "2027-01" in page.text
    r = client.post("/consent", data={"csrf_token": csrf_from(page.text), "next": "/diary"}, follow_redirects=False)
    assert r.status_code == 422 and "please agree" in r.text
    r = client.post("/consent", data={"csrf_token": csrf_from(page.text), "next": "/diary", "consent": "yes"},
                    follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/diary"
    session.rollback()
    rows = session.scalars(select(ConsentRecord).where(ConsentRecord.user_id == p.id).order_by(ConsentRecord.at)).all()
    assert [r.privacy_version for r in rows] == [first.privacy_version, "2027-01"]
    h = api_token(client, p)
    assert client.get("/api/v1/me/consent", headers=h).json()["up_to_date"] is True


def test_withdraw_consent(client, session):  # type: ignore[no-untyped-def]
    p = make_user(session)
    browser_login(client, p)
    page = client.get("/account")
    assert "Withdrawing your agreement" in page.text and "does not erase" in page.text
    r = client.post("/account/consent/withdraw", data={"csrf_token": csrf_from(page.text)})
    assert r.status_code == 422 and "Tick the box" in r.text
    r = client.post("/account/consent/withdraw", data={"csrf_token": csrf_from(page.text), "confirm": "yes"})
    assert r.status_code == 200 and "withdrawn your agreement" in r.text
    assert client.get("/account", follow_redirects=False).status_code in (302, 303)  # signed out
    page = client.get("/login")
    r = client.post("/login", data={"email": p.email, "password": PASSWORD, "csrf_token": csrf_from(page.text),
                                    "next": "/"}, follow_redirects=False)
    assert r.headers["location"].startswith("/consent")


def test_privacy_page_is_complete(client, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("ICBT_CONTROLLER_NAME", "Riverside Talking Therapies")
    monkeypatch.setenv("ICBT_CONTROLLER_CONTACT", "privacy@riverside.example")
    get_settings.cache_clear()
    text = client.get("/privacy").text
    for needed in ("Riverside Talking Therapies", "privacy@riverside.example", "9(2)(h)", "On-call clinicians",
                   "8 years", "Your rights", "Complaints", "Information Commissioner"):
        assert needed in text, needed


def test_summary_and_downloads(client, session):  # type: ignore[no-untyped-def]
    with clock.frozen(datetime(2026, 3, 2, 9, 0, tzinfo=UTC)):
        p = make_user(session, name="Sam")
        fill(session, p)
        from app.guided import service as guided
        from app.messages import service as messages
        clin = make_user(session, "clinician", name="Dr Rao")
        assign(session, p, clin)
        messages.send_from_patient(session, p.user, "Thank you for the call on Monday.")
        guided.add_note(session, clin.user, p.id, "Private: consider stepping up.")
        session.commit()
    browser_login(client, p)
    page = client.get("/account/summary")
    assert page.status_code == 200
    for needed in ("PHQ-9", "GAD-7", "A walk by the river helped.", "On the bus", "Not sleeping", "My sister", "<svg",
                   "Thank you for the call on Monday.", "Every change to your safety plan",
                   "Written by you on 16 Mar 2026"):
        assert needed in page.text, needed
    assert "consider stepping up" not in page.text  # a clinician's private note is not in the summary
    j = client.get("/account/export.json")
    assert j.status_code == 200 and "attachment" in j.headers["content-disposition"]
    data = j.json()
    assert data["person"]["email"] == p.email
    assert {"assessments", "diary_entries", "homework_entries", "safety_plans", "consent_records"} <= set(data["records"])
    assert data["records"]["diary_entries"][0]["note"] == "A walk by the river helped."
    # every version of the safety plan, decrypted: who, when, which sections and the text
    (v,) = data["records"]["safety_plan_versions"]
    assert (v["number"], v["author_role"], v["author_name"]) == (1, "patient", "Sam")
    assert v["content"]["sections"]["reasons"] == "My sister" and v["content"]["changed"] == ["warning_signs", "reasons"]
    assert data["records"]["assessments"][0]["answers"] == [2, 2, 2, 2, 1, 1, 1, 1, 0]
    flat = j.text
    assert "Thank you for the call on Monday." in flat and "consider stepping up" not in flat
    assert "password_hash" not in flat and "token_hash" not in flat and "wrapped" not in flat
    f = client.get("/account/export.fhir.json")
    assert f.status_code == 200 and f.json()["resourceType"] == "Bundle"
    from tests.fhir.validator import assert_valid
    assert_valid(f.json())
    session.rollback()
    acts = session.scalars(select(AuditEvent.action).where(AuditEvent.patient_id == p.id)).all()
    assert {"export.summary", "export.json.page", "export.fhir.page"} <= set(acts)


def test_erasure_form_needs_the_password(client, session):  # type: ignore[no-untyped-def]
    p = make_user(session)
    browser_login(client, p)
    r = form_post(client, "/account", "/account/erasure", {"erasure_password": "wrong one"})
    assert r.status_code == 422 and "password is not right" in r.text
    assert client.get("/account").status_code == 200  # still signed in, nothing asked
    r = form_post(client, "/account", "/account/erasure", {"erasure_password": PASSWORD})
    assert r.status_code == 200 and "We have your request" in r.text
    assert client.get("/account", follow_redirects=False).status_code in (302, 303)


@pytest.mark.parametrize("path", ["/api/v1/me/export", "/api/v1/me/export/fhir"])
def test_api_exports_are_audited(client, session, path):  # type: ignore[no-untyped-def]
    p = make_user(session)
    r = client.get(path, headers=api_token(client, p))
    assert r.status_code == 200
    session.rollback()
    acts = session.scalars(select(AuditEvent.action).where(AuditEvent.patient_id == p.id)).all()
    assert any(a.startswith("export.") for a in acts)
