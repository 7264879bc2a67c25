"""The lists come off the caseload indexes (SQLite's plans: no sort of the whole caseload, no
subquery computing a value per patient), and a patient whose row is missing still shows."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, event

from app import clock
from app.caseload import service as caseload
from app.caseload.models import CaseloadRow
from app.clinician import service as clinician_service
from tests.conftest import BACKEND
from tests.factories import assign, make_user


def plans(db, fn) -> list[str]:  # type: ignore[no-untyped-def]
    """EXPLAIN QUERY PLAN of every SELECT `fn(session)` runs."""
    seen: list[tuple[str, object]] = []
    listener = lambda conn, cur, statement, params, ctx, many: seen.append((statement, params))  # noqa: E731
    with db.session() as s:
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            fn(s)
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        out = [" | ".join(r[-1] for r in s.connection().exec_driver_sql("EXPLAIN QUERY PLAN " + st, p).all())
               for st, p in seen if st.lstrip().upper().startswith("SELECT")]
        s.rollback()
    return out


@pytest.mark.skipif(BACKEND != "sqlite", reason="SQLite's query plans (PostgreSQL plans from its statistics)")
def test_lists_walk_the_caseload_indexes(db, session):
    clinician = make_user(session, "clinician")
    for _ in range(3):
        assign(session, make_user(session, "patient"), clinician)
    now = clock.now()
    cases = {
        "all": (lambda s: caseload.assigned_page(s, clinician.id, now=now), "ix_caseload_rows_order"),
        "urgent": (lambda s: caseload.assigned_page(s, clinician.id, filter="urgent", now=now),
                   "ix_caseload_rows_order (top_rank=?)"),
        "reviews due": (lambda s: caseload.reviews_due_page(s, clinician.id, now=now), "ix_caseload_rows_review_due"),
        "unassigned": (lambda s: caseload.unassigned_page(s), "ix_caseload_rows_unassigned"),
    }
    for name, (fn, index) in cases.items():
        page = plans(db, fn)[0]     # the page's query comes first
        assert index in page, (name, page)
        assert "TEMP B-TREE" not in page, (name, page)      # no sort of the whole caseload
        assert "alerts" not in page and "guided_states" not in page, (name, page)
    [count] = plans(db, lambda s: caseload.assigned_page(s, clinician.id, now=now))[1:]
    assert "COVERING INDEX ix_assignments_clinician_id" in count, count   # the total: assignments only


def test_a_patient_without_a_row_is_listed_all_the_same(db, session, caplog):
    clinician = make_user(session, "clinician")
    patients = [make_user(session, "patient") for _ in range(3)]
    for p in patients:
        assign(session, p, clinician)
    session.execute(delete(CaseloadRow).where(CaseloadRow.patient_id == patients[1].id))   # by hand
    session.commit()
    rows, total = clinician_service.my_patients(session, clinician.user)
    assert total == 3 and {r.id for r in rows} == {p.id for p in patients}
    assert "had no caseload row" in caplog.text
    session.commit()
    assert session.get(CaseloadRow, patients[1].id) is not None


def test_the_schedule_fills_missing_rows(db, session, frozen_clock):
    from app.monitoring import service as monitoring
    p = make_user(session, "patient")
    session.execute(delete(CaseloadRow).where(CaseloadRow.patient_id == p.id))
    session.commit()
    monitoring.run_schedule(clock.now(), open_session=db.session)
    session.expire_all()
    assert session.get(CaseloadRow, p.id) is not None


@pytest.mark.skipif(BACKEND != "sqlite", reason="SQLite's query plans (PostgreSQL plans from its statistics)")
def test_waiting_alerts_and_the_open_inbox_do_not_sort_every_open_alert(db, session):
    from app.alerts import service as alerts
    clinician = make_user(session, "clinician")
    for _ in range(3):
        assign(session, make_user(session, "patient"), clinician)
    session.commit()
    counts = plans(db, lambda s: alerts.open_count_for_clinician(s, clinician.id))
    assert all("ix_caseload_rows_order" in p for p in counts[:3]), counts          # emergency, urgent, routine
    assert "ix_alerts_status_due (status=? AND ack_due_at>?)" in counts[3], counts   # others' escalated: a range
    inbox = plans(db, lambda s: alerts.list_for_clinician(s, clinician.id, "open", with_total=False))
    high, routine = inbox[0], inbox[1]
    assert "ix_caseload_rows_order" in high or "ix_alerts_patient_status" in high, high   # from the caseload
    assert "ix_alerts_status_created" in routine and "TEMP B-TREE" not in routine, routine   # oldest first, no sort
