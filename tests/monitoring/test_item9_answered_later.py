"""clinical-rules.md: item 9 missing -> the patient is re-asked; 'routine if never answered'.
When it is answered after all, the item9_unknown alert closes (with its reason, audited) and
the actual answer is judged by the item 9 rules."""

from __future__ import annotations

from sqlalchemy import select

from app.alerts.models import Alert
from app.assessments import service as assessments
from app.audit.models import AuditEvent
from tests.factories import make_user


def _alerts(session, patient_id):  # type: ignore[no-untyped-def]
    session.expire_all()
    return {a.rule: a.status for a in session.scalars(select(Alert).where(Alert.patient_id == patient_id))}


def test_item9_unknown_closes_when_answered_zero(session):
    p = make_user(session)
    r = assessments.submit(session, p.user, "phq9", [1, 1, 1, 1, 1, 1, 1, 1, None])
    session.commit()
    assert _alerts(session, p.id) == {"item9_unknown": "open"}
    assessments.answer_item9(session, p.user, r.assessment.id, 0)
    session.commit()
    assert _alerts(session, p.id) == {"item9_unknown": "resolved"}
    ev = session.scalars(select(AuditEvent).where(AuditEvent.action == "alert.resolve")).one()
    assert ev.actor_role == "system" and ev.patient_id == p.id


def test_item9_answered_positive_later_raises_urgent_and_closes_unknown(session):
    p = make_user(session)
    r = assessments.submit(session, p.user, "phq9", [1, 1, 1, 1, 1, 1, 1, 1, None])
    session.commit()
    assessments.answer_item9(session, p.user, r.assessment.id, 2)
    session.commit()
    alerts = _alerts(session, p.id)
    assert alerts["item9_unknown"] == "resolved"
    assert alerts["item9_high"] == "open"


def test_item9_unknown_stays_open_while_another_phq9_still_lacks_item9(session, frozen_clock):
    from datetime import timedelta

    from app import clock
    p = make_user(session)
    first = assessments.submit(session, p.user, "phq9", [1, 1, 1, 1, 1, 1, 1, 1, None])
    session.commit()
    frozen_clock(clock.now() + timedelta(days=7))
    assessments.submit(session, p.user, "phq9", [1, 1, 1, 1, 1, 1, 1, 1, None])
    session.commit()
    assessments.answer_item9(session, p.user, first.assessment.id, 0)
    session.commit()
    assert _alerts(session, p.id)["item9_unknown"] == "open"
