"""Re-engagement after 7 days away (kind, respects quiet hours and opt-out, visible to the
clinician as nudge history), and the weekly summary e-mail with no health data in it."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from app.diary import service as diary
from app.diary.schemas import DiaryIn
from app.mail import service as mail
from app.monitoring import service as monitoring
from app.reminders import service as reminders
from app.reminders.schemas import QuietHours, RemindersIn
from tests.alerts.support import care_pair
from tests.factories import browser_login

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)   # a Monday


def _patient(session, **prefs):  # type: ignore[no-untyped-def]
    patient, clinician = care_pair(session)
    diary.create(session, patient.user, DiaryIn(mood=5, note="canary-note-5521 felt awful"))
    reminders.update_prefs(session, patient.id, RemindersIn(checkin=False, **prefs))
    session.commit()
    return patient, clinician


def _kinds(session, patient):  # type: ignore[no-untyped-def]
    return [r.kind for r in reminders.recent(session, patient.id)]


def test_a_kind_nudge_after_seven_days_away_once_and_the_clinician_sees_it(db, session, frozen_clock, smtp, client):
    patient, clinician = _patient(session, remind_at="10:00")
    for days, hours in ((6, 23), (7, 0)):               # 7 days after the last entry, but before 10:00
        frozen_clock(T0 + timedelta(days=days, hours=hours))
        monitoring.run_schedule(T0 + timedelta(days=days, hours=hours))
    assert "reengage" not in _kinds(session, patient)
    frozen_clock(T0 + timedelta(days=7, hours=1))        # 10:00 London (GMT)
    monitoring.run_schedule(T0 + timedelta(days=7, hours=1))
    frozen_clock(T0 + timedelta(days=8, hours=1))
    monitoring.run_schedule(T0 + timedelta(days=8, hours=1))
    assert _kinds(session, patient).count("reengage") == 1
    mail.deliver_all_due(db.session, smtp.settings())
    [m] = [m for m in smtp.messages if m["Subject"] == "We are here when you are ready"]
    assert "no catching up" in m.get_content() and m["List-Unsubscribe"]
    browser_login(client, clinician)
    page = client.get(f"/clinician/patients/{patient.id}").text
    assert "We are here when you are ready" in page and ">nudge<" in page


def test_no_nudge_when_switched_off_or_in_quiet_hours(db, session, frozen_clock):
    off, _ = _patient(session, reengage=False)
    quiet, _ = _patient(session, quiet_hours=QuietHours(start="08:00", end="20:00"))
    frozen_clock(T0 + timedelta(days=7, hours=1))
    monitoring.run_schedule(T0 + timedelta(days=7, hours=1))
    assert "reengage" not in _kinds(session, off) and "reengage" not in _kinds(session, quiet)
    frozen_clock(T0 + timedelta(days=7, hours=11))       # 20:00: quiet hours over
    monitoring.run_schedule(T0 + timedelta(days=7, hours=11))
    assert "reengage" not in _kinds(session, off) and "reengage" in _kinds(session, quiet)


def test_weekly_summary_only_when_switched_on_with_counts_and_no_health_data(db, session, frozen_clock, smtp):
    on, _ = _patient(session, weekly_summary=True, remind_at="18:00")
    off, _ = _patient(session)
    sunday_6pm = datetime(2026, 3, 8, 18, 0, tzinfo=UTC)
    frozen_clock(sunday_6pm - timedelta(minutes=1))
    monitoring.run_schedule(sunday_6pm - timedelta(minutes=1), all_patients=True)
    assert "weekly_summary" not in _kinds(session, on)
    frozen_clock(sunday_6pm)
    monitoring.run_schedule(sunday_6pm, all_patients=True)
    monitoring.run_schedule(sunday_6pm + timedelta(hours=1), all_patients=True)
    assert _kinds(session, on).count("weekly_summary") == 1 and "weekly_summary" not in _kinds(session, off)
    mail.deliver_all_due(db.session, smtp.settings())
    [m] = [m for m in smtp.messages if m["Subject"] == "Your week in Steady Steps"]
    text = m.get_content()
    assert "This week: 1 diary entry and no modules finished" in text
    words = re.sub(r"https?://\S+", " ", text).lower()   # signed tokens in links are random letters
    for word in ("mood", "canary-note-5521", "awful", "score", "5/10"):
        assert word not in words
