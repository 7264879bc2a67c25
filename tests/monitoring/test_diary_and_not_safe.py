"""Diary rules, "I am not safe right now", who is told, and what the patient sees."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.alerts import service as alerts
from app.alerts.models import AlertDelivery
from app.mail.models import OutboxMessage
from app.monitoring import service as monitoring
from app.monitoring.rules import MoodPoint
from tests.alerts.support import ONCALL, T0, alerts_of, care_pair, count, later, phq9, submit
from tests.factories import make_user


def _diary(session, person, mood: int, at):  # type: ignore[no-untyped-def]
    from app.diary import service as diary
    from app.diary.schemas import DiaryIn
    view = diary.create(session, person.user, DiaryIn(mood=mood, emotions=["sad"], recorded_at=at))
    session.commit()
    return view


def test_three_low_moods_raise_a_routine_dashboard_alert(session, frozen_clock):
    patient, clinician = care_pair(session)
    for i in range(3):
        frozen_clock(later(hours=i))
        view = _diary(session, patient, 1, later(hours=i))
    assert [f.rule for f in view.flags] == ["mood_decline"]
    [alert] = alerts_of(session, patient)
    assert (alert.rule, alert.tier) == ("mood_decline", "routine")
    [d] = session.scalars(select(AlertDelivery)).all()
    assert (d.channel, d.recipient_user_id, d.outbox_id) == ("dashboard", clinician.id, None)
    assert count(session, OutboxMessage) == 0          # routine: no e-mail (clinical-rules.md §4)
    frozen_clock(later(hours=3))
    _diary(session, patient, 0, later(hours=3))
    [alert] = alerts_of(session, patient)
    assert alert.count == 2


def test_check_diary_on_points_alone(session, frozen_clock):
    patient, _ = care_pair(session)
    prior = [MoodPoint(7, T0 - timedelta(days=d)) for d in (8, 10, 12, 14)]
    recent = [MoodPoint(3, T0 - timedelta(days=d)) for d in (1, 2, 3, 4)]
    flags = monitoring.check_diary(session, patient.user, prior + recent)
    assert [(f.rule, f.detail) for f in flags] == [("mood_decline", "mean_drop")]
    recent_ok = [MoodPoint(5, T0 - timedelta(days=d)) for d in (1, 2, 3, 4)]
    session.rollback()
    assert monitoring.check_diary(session, patient.user, prior + recent_ok) == []


def test_not_safe_is_an_emergency_to_clinicians_and_on_call(session, frozen_clock, oncall):
    patient, clinician = care_pair(session)
    flag = monitoring.report_not_safe(session, patient.user, "diary")
    session.commit()
    assert (flag.rule, flag.tier.value) == ("patient_reported_emergency", "emergency")
    [alert] = alerts_of(session, patient)
    assert alert.ack_due_at == T0 + timedelta(hours=1)
    got = sorted((d.reason, str(d.recipient_user_id or d.recipient_address)) for d in
                 session.scalars(select(AlertDelivery).where(AlertDelivery.alert_id == alert.id)))
    assert got == sorted([("assigned", str(clinician.id))] + [("oncall", a) for a in ONCALL])
    assert count(session, OutboxMessage, OutboxMessage.ref_id == alert.id) == 3
    # pressing it again updates the same alert, it does not e-mail everyone again
    monitoring.report_not_safe(session, patient.user, "diary")
    session.commit()
    [alert] = alerts_of(session, patient)
    assert alert.count == 2 and count(session, OutboxMessage) == 3


def test_patient_sees_told_then_seen(session, frozen_clock, mail_server):
    patient, clinician = care_pair(session)
    assert alerts.patient_alert_status(session, patient.id) == []
    submit(session, patient, "phq9", phq9(10, item9=1))
    [s] = alerts.patient_alert_status(session, patient.id)
    assert s.state == "told" and s.message.startswith("Your care team is being told now. They aim to reply within")
    assert s.topic == "Your check-in answers" and "item" not in s.message
    [alert] = alerts_of(session, patient)
    alerts.acknowledge(session, clinician.user, alert.id, "called, safe", "contacted_patient")
    session.commit()
    [s] = alerts.patient_alert_status(session, patient.id)
    assert s.state == "seen" and s.message.startswith("Your care team has seen this (")
    alerts.resolve(session, clinician.user, alert.id, "safe", "other")
    session.commit()
    assert [x.state for x in alerts.patient_alert_status(session, patient.id)] == ["seen"]
    frozen_clock(later(days=8))
    assert alerts.patient_alert_status(session, patient.id) == []    # resolved a week ago


# ---------------------------------------------------------------- nobody assigned


def test_unassigned_urgent_goes_to_on_call_and_every_clinician_can_see_it(session, frozen_clock, oncall):
    patient = make_user(session, "patient")
    stranger = make_user(session, "clinician")
    submit(session, patient, "phq9", phq9(12, item9=2))
    [alert] = alerts_of(session, patient)
    ds = session.scalars(select(AlertDelivery).where(AlertDelivery.alert_id == alert.id)).all()
    assert sorted((d.reason, d.recipient_address) for d in ds) == [("unassigned", a) for a in ONCALL]
    views, total = alerts.list_for_clinician(session, stranger.id)
    assert total == 1 and views[0].access == "oncall"


def test_unassigned_without_on_call_emails_every_clinician(session, frozen_clock, caplog):
    patient = make_user(session, "patient")
    c1, c2 = make_user(session, "clinician"), make_user(session, "clinician")
    submit(session, patient, "phq9", phq9(12, item9=2))
    [alert] = alerts_of(session, patient)
    ds = session.scalars(select(AlertDelivery).where(AlertDelivery.alert_id == alert.id)).all()
    assert sorted((d.reason, d.recipient_user_id) for d in ds) == sorted([("fallback", c1.id), ("fallback", c2.id)])
    assert "ICBT_ONCALL_EMAILS is empty" in caplog.text


def test_unassigned_routine_is_on_every_dashboard(session, frozen_clock):
    patient = make_user(session, "patient")
    other = make_user(session, "clinician")
    submit(session, patient, "phq9", phq9(21))
    [alert] = alerts_of(session, patient)
    [d] = session.scalars(select(AlertDelivery)).all()
    assert (d.channel, d.reason, d.recipient_user_id) == ("dashboard", "unassigned", None)
    assert [v.id for v in alerts.list_for_clinician(session, other.id)[0]] == [alert.id]


def test_assigned_alerts_stay_private_to_the_care_team(session, frozen_clock):
    patient, clinician = care_pair(session)
    other = make_user(session, "clinician")
    submit(session, patient, "phq9", phq9(12, item9=2))       # urgent, not overdue
    assert alerts.list_for_clinician(session, other.id) == ([], 0)
    assert len(alerts.list_for_clinician(session, clinician.id)[0]) == 1


def test_patient_sees_one_line_per_topic_and_told_wins(session, frozen_clock, mail_server):
    patient, clinician = care_pair(session)
    submit(session, patient, "phq9", phq9(8))
    frozen_clock(later(days=7))
    submit(session, patient, "phq9", phq9(17, item9=1))      # item9_any + reliable_deterioration
    first, second = alerts_of(session, patient)
    [s] = alerts.patient_alert_status(session, patient.id)
    assert (s.topic, s.state) == ("Your check-in answers", "told")
    alerts.acknowledge(session, clinician.user, first.id, "called", "contacted_patient")
    session.commit()
    assert [x.state for x in alerts.patient_alert_status(session, patient.id)] == ["told"]
    alerts.acknowledge(session, clinician.user, second.id, "called", "contacted_patient")
    session.commit()
    assert [x.state for x in alerts.patient_alert_status(session, patient.id)] == ["seen"]
    monitoring.report_not_safe(session, patient.user, "diary")
    session.commit()
    got = [(x.topic, x.state) for x in alerts.patient_alert_status(session, patient.id)]
    assert got == [("You told us you are not safe right now", "told"), ("Your check-in answers", "seen")]
