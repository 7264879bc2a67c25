"""What the patient is told about their care team is computed from what happened to the alert
(clinical-rules.md §4): notified, unreachable, seen, dashboard_only."""

from __future__ import annotations

from sqlalchemy import select, update

from app.alerts import honesty
from app.alerts import service as alerts
from app.mail.models import OutboxMessage
from tests.alerts.support import alerts_of, care_pair, phq9, submit
from tests.factories import api_token, browser_login, make_user


def _status(session, patient):  # type: ignore[no-untyped-def]
    [a] = alerts_of(session, patient)
    return honesty.status_for(session, a)


def test_no_clinician_no_oncall_is_unreachable_never_told(session, frozen_clock, mail_server):
    patient = make_user(session, "patient")
    submit(session, patient, "phq9", phq9(12, item9=2))
    ct = _status(session, patient)
    assert ct.status == "unreachable" and ct.message.startswith("We could not reach your care team automatically")
    assert "told" not in ct.message


def test_without_a_mail_server_an_assigned_clinician_is_not_told(session, frozen_clock):
    patient, _ = care_pair(session)
    submit(session, patient, "phq9", phq9(12, item9=2))
    assert _status(session, patient).status == "unreachable"


def test_assigned_with_mail_is_notified_with_reply_time_and_hours(session, frozen_clock, mail_server):
    patient, _ = care_pair(session)
    submit(session, patient, "phq9", phq9(12, item9=2))
    ct = _status(session, patient)
    assert ct.status == "notified" and "is being told now" in ct.message
    assert "They aim to reply within 1 working day" in ct.message and "Monday to Friday" in ct.message
    session.execute(update(OutboxMessage).values(status="sent"))
    assert "has been told" in _status(session, patient).message


def test_every_delivery_failed_is_unreachable(session, frozen_clock, mail_server):
    patient, _ = care_pair(session)
    submit(session, patient, "phq9", phq9(12, item9=2))
    session.execute(update(OutboxMessage).values(status="failed"))
    assert _status(session, patient).status == "unreachable"


def test_acknowledged_is_seen_with_the_time(session, frozen_clock, mail_server):
    patient, clinician = care_pair(session)
    submit(session, patient, "phq9", phq9(12, item9=2))
    [a] = alerts_of(session, patient)
    alerts.acknowledge(session, clinician.user, a.id, "Called, safe tonight.", "contacted_patient")
    ct = _status(session, patient)
    assert ct.status == "seen" and ct.message.startswith("Your care team has seen this (")


def test_dashboard_only_says_so(session, frozen_clock, monkeypatch):
    from app.config import get_settings
    monkeypatch.setenv("ICBT_ALERTS_DASHBOARD_ONLY", "true")
    get_settings.cache_clear()
    patient, _ = care_pair(session)
    submit(session, patient, "phq9", phq9(12, item9=2))
    ct = _status(session, patient)
    assert ct.status == "dashboard_only" and "reads alerts only on its dashboard" in ct.message


def test_api_escalation_carries_care_team_status(client, session, frozen_clock):
    patient = make_user(session, "patient")
    h = api_token(client, patient)
    r = client.post("/api/v1/assessments", json={"instrument": "phq9", "answers": phq9(12, item9=2)}, headers=h)
    assert r.status_code == 201
    assert r.json()["escalation"]["care_team"]["status"] == "unreachable"


def test_not_safe_page_unreachable_shows_999_and_says_so(client, session, frozen_clock):
    patient = make_user(session, "patient")
    browser_login(client, patient)
    from tests.factories import csrf_from
    page = client.get("/not-safe")
    r = client.post("/not-safe", data={"csrf_token": csrf_from(page.text), "source": "diary"})
    assert "We could not reach your care team automatically" in r.text and 'href="tel:999"' in r.text
    assert "has been told" not in r.text and "We have told" not in r.text


def test_unrouted_alerts_listed(session, frozen_clock, mail_server):
    patient = make_user(session, "patient")
    submit(session, patient, "phq9", phq9(12, item9=2))
    assert [a.patient_id for a in honesty.unrouted(session)] == [patient.id]


def test_admin_and_inbox_show_unrouted_alerts_at_the_top(client, session, frozen_clock, mail_server):
    patient = make_user(session, "patient")
    submit(session, patient, "phq9", phq9(12, item9=2))
    session.commit()
    admin = make_user(session, "admin")
    browser_login(client, admin)
    page = client.get("/admin").text
    assert "1 urgent or emergency alert reached nobody" in page
    assert page.index("reached nobody") < page.index("<h1>Users</h1>")
    assert f'/admin/users/{patient.id}' in page
    client.cookies.clear()
    clinician = make_user(session, "clinician")
    browser_login(client, clinician)
    page = client.get("/clinician/alerts").text
    assert "reached nobody" in page and page.index("reached nobody") < page.index("<h1>Alerts</h1>")


def test_a_routed_alert_is_not_listed_as_unrouted(session, frozen_clock, mail_server):
    patient, _ = care_pair(session)
    submit(session, patient, "phq9", phq9(12, item9=2))
    assert honesty.unrouted(session) == []
    session.execute(update(OutboxMessage).values(status="failed"))
    assert len(honesty.unrouted(session)) == 1
