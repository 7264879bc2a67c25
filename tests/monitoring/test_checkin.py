"""The monitor on check-ins: rules -> alerts in the same transaction, idempotent per rule."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.alerts.models import Alert, AlertDelivery
from app.mail.models import OutboxMessage
from app.monitoring import rules
from app.monitoring.rules import ScorePoint
from tests.alerts.support import T0, alerts_of, care_pair, count, later, phq9, submit


def test_phq9_8_to_14_raises_reliable_deterioration(session, frozen_clock):
    patient, _ = care_pair(session)
    submit(session, patient, "phq9", phq9(8))
    assert alerts_of(session, patient) == []
    frozen_clock(later(days=7))
    result = submit(session, patient, "phq9", phq9(14))
    assert [f.rule for f in result.flags] == [rules.RELIABLE_DETERIORATION]
    [alert] = alerts_of(session, patient)
    assert (alert.rule, alert.tier, alert.status, alert.count) == ("reliable_deterioration", "routine", "open", 1)
    assert alert.ack_due_at is None  # routine: review at the next contact


def test_phq9_8_to_13_does_not(session, frozen_clock):
    patient, _ = care_pair(session)
    submit(session, patient, "phq9", phq9(8))
    frozen_clock(later(days=7))
    result = submit(session, patient, "phq9", phq9(13))
    assert result.flags == []
    assert alerts_of(session, patient) == []


def test_the_same_rule_twice_keeps_one_open_alert(session, frozen_clock):
    patient, _ = care_pair(session)
    submit(session, patient, "phq9", phq9(8))
    frozen_clock(later(days=7))
    submit(session, patient, "phq9", phq9(14))
    frozen_clock(later(days=14))
    submit(session, patient, "phq9", phq9(14))
    [alert] = alerts_of(session, patient)
    assert alert.count == 2
    assert alert.last_seen_at == later(days=14) and alert.created_at == later(days=7)
    from app.security import crypto
    assert crypto.unseal_json(session, alert, "value_enc") == 14


def test_a_higher_tier_on_the_same_rule_raises_the_tier_and_tells_again(session, frozen_clock):
    patient, clinician = care_pair(session)
    submit(session, patient, "phq9", phq9(8))
    frozen_clock(later(days=7))
    submit(session, patient, "phq9", phq9(14))          # routine: dashboard only
    [alert] = alerts_of(session, patient)
    assert count(session, OutboxMessage) == 0
    frozen_clock(later(days=14))
    submit(session, patient, "phq9", phq9(16))          # crosses into PHQ-9 >= 15: urgent
    [alert] = alerts_of(session, patient)
    assert (alert.tier, alert.count, alert.tier_raised_at) == ("urgent", 2, later(days=14))
    assert alert.ack_due_at == later(days=14, hours=24)
    emails = session.scalars(select(AlertDelivery).where(AlertDelivery.channel == "email")).all()
    assert [(d.recipient_user_id, d.tier) for d in emails] == [(clinician.id, "urgent")]


def test_item9_positive_is_urgent_and_emails_the_assigned_clinician(session, frozen_clock):
    patient, clinician = care_pair(session)
    result = submit(session, patient, "phq9", phq9(12, item9=2))
    assert result.flags[0].rule == rules.ITEM9_HIGH
    [alert] = alerts_of(session, patient)
    assert (alert.tier, alert.ack_due_at) == ("urgent", T0 + rules.DEFAULT_CONFIG.ack_urgent)
    [d] = session.scalars(select(AlertDelivery).where(AlertDelivery.alert_id == alert.id)).all()
    assert (d.channel, d.recipient_user_id, d.reason) == ("email", clinician.id, "assigned")
    assert session.get(OutboxMessage, d.outbox_id).status == "pending"


def test_an_acknowledged_urgent_alert_is_reopened_when_it_fires_again(session, frozen_clock):
    from app.alerts import service as alerts
    patient, clinician = care_pair(session)
    submit(session, patient, "phq9", phq9(12, item9=1))
    [alert] = alerts_of(session, patient)
    alerts.acknowledge(session, clinician.user, alert.id, "rang them", "contacted_patient")
    session.commit()
    frozen_clock(later(days=7))
    submit(session, patient, "phq9", phq9(12, item9=1))
    [alert] = alerts_of(session, patient)
    assert (alert.status, alert.count, alert.ack_due_at) == ("open", 2, later(days=8))
    assert count(session, AlertDelivery, AlertDelivery.alert_id == alert.id) == 2  # told again


def test_an_acknowledged_routine_alert_just_counts(session, frozen_clock):
    from app.alerts import service as alerts
    patient, clinician = care_pair(session)
    submit(session, patient, "phq9", phq9(21))            # severe_score: routine
    [alert] = alerts_of(session, patient)
    alerts.acknowledge(session, clinician.user, alert.id)
    session.commit()
    frozen_clock(later(days=7))
    submit(session, patient, "phq9", phq9(22))
    [alert] = alerts_of(session, patient)
    assert (alert.status, alert.count) == ("acknowledged", 2)


def test_after_resolution_a_new_firing_opens_a_new_alert(session, frozen_clock):
    from app.alerts import service as alerts
    patient, clinician = care_pair(session)
    submit(session, patient, "phq9", phq9(21))
    [alert] = alerts_of(session, patient)
    alerts.resolve(session, clinician.user, alert.id, "seen at session")
    session.commit()
    frozen_clock(later(days=7))
    submit(session, patient, "phq9", phq9(22))
    assert [(a.status, a.count) for a in alerts_of(session, patient)] == [("resolved", 1), ("open", 1)]


# ---------------------------------------------------------------- security.md item 21


def test_a_failing_transaction_leaves_neither_data_nor_alert(db, session, frozen_clock, oncall, monkeypatch):
    """The check-in's transaction fails after the monitor added the alert: rollback, nothing."""
    from app.assessments.models import Assessment
    from app.monitoring import hooks

    patient, _ = care_pair(session)
    real = hooks.on_checkin

    def monitor_then_fail(s, patient_id, assessment):  # type: ignore[no-untyped-def]
        flags = real(s, patient_id, assessment)
        assert s.scalars(select(Alert)).first() is not None      # the alert was added ...
        assert s.scalars(select(OutboxMessage)).first() is not None
        raise RuntimeError("disk full")                          # ... then the insert fails

    monkeypatch.setattr(hooks, "on_checkin", monitor_then_fail)
    from app.assessments import service as assessments
    with pytest.raises(RuntimeError):
        assessments.submit(session, patient.user, "phq9", phq9(12, item9=3))
    session.rollback()
    with db.session() as s:
        assert count(s, Assessment) == 0
        assert count(s, Alert) == 0
        assert count(s, AlertDelivery) == 0
        assert count(s, OutboxMessage) == 0
    # and when it commits, all of them exist
    monkeypatch.setattr(hooks, "on_checkin", real)
    submit(session, patient, "phq9", phq9(12, item9=3))
    with db.session() as s:
        assert count(s, Assessment) == 1 and count(s, Alert) == 1 and count(s, OutboxMessage) == 1


def test_a_failing_check_in_over_http_leaves_nothing(db, app, session, frozen_clock, monkeypatch):
    from fastapi.testclient import TestClient

    from app.assessments import service as assessments
    from app.assessments.models import Assessment
    from tests.factories import api_token

    patient, _ = care_pair(session)

    def broken(*a, **kw):  # type: ignore[no-untyped-def]
        raise RuntimeError("failure after the monitor ran")

    monkeypatch.setattr(assessments, "escalation_for", broken)   # runs after on_checkin
    with TestClient(app, base_url="https://testserver", raise_server_exceptions=False) as c:
        r = c.post("/api/v1/assessments", json={"instrument": "phq9", "answers": phq9(20, item9=3)},
                   headers=api_token(c, patient))
    assert r.status_code == 500
    with db.session() as s:
        assert (count(s, Assessment), count(s, Alert), count(s, OutboxMessage)) == (0, 0, 0)


# ---------------------------------------------------------------- standalone (pure points)


def test_check_checkin_on_points_alone(session, frozen_clock):
    """The monitor works from ScorePoints alone, without the assessments domain."""
    from app.monitoring import service as monitoring
    patient, _ = care_pair(session)
    base = ScorePoint("gad7", 5, None, T0)
    flags = monitoring.check_checkin(session, patient.user, ScorePoint("gad7", 9, None, later(days=7)), [base])
    session.commit()
    assert [f.rule for f in flags] == ["reliable_deterioration"]
    flags = monitoring.check_checkin(session, patient.user, ScorePoint("gad7", 8, None, later(days=14)), [base])
    session.commit()
    assert flags == []
    [alert] = alerts_of(session, patient)
    assert alert.count == 1


def test_the_dashboard_summary_follows_check_ins(session, frozen_clock):
    from app.monitoring import service as monitoring
    from app.monitoring.models import MonitorState
    patient, _ = care_pair(session)
    submit(session, patient, "phq9", phq9(8))
    frozen_clock(later(days=7))
    submit(session, patient, "phq9", phq9(11))
    submit(session, patient, "gad7", [1, 1, 1, 1, 1, 1, 1])
    state = session.get(MonitorState, patient.id)
    session.refresh(state)
    s = monitoring.read_summary(session, state)
    assert s["phq9"]["latest"] == 11 and s["phq9"]["previous"] == 8
    assert s["gad7"] == {"latest": 7, "previous": None, "at": later(days=7).isoformat()}
    assert state.last_activity_at == later(days=7)


# ---------------------------------------------------------------- the kept history


def _no_full_history(monkeypatch):  # type: ignore[no-untyped-def]
    from app.assessments import service as assessments
    calls: list[object] = []
    real = assessments.score_points
    monkeypatch.setattr(assessments, "score_points", lambda s, pid: calls.append(pid) or real(s, pid))
    return calls


def test_a_new_check_in_reads_the_kept_history_not_every_check_in(session, frozen_clock, monkeypatch):
    """Baseline 8 a year ago, then a year of 8-10: a PHQ-9 of 14 is still +6 on the baseline,
    judged without decrypting the year of check-ins again."""
    patient, _ = care_pair(session)
    for week, total in enumerate([8] + [9, 10] * 26):
        frozen_clock(later(days=7 * week))
        submit(session, patient, "phq9", phq9(total))
    calls = _no_full_history(monkeypatch)
    frozen_clock(later(days=7 * 54))
    result = submit(session, patient, "phq9", phq9(14))
    assert calls == []
    assert [f.rule for f in result.flags] == [rules.RELIABLE_DETERIORATION]
    [alert] = alerts_of(session, patient)
    assert alert.rule == "reliable_deterioration"


def test_a_changed_enrolment_date_reads_the_whole_history_once(session, frozen_clock, monkeypatch):
    patient, _ = care_pair(session)
    submit(session, patient, "phq9", phq9(8))
    frozen_clock(later(days=7))
    submit(session, patient, "phq9", phq9(10))
    patient.user.enrolled_at = later(days=5)      # re-enrolled: the first check-in is before it
    session.commit()
    calls = _no_full_history(monkeypatch)
    frozen_clock(later(days=14))
    result = submit(session, patient, "phq9", phq9(14))
    assert calls == [patient.id]
    assert result.flags == []                     # 10 -> 14 from the new baseline: +4 only
    frozen_clock(later(days=21))
    submit(session, patient, "phq9", phq9(16))    # +6 on the new baseline, kept history again
    assert calls == [patient.id]
    assert [a.rule for a in alerts_of(session, patient)] == ["reliable_deterioration"]
