"""Reminders end to end with a real SMTP sink: at the chosen time in the patient's time zone,
none in quiet hours, none after the one-click unsubscribe; every send visible with its state
on the patient's and the clinician's pages; safety mail never carries an unsubscribe."""

from __future__ import annotations

import smtplib
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from app.mail import service as mail
from app.mail.models import OutboxMessage
from app.monitoring import service as monitoring
from app.reminders import service as reminders
from app.reminders.schemas import QuietHours, RemindersIn
from tests.alerts.support import care_pair, gad7, phq9, submit
from tests.factories import browser_login

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)   # frozen_clock; a PHQ-9 now makes the next due T0 + 7 days


def _at(move, when):  # type: ignore[no-untyped-def]
    move(when)
    return monitoring.run_schedule(when)


def _reminder_mail(smtp):  # type: ignore[no-untyped-def]
    return [m for m in smtp.messages if m["Subject"] == "Your weekly check-in is ready"]


def _setup(session, **prefs):  # type: ignore[no-untyped-def]
    patient, clinician = care_pair(session)
    submit(session, patient, "phq9", phq9(6))
    submit(session, patient, "gad7", gad7(4))  # the weekly check-in is the pair
    reminders.update_prefs(session, patient.id, RemindersIn(**prefs))
    session.commit()
    return patient, clinician


def test_one_reminder_at_the_chosen_local_time_then_visible_on_both_pages(db, session, frozen_clock, smtp, client):
    # New York is UTC-5 on 9 March 2026 (summer time starts on the 8th: UTC-4). Chosen 18:30 local.
    patient, clinician = _setup(session, time_zone="America/New_York", remind_at="18:30")
    due = T0 + timedelta(days=7)                                  # 9 March 09:00 UTC = 05:00 EDT
    assert _at(frozen_clock, due).reminders == 0
    r = _at(frozen_clock, datetime(2026, 3, 9, 22, 29, tzinfo=UTC))   # 18:29 EDT
    assert r.reminders == 0
    assert mail.deliver_all_due(db.session, smtp.settings()) == (0, 0)
    r = _at(frozen_clock, datetime(2026, 3, 9, 22, 30, tzinfo=UTC))   # 18:30 EDT (UTC-4 after the change)
    assert r.reminders == 1
    for h in (1, 5, 30):                                            # once only
        assert _at(frozen_clock, datetime(2026, 3, 9, 22, 30, tzinfo=UTC) + timedelta(hours=h)).reminders == 0
    assert mail.deliver_all_due(db.session, smtp.settings()) == (1, 0)
    [m] = _reminder_mail(smtp)
    assert m["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert m["List-Unsubscribe"].startswith("<http") and "/api/v1/unsubscribe/" in m["List-Unsubscribe"]
    assert "/unsubscribe/" in m.get_content()

    browser_login(client, patient)
    page = client.get("/account").text
    assert "Your weekly check-in is ready" in page and ">sent<" in page
    assert "9 Mar 2026, 18:30 EDT" in page                       # shown in the patient's own zone
    client.cookies.clear()
    browser_login(client, clinician)
    page = client.get(f"/clinician/patients/{patient.id}").text
    assert "Reminders are reaching the patient" in page and ">sent<" in page


def test_none_in_quiet_hours_it_waits_for_their_end(db, session, frozen_clock, smtp):
    # London, GMT in early March. No chosen time: as soon as due (09:00), but quiet 08:00-12:00.
    patient, _ = _setup(session, time_zone="Europe/London", quiet_hours=QuietHours(start="08:00", end="12:00"))
    due = T0 + timedelta(days=7)
    for h in (0, 1, 2):
        assert _at(frozen_clock, due + timedelta(hours=h, minutes=59)).reminders == 0
    # the schedule wakes the patient at the end of the quiet hours, not an hour later
    from app.monitoring.models import MonitorState
    session.expire_all()
    assert session.get(MonitorState, patient.id).next_check_at == datetime(2026, 3, 9, 12, 0, tzinfo=UTC)
    assert _at(frozen_clock, datetime(2026, 3, 9, 12, 0, tzinfo=UTC)).reminders == 1
    mail.deliver_all_due(db.session, smtp.settings())
    [m] = _reminder_mail(smtp)
    assert m["Date"]


def test_one_click_unsubscribe_is_honoured_at_once_without_signing_in(db, session, frozen_clock, smtp, client):
    patient, _ = _setup(session)
    _at(frozen_clock, T0 + timedelta(days=7))
    mail.deliver_all_due(db.session, smtp.settings())
    [m] = _reminder_mail(smtp)
    url = m["List-Unsubscribe"].strip("<>")
    path = url.split("://", 1)[1].split("/", 1)[1]
    r = client.post("/" + path, data={"List-Unsubscribe": "One-Click"})  # no cookie, no token, no CSRF
    assert r.status_code == 200
    assert reminders.prefs_of(session, patient.id).checkin is False
    # the next week's check-in comes due: no reminder
    submit(session, patient, "phq9", phq9(6))
    submit(session, patient, "gad7", gad7(4))  # the weekly check-in is the pair
    _at(frozen_clock, T0 + timedelta(days=14, hours=1))
    _at(frozen_clock, T0 + timedelta(days=14, hours=9))
    from app.monitoring.models import Reminder
    session.expire_all()
    assert [r.kind for r in session.scalars(select(Reminder).where(Reminder.kind == "checkin_due"))] == ["checkin_due"]
    mail.deliver_all_due(db.session, smtp.settings())
    assert len(_reminder_mail(smtp)) == 1
    # a forged or altered token does nothing
    assert client.post("/" + path[:-3] + "abc").status_code == 404
    other, _ = care_pair(session, name="Other")
    forged = path.replace(path.rsplit("/", 1)[1].split(".")[0],
                          reminders.unsubscribe_token(other.id, "all").split(".")[0])
    assert client.post("/" + forged).status_code == 404
    assert reminders.prefs_of(session, other.id).checkin is True


def test_missed_checkin_still_alerts_the_clinician_when_reminders_are_off(db, session, frozen_clock):
    patient, _ = _setup(session, checkin=False)
    _at(frozen_clock, T0 + timedelta(days=7))
    r = _at(frozen_clock, T0 + timedelta(days=10, hours=1))
    assert r.reminders == 0 and r.alerts == 1


def test_unsubscribe_page_without_sign_in_and_queued_reminders_are_cancelled(db, session, frozen_clock, client):
    patient, _ = _setup(session)
    _at(frozen_clock, T0 + timedelta(days=7))                      # queued, not yet delivered
    token = reminders.unsubscribe_token(patient.id, "checkin")
    page = client.get(f"/unsubscribe/{token}")
    assert page.status_code == 200 and "weekly check-in reminders" in page.text
    assert reminders.prefs_of(session, patient.id).checkin is True  # a GET (link preview) changes nothing
    from tests.factories import csrf_from
    r = client.post(f"/unsubscribe/{token}", data={"csrf_token": csrf_from(page.text)})
    assert r.status_code == 200 and "will not get weekly check-in reminders" in r.text
    session.expire_all()
    [msg] = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "reminder_checkin_due")).all()
    assert msg.status == "cancelled"
    assert client.get("/unsubscribe/not-a-token").status_code == 404


def test_safety_mail_never_carries_unsubscribe(session, frozen_clock):
    patient, _ = care_pair(session)
    msg = mail.enqueue(session, kind="alert_urgent", subject="An alert", body="x", user_id=patient.id)
    assert mail.list_headers(msg) == {}
    msg = mail.enqueue(session, kind="reminder_checkin_due", subject="r", body="x", user_id=patient.id)
    assert set(mail.list_headers(msg)) == {"List-Unsubscribe", "List-Unsubscribe-Post"}


def test_a_refused_address_is_bounced_not_retried(db, session, frozen_clock, smtp, client):
    patient, clinician = _setup(session)
    _at(frozen_clock, T0 + timedelta(days=7))

    def refuse(settings, out):  # type: ignore[no-untyped-def]
        raise smtplib.SMTPRecipientsRefused({out.to: (550, b"no such mailbox")})

    assert mail.deliver_all_due(db.session, smtp.settings(), send=refuse) == (0, 1)
    session.expire_all()
    [msg] = session.scalars(select(OutboxMessage)).all()
    assert (msg.status, msg.attempts) == ("bounced", 1)
    browser_login(client, clinician)
    page = client.get(f"/clinician/patients/{patient.id}").text
    assert "The latest reminder did not reach the patient" in page and ">bounced<" in page
