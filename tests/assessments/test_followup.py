"""End of treatment and follow-up (clinical-rules.md §5): module 7 or a closed episode asks for
an end-of-treatment check-in; follow-ups are due 4 and 12 weeks later and reminded like the
weekly one; the episode's outcome."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.assessments import service
from app.monitoring import service as monitoring
from app.monitoring.models import Reminder
from tests.alerts.support import T0, care_pair, gad7, later, phq9, submit

WEEK = timedelta(weeks=1)


def both(session, patient, p: int, g: int) -> None:  # type: ignore[no-untyped-def]
    submit(session, patient, "phq9", phq9(p))
    submit(session, patient, "gad7", gad7(g))


def test_closing_the_episode_starts_end_of_treatment_then_follow_ups(session, frozen_clock):
    patient, _ = care_pair(session)
    both(session, patient, 16, 12)
    assert service.due(session, patient.user).kind == "weekly"
    frozen_clock(later(days=1))
    service.start_end_of_treatment(session, patient.user.id, later(days=1))
    session.commit()
    d = service.due(session, patient.user)
    assert (d.kind, d.next_due, d.due_now, d.remaining) == ("end_of_treatment", later(days=1), True, ("phq9", "gad7"))
    # idempotent: a second close keeps the first end
    service.start_end_of_treatment(session, patient.user.id, later(days=2))
    assert service.due(session, patient.user).next_due == later(days=1)
    both(session, patient, 4, 3)
    d = service.due(session, patient.user)
    assert (d.kind, d.next_due, d.due_now) == ("follow_up_4w", later(days=1) + 4 * WEEK, False)
    frozen_clock(later(days=1) + 4 * WEEK)
    d = service.due(session, patient.user)
    assert d.due_now and d.remaining == ("phq9", "gad7")
    both(session, patient, 5, 4)
    d = service.due(session, patient.user)
    assert (d.kind, d.next_due) == ("follow_up_12w", later(days=1) + 12 * WEEK)
    frozen_clock(later(days=1) + 12 * WEEK)
    both(session, patient, 3, 2)
    d = service.due(session, patient.user)
    assert (d.kind, d.due_now, d.remaining) == ("none", False, ())
    assert service.episode_outcome(session, patient.user).label == "reliable_recovery"


def test_a_missed_end_of_treatment_check_in_gives_way_to_the_follow_up(session, frozen_clock):
    patient, _ = care_pair(session)
    service.start_end_of_treatment(session, patient.user.id, T0)
    session.commit()
    frozen_clock(T0 + 4 * WEEK)
    assert service.due(session, patient.user).kind == "follow_up_4w"


def test_finishing_module_7_ends_treatment(session, frozen_clock):
    from app.programme import service as programme
    patient, _ = care_pair(session)
    programme._end_of_treatment(session, patient.user, T0)  # what complete() calls for module 7
    assert service.due(session, patient.user).kind == "end_of_treatment"
    assert programme.LAST_MODULE_NUMBER == 7


def test_follow_up_is_reminded_like_the_weekly_one(session, frozen_clock):
    patient, _ = care_pair(session)
    both(session, patient, 12, 9)
    service.start_end_of_treatment(session, patient.user.id, T0)
    both(session, patient, 8, 6)
    session.commit()
    due = T0 + 4 * WEEK
    frozen_clock(due)
    monitoring.run_schedule(due)
    keys = [r.key for r in session.scalars(select(Reminder).where(Reminder.kind == "checkin_due"))]
    assert f"follow_up_4w:{due.isoformat()}" in keys
    frozen_clock(due + timedelta(days=3, hours=1))
    monitoring.run_schedule(due + timedelta(days=3, hours=1))
    from tests.alerts.support import alerts_of
    assert "missed_checkin" in [a.rule for a in alerts_of(session, patient)]


def test_not_enough_data_is_kept_apart(session):
    patient, _ = care_pair(session)
    submit(session, patient, "phq9", phq9(14))
    assert service.episode_outcome(session, patient.user).label == "not_enough_data"


def test_outcome_in_plain_words_for_the_patient(client, session, frozen_clock):
    from tests.assessments.test_assessments_pages import text_of
    from tests.factories import browser_login
    patient, _ = care_pair(session)
    browser_login(client, patient)
    assert "There are not yet enough check-ins to say how things have changed." in text_of(client.get("/progress").text)
    both(session, patient, 16, 12)
    service.start_end_of_treatment(session, patient.user.id, T0)
    session.commit()
    frozen_clock(later(days=1))
    both(session, patient, 4, 3)
    browser_login(client, patient)
    page = text_of(client.get("/progress").text)
    assert "How things changed over your treatment" in page
    assert "Your scores have come down by a reliable amount and are now below the levels" in page
    assert "End-of-treatment check-in: done" in page
