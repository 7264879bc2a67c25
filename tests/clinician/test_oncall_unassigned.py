"""The on-call "Unassigned" list on the dashboard (issue 15): only for clinicians whose own
address is on ICBT_ONCALL_EMAILS; patients nobody is assigned to who have an unresolved
alert, the most urgent first, each linked to that alert (the on-call access of app.alerts),
never to the record; no scores; audited; everyone else never sees it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.alerts.models import Alert
from app.audit.models import AuditEvent
from app.clinician import service
from app.errors import NotFound
from app.monitoring.rules import Flag, Tier
from tests.alerts.support import ONCALL, later, phq9, submit
from tests.factories import assign, browser_login, make_user


def _raise(session, patient, rule: str, tier: Tier) -> None:  # type: ignore[no-untyped-def]
    from app.alerts import service as alerts
    from app.monitoring import service as monitoring
    monitoring.lock_patient(session, patient.id)
    alerts.raise_alert(session, patient.id, Flag(rule, tier, 14, "days=14"))
    session.commit()


@pytest.fixture
def people(session, oncall, frozen_clock):  # type: ignore[no-untyped-def]
    on_call = make_user(session, "clinician", email=ONCALL[0])
    regular = make_user(session, "clinician")
    urgent = make_user(session, "patient", name="Urgent Una")            # unassigned, urgent alert
    routine = make_user(session, "patient", name="Routine Rik")          # unassigned, routine alert
    quiet = make_user(session, "patient", name="Quiet Quin")             # unassigned, no alert
    mine = make_user(session, "patient", name="Assigned Ada")            # assigned, urgent alert
    assign(session, mine, regular)
    _raise(session, routine, "disengaged", Tier.ROUTINE)
    frozen_clock(later(hours=1))
    submit(session, urgent, "phq9", phq9(20, item9=1))                  # urgent, and a PHQ-9 of 20
    _raise(session, mine, "disengaged", Tier.URGENT)
    return {"on_call": on_call, "regular": regular, "urgent": urgent, "routine": routine, "quiet": quiet,
            "mine": mine}


def test_on_call_clinician_sees_unassigned_patients_with_alerts_linked_to_the_alert(client, session, people):
    browser_login(client, people["on_call"])
    page = client.get("/clinician?filter=unassigned")
    assert page.status_code == 200
    text = page.text
    assert "Unassigned (on call)" in text
    assert text.index("Urgent Una") < text.index("Routine Rik")          # highest open tier first
    assert "Quiet Quin" not in text and "Assigned Ada" not in text
    assert "3 patients without an assigned clinician in all." in text
    first = session.scalars(select(Alert).where(Alert.patient_id == people["urgent"].id)
                            .order_by(Alert.tier)).all()
    urgent_alert = next(a for a in first if a.tier == "urgent")
    assert f'href="/clinician/alerts/{urgent_alert.id}"' in text
    assert f"/clinician/patients/{people['urgent'].id}" not in text      # never the record
    assert "PHQ-9" not in text and ">20<" not in text                     # no scores
    assert client.get(f"/clinician/alerts/{urgent_alert.id}").status_code == 200   # the link opens
    assert client.get(f"/clinician/patients/{people['urgent'].id}").status_code == 404
    session.expire_all()
    assert session.scalars(select(AuditEvent).where(
        AuditEvent.action == "record.list", AuditEvent.actor_id == people["on_call"].id,
        AuditEvent.record_id == "page=1;filter=unassigned")).first() is not None


def test_other_clinicians_do_not_get_the_list(client, session, people):
    with pytest.raises(NotFound):
        service.unassigned_patients(session, people["regular"].user)
    session.rollback()
    browser_login(client, people["regular"])
    page = client.get("/clinician?filter=unassigned")
    assert page.status_code == 200
    assert "Unassigned (on call)" not in page.text                         # not offered
    assert "Assigned Ada" in page.text and "Urgent Una" not in page.text  # their own list instead


def test_nobody_is_on_call_without_the_list(session, frozen_clock):
    clinician = make_user(session, "clinician", email=ONCALL[0])          # ICBT_ONCALL_EMAILS unset
    assert not service.on_call(session, clinician.user)
    assert "unassigned" not in service.filters_for(session, clinician.user)


def test_assigning_the_patient_takes_them_off_the_list(session, people):
    from app.accounts import service as accounts
    rows, with_alerts, everyone = service.unassigned_patients(session, people["on_call"].user)
    assert ([r.name for r in rows], with_alerts, everyone) == (["Urgent Una", "Routine Rik"], 2, 3)
    session.rollback()
    accounts.assign(session, people["urgent"].user, people["regular"].user)
    session.commit()
    rows, with_alerts, everyone = service.unassigned_patients(session, people["on_call"].user)
    assert ([r.name for r in rows], with_alerts, everyone) == (["Routine Rik"], 1, 2)
