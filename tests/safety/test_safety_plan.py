"""The patient's safety plan and "I am not safe right now"."""

from __future__ import annotations

from sqlalchemy import select

from app.alerts.models import Alert
from app.safety import service as safety
from app.safety.models import SafetyPlan
from tests.alerts.support import alerts_of, care_pair, count
from tests.factories import api_token, browser_login, csrf_from, make_user

CANARY = "canary-plan-5512 <script>alert(1)</script>"


def test_new_plan_form_suggests_crisis_lines_from_the_escalation_file(client, session):
    patient = make_user(session, "patient")
    browser_login(client, patient)
    page = client.get("/safety-plan")
    assert page.status_code == 200 and 'href="/safety-plan/edit"' in page.text
    form = client.get("/safety-plan/edit")
    assert form.status_code == 200
    assert "Samaritans: call 116 123" in form.text and "Shout: text SHOUT to 85258" in form.text
    assert 'name="warning_signs"' in form.text and 'name="environment"' in form.text


def test_save_view_and_edit(client, session):
    patient = make_user(session, "patient")
    browser_login(client, patient)
    form = client.get("/safety-plan/edit")
    r = client.post("/safety-plan", follow_redirects=False, data={
        "csrf_token": csrf_from(form.text), "warning_signs": f"Not sleeping\n{CANARY}",
        "coping": "Walk the dog", "contacts": "Sam 07700 900123", "professionals": "GP"})
    assert r.status_code == 303 and r.headers["location"] == "/safety-plan?notice=saved"
    page = client.get(r.headers["location"])
    assert "Your safety plan is saved." in page.text
    assert "<li>Not sleeping</li>" in page.text and "Walk the dog" in page.text
    assert "<script>alert(1)</script>" not in page.text and "&lt;script&gt;" in page.text
    # stored encrypted
    row = session.scalars(select(SafetyPlan)).one()
    assert b"canary-plan-5512" not in row.content_enc and b"Walk the dog" not in row.content_enc
    # editing shows what was saved (not the suggestion) and saving again keeps one row
    form = client.get("/safety-plan/edit")
    assert "Walk the dog" in form.text and "Samaritans: call" not in form.text
    assert 'name="version" value="1"' in form.text    # the version the change is made from
    client.post("/safety-plan", data={"csrf_token": csrf_from(form.text), "coping": "Music", "version": "1"})
    session.expire_all()
    assert count(session, SafetyPlan) == 1
    assert safety.get(session, patient.id).sections["coping"] == "Music"


def test_too_long_is_422_beside_the_field_and_nothing_stored(client, session):
    patient = make_user(session, "patient")
    browser_login(client, patient)
    form = client.get("/safety-plan/edit")
    r = client.post("/safety-plan", data={"csrf_token": csrf_from(form.text), "coping": "ok",
                                          "environment": "x" * (safety.SECTION_MAX + 1)})
    assert r.status_code == 422
    assert 'id="e-environment"' in r.text and "2000 characters" in r.text
    assert count(session, SafetyPlan) == 0


def test_api_get_and_put(client, session):
    patient = make_user(session, "patient")
    h = api_token(client, patient)
    got = client.get("/api/v1/safety-plan", headers=h).json()
    assert got["exists"] is False and "Samaritans" in got["sections"]["professionals"]
    r = client.put("/api/v1/safety-plan", json={"warning_signs": "Staying in bed"}, headers=h)
    assert r.status_code == 200 and r.json()["exists"] is True
    assert client.get("/api/v1/safety-plan", headers=h).json()["sections"]["warning_signs"] == "Staying in bed"
    assert client.put("/api/v1/safety-plan", json={"coping": "x" * 2001}, headers=h).status_code == 422
    assert client.put("/api/v1/safety-plan", json={"patient_id": str(patient.id)}, headers=h).status_code == 422


def test_patients_see_only_their_own_plan(client, session):
    a, b = make_user(session, "patient"), make_user(session, "patient")
    safety.save(session, a.user, {"coping": "A's secret"})
    session.commit()
    got = client.get("/api/v1/safety-plan", headers=api_token(client, b)).json()
    assert got["exists"] is False and "A's secret" not in str(got)


def test_help_page_links_the_plan_for_patients(client, session):
    patient = make_user(session, "patient")
    browser_login(client, patient)
    assert 'href="/safety-plan"' in client.get("/help").text


def test_clinician_sees_the_plan_and_the_view_is_audited(client, session):
    from app.audit.models import AuditEvent
    patient, clinician = care_pair(session)
    safety.save(session, patient.user, {"coping": "Call my sister"})
    session.commit()
    browser_login(client, clinician)
    page = client.get(f"/clinician/patients/{patient.id}")
    assert page.status_code == 200 and "Call my sister" in page.text
    ev = session.scalars(select(AuditEvent).where(AuditEvent.record_type == "safety_plan")).one()
    assert (ev.action, ev.actor_id, ev.patient_id) == ("record.view", clinician.id, patient.id)


# ---------------------------------------------------------------- I am not safe right now


def test_not_safe_page_raises_an_emergency_alert_and_shows_the_crisis_screen(client, session, frozen_clock, oncall,
                                                                             mail_server):
    patient, clinician = care_pair(session)
    browser_login(client, patient)
    page = client.get("/not-safe?source=diary")
    assert page.status_code == 200 and 'name="source" value="diary"' in page.text
    assert count(session, Alert) == 0                       # a GET never raises an alert
    r = client.post("/not-safe", data={"csrf_token": csrf_from(page.text), "source": "diary"}, follow_redirects=False)
    assert r.status_code == 303
    [alert] = alerts_of(session, patient)
    assert (alert.rule, alert.tier, alert.status) == ("patient_reported_emergency", "emergency", "open")
    screen = client.get(r.headers["location"])
    assert "999" in screen.text and "Your care team is being told now. They aim to reply within" in screen.text
    assert "You told us you are not safe right now" in screen.text


def test_not_safe_with_a_tampered_source_still_raises_the_alert(client, session, frozen_clock):
    patient, _ = care_pair(session)
    browser_login(client, patient)
    page = client.get("/not-safe")
    client.post("/not-safe", data={"csrf_token": csrf_from(page.text), "source": "<b>"})
    assert [a.rule for a in alerts_of(session, patient)] == ["patient_reported_emergency"]


def test_not_safe_api(client, session, frozen_clock, mail_server):
    patient, _ = care_pair(session)
    h = api_token(client, patient)
    r = client.post("/api/v1/not-safe", json={"source": "checkin"}, headers=h)
    assert r.status_code == 201
    body = r.json()
    assert body["tier"] == "emergency" and body["escalation"]["tier"] == "emergency"
    assert body["status"][0]["message"].startswith("Your care team is being told now.")
    assert body["escalation"]["care_team"]["status"] == "notified"
    # never refused: an odd or missing source still raises (updates) the emergency alert
    assert client.post("/api/v1/not-safe", json={"source": "x"}, headers=h).status_code == 201
    assert client.post("/api/v1/not-safe", headers=h).status_code == 201
    [alert] = alerts_of(session, patient)
    assert alert.count == 3
