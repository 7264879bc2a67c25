"""Clinicians see the patient's contact details (tap to call) on the alert and the record; the
on-call clinician an alert was routed to sees contact details and safety plan, not the record."""

from __future__ import annotations

from sqlalchemy import select

from app.audit.models import AuditEvent
from tests.alerts.support import alerts_of, care_pair, phq9, submit
from tests.factories import api_token, browser_login, make_user


def _contact(client, person):  # type: ignore[no-untyped-def]
    h = api_token(client, person)
    r = client.put("/api/v1/me/contact", headers=h, json={
        "phone": "07911 123456", "gp": {"name": "Riverside Surgery", "phone": "020 7946 0000"},
        "emergency_contact": {"name": "Sam", "relationship": "sister", "phone": "07912 345678"}})
    assert r.status_code == 200


def test_assigned_clinician_sees_tel_links_on_alert_and_record_with_what_was_done(client, session, frozen_clock):
    patient, clinician = care_pair(session)
    _contact(client, patient)
    submit(session, patient, "phq9", phq9(12, item9=2))
    [alert] = alerts_of(session, patient)
    h = api_token(client, clinician)
    detail = client.get(f"/api/v1/clinician/alerts/{alert.id}", headers=h).json()
    assert detail["patient"]["contact"]["phone"] == "+44 7911 123456"
    client.post(f"/api/v1/clinician/alerts/{alert.id}/acknowledge", headers=h,
                json={"action": "contacted_patient", "note": "Spoke at 3pm, safe."})
    browser_login(client, clinician)
    page = client.get(f"/clinician/alerts/{alert.id}").text
    assert 'href="tel:+447911123456"' in page and 'href="tel:+442079460000"' in page and "Sam (sister)" in page
    record = client.get(f"/clinician/patients/{patient.id}").text
    assert 'href="tel:+447911123456"' in record
    assert "What was done: Contacted the patient: Spoke at 3pm, safe." in record


def test_oncall_clinician_sees_contact_and_plan_but_not_the_record(client, session, frozen_clock, oncall):
    patient = make_user(session, "patient")           # no assigned clinician
    _contact(client, patient)
    other = make_user(session, "clinician")
    submit(session, patient, "phq9", phq9(12, item9=2))
    [alert] = alerts_of(session, patient)
    browser_login(client, other)
    page = client.get(f"/clinician/alerts/{alert.id}")
    assert page.status_code == 200 and 'href="tel:+447911123456"' in page.text
    assert "The patient's safety plan" in page.text
    assert client.get(f"/clinician/patients/{patient.id}").status_code == 404
    ev = session.scalars(select(AuditEvent).where(AuditEvent.record_id == str(alert.id),
                                                  AuditEvent.action == "record.view")).all()
    assert ev and ev[-1].actor_id == other.id and ev[-1].outcome == "oncall"


def test_alert_page_shows_the_plan_with_its_section_titles_in_the_clinicians_language(client, session,
                                                                                       frozen_clock, oncall):
    from app.safety import service as safety

    patient = make_user(session, "patient")
    safety.save(session, patient.user, {"warning_signs": "Not sleeping", "coping": "Walk the dog"})
    submit(session, patient, "phq9", phq9(12, item9=2))
    [alert] = alerts_of(session, patient)
    other = make_user(session, "clinician")
    browser_login(client, other)
    page = client.get(f"/clinician/alerts/{alert.id}").text
    assert "<h3>My warning signs</h3>" in page and "<h3>Things I can do on my own</h3>" in page
    assert page.index("My warning signs") < page.index("Things I can do on my own")
    other.user.locale = "es"
    session.commit()
    page = client.get(f"/clinician/alerts/{alert.id}").text
    assert "<h3>My warning signs</h3>" not in page and "Walk the dog" in page
