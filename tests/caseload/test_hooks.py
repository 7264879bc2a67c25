"""Each event that changes a patient's caseload row refreshes it in its own transaction: one
test per write path, each set up so that the event changes the row (switch the refresh of
that path off and its test fails: the stored row no longer equals a fresh computation)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select

from app.accounts.models import User
from app.alerts.models import Alert
from app.caseload import service as caseload
from app.caseload.models import CaseloadRow
from app.monitoring.rules import Flag, Tier
from tests.alerts.support import later, phq9
from tests.factories import assign, make_user


def row(db, pid) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    with db.session() as s:
        stored = s.get(CaseloadRow, pid)
        fresh = caseload.compute(s, caseload._patients(s, [pid]))[pid]
        assert stored is not None and caseload.values_of(stored) == fresh, (caseload.values_of(stored), fresh)
        return fresh


def raise_(s, pid, rule="disengaged", tier=Tier.ROUTINE):  # type: ignore[no-untyped-def]
    from app.alerts import service as alerts
    from app.monitoring import service as monitoring
    monitoring.lock_patient(s, pid)
    alerts.raise_alert(s, pid, Flag(rule, tier, 14, "days=14"))


def _alert_id(s, pid):  # type: ignore[no-untyped-def]
    return s.scalar(select(Alert.id).where(Alert.patient_id == pid))


def ev_raise(s, p, c, admin):  # type: ignore[no-untyped-def]
    raise_(s, p.id)
    return lambda r: r["top_rank"] == 1 and r["disengaged"]


def _with_alert(s, p, c):  # type: ignore[no-untyped-def]
    raise_(s, p.id)


def _reviewed_earlier(s, p, c):  # type: ignore[no-untyped-def]
    from app import clock
    from app.guided import service as guided
    with clock.frozen(later(hours=1)):
        guided.complete_review(s, s.get(User, c.id), p.id, "Reviewed.")


def _reviewed(s, p, c):  # type: ignore[no-untyped-def]
    from app.guided import service as guided
    guided.complete_review(s, s.get(User, c.id), p.id, "Reviewed.")   # the guided row exists


def ev_acknowledge(s, p, c, admin):  # type: ignore[no-untyped-def]
    from app.alerts import service as alerts
    alerts.acknowledge(s, s.get(User, c.id), _alert_id(s, p.id))
    return lambda r: r["top_rank"] == 0 and r["active_alerts"] == 1


def ev_resolve(s, p, c, admin):  # type: ignore[no-untyped-def]
    from app.alerts import service as alerts
    alerts.resolve(s, s.get(User, c.id), _alert_id(s, p.id))
    return lambda r: r["active_alerts"] == 0 and not r["disengaged"]


def ev_resolve_by_system(s, p, c, admin):  # type: ignore[no-untyped-def]
    from app.alerts import service as alerts
    alerts.resolve_by_system(s, p.id, "disengaged", "Active again.")
    return lambda r: r["active_alerts"] == 0


def ev_checkin_without_alert(s, p, c, admin):  # type: ignore[no-untyped-def]
    from app.assessments import service as assessments
    assessments.submit(s, s.get(User, p.id), "phq9", phq9(3))
    return lambda r: r["started"] and r["top_rank"] == 0


def ev_diary(s, p, c, admin):  # type: ignore[no-untyped-def]
    from app.diary import service as diary
    from app.diary.schemas import DiaryIn
    diary.create(s, s.get(User, p.id), DiaryIn(mood=7))
    return lambda r: r["started"]


def ev_time_rules(s, p, c, admin):  # type: ignore[no-untyped-def]
    """The scheduled job notices activity the monitor has not seen yet (a lesson read)."""
    from app.monitoring import service as monitoring
    from app.programme import service as programme
    patient = s.get(User, p.id)
    programme.complete(s, patient, programme.module_statuses(s, patient)[0].slug)
    s.commit()
    monitoring.check_patient_time_rules(s, s.get(User, p.id), later(days=1, hours=2))
    s.commit()
    return lambda r: r["started"]


def ev_review(s, p, c, admin):  # type: ignore[no-untyped-def]
    from app.guided import service as guided
    guided.complete_review(s, s.get(User, c.id), p.id, "Reviewed.")
    return lambda r: r["next_review_at"] == later(days=8)


def ev_message_brings_review_forward(s, p, c, admin):  # type: ignore[no-untyped-def]
    from app.messages import service as messages
    messages.send_from_patient(s, s.get(User, p.id), "A question about the homework.")
    return lambda r: r["review_due_at"] == later(days=1) and r["next_review_at"] == later(days=1)


def ev_episode_ends(s, p, c, admin):  # type: ignore[no-untyped-def]
    from app.guided import episode
    episode.set_status(s, s.get(User, c.id), p.id, "dropped_out", "Moved away.", "Note.")
    return lambda r: r["review_due_at"] is None


def ev_module_completed(s, p, c, admin):  # type: ignore[no-untyped-def]
    from app.programme import service as programme
    patient = s.get(User, p.id)
    programme.complete(s, patient, programme.module_statuses(s, patient)[0].slug)
    return lambda r: r["modules_completed"] == 1


def ev_unassign(s, p, c, admin):  # type: ignore[no-untyped-def]
    from app.admin import service as admin_service
    admin_service.unassign(s, s.get(User, admin.id), p.id, c.id)
    return lambda r: r["clinicians"] == 0


def ev_bulk_assign(s, p, c, admin):  # type: ignore[no-untyped-def]
    from app.guided import bulk
    other = make_user(s, "clinician")
    bulk.assign_many(s, s.get(User, admin.id), [p.id], other.id)
    return lambda r: r["clinicians"] == 2


EVENTS: list[Callable[..., Any]] = [
    ev_raise, ev_acknowledge, ev_resolve, ev_resolve_by_system, ev_checkin_without_alert, ev_diary,
    ev_review, ev_message_brings_review_forward, ev_episode_ends, ev_module_completed, ev_unassign,
    ev_bulk_assign]


#: what an event needs first, committed before the row is looked at
SETUP = {ev_acknowledge: _with_alert, ev_resolve: _with_alert, ev_resolve_by_system: _with_alert,
         ev_message_brings_review_forward: _reviewed, ev_episode_ends: _reviewed, ev_review: _reviewed_earlier}


@pytest.mark.parametrize("event", EVENTS, ids=lambda f: f.__name__[3:])
def test_event_refreshes_the_row_in_its_transaction(db, session, frozen_clock, event):
    p, c, admin = make_user(session, "patient"), make_user(session, "clinician"), make_user(session, "admin")
    assign(session, p, c)
    frozen_clock(later(days=1))
    setup = SETUP.get(event)
    if setup is not None:
        setup(session, p, c)
        session.commit()
    before = row(db, p.id)
    expect = event(session, p, c, admin)
    session.commit()
    after = row(db, p.id)           # stored == fresh computation
    assert after != before and expect(after), (before, after)


def test_the_scheduled_time_rules_refresh_the_row(db, session, frozen_clock):
    p, c, admin = make_user(session, "patient"), make_user(session, "clinician"), make_user(session, "admin")
    assign(session, p, c)
    frozen_clock(later(days=1))
    assert not row(db, p.id)["started"]
    expect = ev_time_rules(session, p, c, admin)
    assert expect(row(db, p.id))


def test_a_new_patient_and_an_assignment_have_their_row_at_once(db, session):
    p = make_user(session, "patient")
    assert row(db, p.id)["clinicians"] == 0
    assign(session, p, make_user(session, "clinician"))
    assert row(db, p.id)["clinicians"] == 1
    clinician = make_user(session, "clinician")
    with db.session() as s:
        assert s.get(CaseloadRow, clinician.id) is None     # only patients have one


def test_a_rolled_back_event_leaves_the_row_as_it_was(db, session, frozen_clock):
    p = make_user(session, "patient")
    raise_(session, p.id)
    assert caseload.PENDING in session.info
    session.rollback()
    assert caseload.PENDING not in session.info
    assert row(db, p.id)["top_rank"] == 0


def test_a_guided_row_made_after_the_interval_changed_refreshes_the_row(db, session, frozen_clock, monkeypatch):
    """A patient never reviewed is due one interval after enrolment; if ICBT_REVIEW_INTERVAL_DAYS
    changed since their row was computed, the guided row made later (with the new interval)
    brings the caseload row along."""
    from app.config import get_settings
    from app.guided import service as guided
    p = make_user(session, "patient")
    assert row(db, p.id)["next_review_at"] == later(days=7)
    monkeypatch.setenv("ICBT_REVIEW_INTERVAL_DAYS", "14")
    get_settings.cache_clear()
    guided.state(session, session.get(User, p.id))
    session.commit()
    assert row(db, p.id)["next_review_at"] == later(days=14)
