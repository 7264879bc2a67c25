"""The "waiting for acknowledgement" line on My patients and the inbox's Open tab: emergency
and urgent exact, routine exact up to ROUTINE_SHOWN_UP_TO and then "99+" (app/alerts/waiting.py
`open_count_for_clinician`; equal to counting alert by alert: tests/caseload/test_property.py)."""

from __future__ import annotations

import re

from app.alerts import waiting as views
from app.monitoring import service as monitoring
from app.monitoring.rules import Flag, Tier
from tests.factories import assign, browser_login, make_user


def _routine(session, patient) -> None:  # type: ignore[no-untyped-def]
    from app.alerts import service as alerts
    monitoring.lock_patient(session, patient.id)
    alerts.raise_alert(session, patient.id, Flag("disengaged", Tier.ROUTINE, 14, "days=14"))


def test_routine_alerts_past_the_cap_are_shown_as_more_and_the_rest_exactly(client, session, monkeypatch):
    monkeypatch.setattr(views, "ROUTINE_SHOWN_UP_TO", 3)
    clinician = make_user(session, "clinician")
    patients = [make_user(session, "patient") for _ in range(5)]
    for p in patients:
        assign(session, p, clinician)
        _routine(session, p)
    from app.alerts import service as alerts
    monitoring.lock_patient(session, patients[0].id)
    alerts.raise_alert(session, patients[0].id, Flag("phq9_rise", Tier.URGENT, 6, "x"))
    session.commit()

    counts = views.open_count_for_clinician(session, clinician.id)
    assert (counts.emergency, counts.urgent, counts.routine, counts.more) == (0, 1, 3, True)
    assert counts.shown("routine") == "3+" and counts.total_shown == "4+"
    browser_login(client, clinician)
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", client.get("/clinician").text))
    assert "4+ alerts waiting for acknowledgement: 1 urgent, 3+ routine." in text
    inbox = client.get("/clinician/alerts").text
    assert "Waiting (4+)" in re.sub(r"\s+", " ", inbox) and "4+ alerts, the most urgent first" in inbox
    assert inbox.count('href="/clinician/alerts/') >= 6     # every alert is still listed

    monkeypatch.setattr(views, "ROUTINE_SHOWN_UP_TO", 5)   # at the cap: exact
    session.rollback()
    counts = views.open_count_for_clinician(session, clinician.id)
    assert (counts.urgent, counts.routine, counts.more, counts.total_shown) == (1, 5, False, "6")
