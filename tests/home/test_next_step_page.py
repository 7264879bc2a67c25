"""The home page shows the chosen next step and why; the safety plan first after a risk event
until a clinician acknowledges the alert."""

from __future__ import annotations

from app.alerts import service as alerts
from tests.alerts.support import alerts_of, care_pair, phq9, submit
from tests.factories import browser_login


def test_safety_step_until_acknowledged_then_the_next_rule(client, session, frozen_clock):
    patient, clinician = care_pair(session)
    submit(session, patient, "phq9", phq9(8, item9=2))              # item9_high: urgent
    browser_login(client, patient)
    page = client.get("/").text
    assert "Your safety plan" in page and 'href="/safety-plan"' in page and 'href="/help"' in page
    assert "until someone from your care team has seen them" in page
    [a] = [a for a in alerts_of(session, patient) if a.tier == "urgent"]
    alerts.acknowledge(session, clinician.user, a.id, "called, safe", "contacted_patient")
    session.commit()
    page = client.get("/").text
    # the next step has moved on (the safety plan card of the home page stays, as always)
    assert "until someone from your care team has seen them" not in page
    assert 'id="next-step-why"' in page and "Because" in page
