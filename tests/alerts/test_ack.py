"""Acknowledge and resolve, by API and by form; the inbox order and filters."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.alerts import service as alerts
from app.alerts.models import Alert
from app.audit.models import AuditEvent
from app.monitoring import service as monitoring
from tests.alerts.support import alerts_of, care_pair, later, phq9, submit
from tests.factories import api_token, assign, browser_login, csrf_from, make_user


def test_api_acknowledge_then_resolve(client, session, frozen_clock):
    patient, clinician = care_pair(session)
    submit(session, patient, "phq9", phq9(12, item9=2))
    [alert] = alerts_of(session, patient)
    h = api_token(client, clinician)
    [row] = client.get("/api/v1/clinician/alerts?status=open", headers=h).json()
    assert set(row) >= {"id", "patient_id", "rule", "tier", "status", "created_at", "delivery"}
    assert (row["rule"], row["tier"], row["status"], row["delivery"]) == ("item9_high", "urgent", "open", "pending")
    r = client.post(f"/api/v1/clinician/alerts/{alert.id}/acknowledge", json={"action": "contacted_patient", "note": "canary-note-4417"}, headers=h)
    assert r.status_code == 200 and r.json()["status"] == "acknowledged"
    assert client.get("/api/v1/clinician/alerts?status=open", headers=h).json() == []
    assert [a["id"] for a in client.get("/api/v1/clinician/alerts?status=acknowledged", headers=h).json()] == [str(alert.id)]
    detail = client.get(f"/api/v1/clinician/alerts/{alert.id}", headers=h).json()
    assert detail["ack_note"] == "canary-note-4417" and detail["value"] == 2
    # the note is stored encrypted
    session.expire_all()
    raw = session.get(Alert, alert.id).ack_note_enc
    assert raw and b"canary-note-4417" not in raw
    r = client.post(f"/api/v1/clinician/alerts/{alert.id}/resolve", json={"action": "other", "note": "Plan agreed."}, headers=h)
    assert r.json()["status"] == "resolved"
    assert client.post(f"/api/v1/clinician/alerts/{alert.id}/acknowledge", json={}, headers=h).status_code == 409
    actions = [e.action for e in session.scalars(select(AuditEvent).where(AuditEvent.record_id == str(alert.id)).order_by(AuditEvent.seq))]
    assert actions == ["alert.open", "alert.acknowledge", "record.view", "alert.resolve"]


def test_note_too_long_is_422_and_nothing_changes(client, session, frozen_clock):
    patient, clinician = care_pair(session)
    submit(session, patient, "phq9", phq9(12, item9=2))
    [alert] = alerts_of(session, patient)
    h = api_token(client, clinician)
    r = client.post(f"/api/v1/clinician/alerts/{alert.id}/acknowledge", json={"action": "other", "note": "x" * 2001}, headers=h)
    assert r.status_code == 422 and r.json()["detail"][0]["loc"][-1] == "note"
    assert alerts_of(session, patient)[0].status == "open"
    # the page shows the form again with the message beside the field
    browser_login(client, clinician)
    page = client.get(f"/clinician/alerts/{alert.id}")
    r = client.post(f"/clinician/alerts/{alert.id}/acknowledge",
                    data={"csrf_token": csrf_from(page.text), "action": "other", "note": "y" * 2001})
    assert r.status_code == 422 and "at most 2000 characters" in r.text
    assert alerts_of(session, patient)[0].status == "open"


def test_page_forms_acknowledge_and_resolve(client, session, frozen_clock):
    patient, clinician = care_pair(session)
    submit(session, patient, "phq9", phq9(12, item9=1))
    [alert] = alerts_of(session, patient)
    browser_login(client, clinician)
    inbox = client.get("/clinician/alerts")
    # an urgent alert is acknowledged on its own page (action and note), not by a quick button
    assert inbox.status_code == 200 and "PHQ-9 item 9" in inbox.text and "Open to acknowledge" in inbox.text
    assert f'action="/clinician/alerts/{alert.id}/acknowledge"' not in inbox.text
    r = client.post(f"/clinician/alerts/{alert.id}/acknowledge", follow_redirects=False,
                    data={"csrf_token": csrf_from(inbox.text), "note": "rang them", "action": "contacted_patient",
                          "back": "/clinician/alerts?status=open&page=1"})
    assert r.status_code == 303 and r.headers["location"] == "/clinician/alerts?status=open&page=1&notice=acknowledged"
    assert alerts_of(session, patient)[0].status == "acknowledged"
    r = client.post(f"/clinician/alerts/{alert.id}/resolve", follow_redirects=False,
                    data={"csrf_token": csrf_from(inbox.text), "back": "https://evil.example/",
                          "action": "other", "note": "reviewed"})
    assert r.headers["location"] == f"/clinician/alerts/{alert.id}?notice=resolved"
    assert alerts_of(session, patient)[0].status == "resolved"
    page = client.get(f"/clinician/alerts/{alert.id}?notice=resolved")
    assert "Alert resolved." in page.text and "rang them" in page.text and "Contacted the patient" in page.text


def test_forms_need_the_csrf_token(client, session, frozen_clock):
    patient, clinician = care_pair(session)
    submit(session, patient, "phq9", phq9(12, item9=1))
    [alert] = alerts_of(session, patient)
    browser_login(client, clinician)
    r = client.post(f"/clinician/alerts/{alert.id}/acknowledge", data={"note": ""})
    assert r.status_code == 403
    assert alerts_of(session, patient)[0].status == "open"


def test_inbox_order_tier_then_age(session, frozen_clock, oncall):
    clinician = make_user(session, "clinician")
    people = []
    for i, (kind, arg) in enumerate([("routine", 21), ("urgent", 1), ("urgent", 2), ("emergency", None)]):
        p = make_user(session, "patient")
        assign(session, p, clinician)
        frozen_clock(later(hours=i / 60))
        if kind == "routine":
            submit(session, p, "phq9", phq9(arg))
        elif kind == "urgent":
            submit(session, p, "phq9", phq9(10, item9=arg))
        else:
            monitoring.report_not_safe(session, p.user, "diary")
            session.commit()
        people.append(p)
    views, total = alerts.list_for_clinician(session, clinician.id, "open")
    assert total == 4
    assert [(v.tier, v.patient_id) for v in views] == [
        ("emergency", people[3].id), ("urgent", people[1].id), ("urgent", people[2].id), ("routine", people[0].id)]


def test_unknown_status_filter_is_422(client, session):
    clinician = make_user(session, "clinician")
    r = client.get("/api/v1/clinician/alerts?status=everything", headers=api_token(client, clinician))
    assert r.status_code == 422


def test_another_clinicians_alert_is_404_like_a_missing_one(client, session, frozen_clock):
    patient, clinician = care_pair(session)
    other = make_user(session, "clinician")
    submit(session, patient, "phq9", phq9(12, item9=2))
    [alert] = alerts_of(session, patient)
    h = api_token(client, other)
    theirs = client.get(f"/api/v1/clinician/alerts/{alert.id}", headers=h)
    missing = client.get(f"/api/v1/clinician/alerts/{patient.id}", headers=h)
    assert theirs.status_code == missing.status_code == 404 and theirs.json() == missing.json()
    assert client.post(f"/api/v1/clinician/alerts/{alert.id}/acknowledge", json={}, headers=h).status_code == 404
    assert alerts_of(session, patient)[0].status == "open"


# ---------------------------------------------------------------- action and note (issue 12)


@pytest.mark.parametrize("body,field", [
    ({}, "action"),
    ({"note": "rang"}, "action"),
    ({"action": "contacted_patient"}, "note"),
    ({"action": "contacted_patient", "note": "   "}, "note"),
    ({"action": "waved", "note": "rang"}, "action"),
])
def test_urgent_ack_and_resolve_need_action_and_note(client, session, frozen_clock, body, field):
    patient, clinician = care_pair(session)
    submit(session, patient, "phq9", phq9(12, item9=2))
    [alert] = alerts_of(session, patient)
    h = api_token(client, clinician)
    for verb in ("acknowledge", "resolve"):
        r = client.post(f"/api/v1/clinician/alerts/{alert.id}/{verb}", json=body, headers=h)
        assert r.status_code == 422 and r.json()["detail"][0]["loc"][-1] == field, r.json()
    session.expire_all()
    a = session.get(Alert, alert.id)
    assert a.status == "open" and a.ack_note_enc is None and a.ack_action_enc is None


def test_action_is_stored_encrypted_and_shown(client, session, frozen_clock):
    patient, clinician = care_pair(session)
    submit(session, patient, "phq9", phq9(12, item9=2))
    [alert] = alerts_of(session, patient)
    h = api_token(client, clinician)
    r = client.post(f"/api/v1/clinician/alerts/{alert.id}/acknowledge",
                    json={"action": "could_not_reach", "note": "No answer, left voicemail."}, headers=h)
    assert r.status_code == 200
    detail = client.get(f"/api/v1/clinician/alerts/{alert.id}", headers=h).json()
    assert detail["ack_action"] == "could_not_reach"
    session.expire_all()
    assert b"could_not_reach" not in session.get(Alert, alert.id).ack_action_enc


def test_page_without_action_shows_the_form_again_with_every_message(client, session, frozen_clock):
    patient, clinician = care_pair(session)
    submit(session, patient, "phq9", phq9(12, item9=2))
    [alert] = alerts_of(session, patient)
    browser_login(client, clinician)
    page = client.get(f"/clinician/alerts/{alert.id}")
    r = client.post(f"/clinician/alerts/{alert.id}/acknowledge", data={"csrf_token": csrf_from(page.text), "note": ""})
    assert r.status_code == 422
    assert "needs an action" in r.text and "Write a note of what you did" in r.text
    r = client.post(f"/clinician/alerts/{alert.id}/acknowledge",
                    data={"csrf_token": csrf_from(page.text), "note": "typed this", "action": "bogus"})
    assert r.status_code == 422 and "typed this" in r.text and "Choose one of" in r.text
    assert alerts_of(session, patient)[0].status == "open"


def test_routine_ack_needs_no_action(client, session, frozen_clock):
    patient, clinician = care_pair(session)
    submit(session, patient, "phq9", phq9(21))        # severe_score: routine
    [alert] = alerts_of(session, patient)
    h = api_token(client, clinician)
    assert client.post(f"/api/v1/clinician/alerts/{alert.id}/acknowledge", json={}, headers=h).status_code == 200
