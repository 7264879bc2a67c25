"""The clinician's dashboard, one patient's record, scoping (404) and auditing."""

from __future__ import annotations

import pytest
from sqlalchemy import event, select

from app.audit.models import AuditEvent
from app.clinician import service
from tests.alerts.support import care_pair, later, phq9, submit
from tests.factories import api_token, assign, browser_login, make_user


def _audit(session, **where):  # type: ignore[no-untyped-def]
    session.expire_all()
    stmt = select(AuditEvent)
    for k, v in where.items():
        stmt = stmt.where(getattr(AuditEvent, k) == v)
    return list(session.scalars(stmt.order_by(AuditEvent.seq)))


def test_dashboard_lists_assigned_patients_with_scores_trend_and_alerts(client, session, frozen_clock):
    clinician = make_user(session, "clinician")
    quiet = make_user(session, "patient", name="Quiet Quinn")
    risky = make_user(session, "patient", name="Risky Rowan")
    stranger = make_user(session, "patient", name="Not Mine")
    for p in (quiet, risky):
        assign(session, p, clinician)
    submit(session, quiet, "phq9", phq9(12))
    frozen_clock(later(days=1))
    submit(session, risky, "phq9", phq9(8))
    frozen_clock(later(days=2))
    submit(session, quiet, "phq9", phq9(9))                         # more recent activity, no alert
    frozen_clock(later(days=8))
    submit(session, risky, "phq9", phq9(14, item9=1))                # urgent + reliable deterioration
    frozen_clock(later(days=9))
    submit(session, quiet, "gad7", [1, 1, 1, 1, 1, 1, 1])
    rows, total = service.my_patients(session, clinician.user)
    assert total == 2
    assert [r.name for r in rows] == ["Risky Rowan", "Quiet Quinn"]   # alert tier before recency
    r = rows[0]
    assert (r.phq9.latest, r.phq9.previous, r.phq9.trend, r.phq9.band) == (14, 8, "up", "moderate")
    assert r.open_alerts == {"emergency": 0, "urgent": 1, "routine": 1} and r.top_tier == "urgent"
    assert (rows[1].phq9.trend, rows[1].gad7.latest, rows[1].gad7.trend) == ("down", 7, None)
    session.commit()   # the list view was audited (a write)
    browser_login(client, clinician)
    page = client.get("/clinician")
    assert page.status_code == 200
    assert page.text.index("Risky Rowan") < page.text.index("Quiet Quinn")
    assert "Not Mine" not in page.text and stranger.email not in page.text
    assert "up 6 since the previous score (worse)" in page.text
    assert page.headers["cache-control"] == "no-store"
    assert _audit(session, action="record.list", actor_id=clinician.id)


def test_dashboard_pages_50_at_a_time(client, session, frozen_clock):
    from app.caseload import service as caseload
    from app.monitoring.models import MonitorState
    clinician = make_user(session, "clinician")
    people = []
    for i in range(55):
        p = make_user(session, "patient", name=f"Patient {i:02d}")
        assign(session, p, clinician)
        people.append(p)
        session.add(MonitorState(patient_id=p.id, next_check_at=later(days=1),
                                 last_activity_at=later(hours=i)))
        caseload.refresh(session, p.id)   # written here by hand, not through the monitor's hooks
    session.commit()
    rows, total = service.my_patients(session, clinician.user, page=1)
    assert total == 55 and len(rows) == 50
    assert rows[0].name == "Patient 54"                               # most recently active first
    rows2, _ = service.my_patients(session, clinician.user, page=2)
    assert [r.name for r in rows2] == [f"Patient {i:02d}" for i in range(4, -1, -1)]
    session.commit()
    browser_login(client, clinician)
    page = client.get("/clinician?page=2")
    assert "Page 2 of 2" in page.text and 'href="/clinician?page=1"' in page.text


def test_dashboard_queries_do_not_grow_with_patients(db, session, frozen_clock):
    """No N+1: the page's query count is the same for 3 and for 12 patients with scores."""
    clinician = make_user(session, "clinician")

    def add(n: int) -> None:
        for _ in range(n):
            p = make_user(session, "patient")
            assign(session, p, clinician)
            submit(session, p, "phq9", phq9(12, item9=1))

    def queries() -> int:
        statements: list[str] = []
        with db.session() as s:
            listener = lambda *a: statements.append(a[2])  # noqa: E731
            event.listen(db.engine, "before_cursor_execute", listener)
            try:
                me = s.get(type(clinician.user), clinician.id)
                rows, _ = service.my_patients(s, me)
                assert all(r.phq9 is not None for r in rows)
            finally:
                event.remove(db.engine, "before_cursor_execute", listener)
            s.rollback()
        return len(statements)

    add(3)
    few = queries()
    add(9)
    assert queries() == few


def test_patient_page_renders_everything_and_is_audited(client, session, frozen_clock):
    from app.diary import service as diary
    from app.diary.schemas import DiaryIn
    from app.safety import service as safety
    patient, clinician = care_pair(session, name="Record Rae")
    submit(session, patient, "phq9", phq9(9))
    submit(session, patient, "gad7", [2, 2, 1, 1, 1, 1, 1])
    diary.create(session, patient.user, DiaryIn(mood=3, emotions=["tired"], note="canary-diary-note"))
    safety.save(session, patient.user, {"warning_signs": "Skipping meals"})
    frozen_clock(later(days=7))
    submit(session, patient, "phq9", phq9(15, item9=1))
    browser_login(client, clinician)
    page = client.get(f"/clinician/patients/{patient.id}")
    assert page.status_code == 200
    for text in ("Record Rae", "PHQ-9", "GAD-7", "Mood", "canary-diary-note", "Skipping meals",
                 "Modules", "Homework", "Reliable deterioration", "<svg"):
        assert text in page.text, text
    assert page.headers["cache-control"] == "no-store"
    [ev] = _audit(session, action="record.view", record_type="patient_record")
    assert (ev.actor_id, ev.actor_role, ev.patient_id, ev.record_id, ev.outcome) == (
        clinician.id, "clinician", patient.id, str(patient.id), "success")
    # no field values in the audit log
    for e in _audit(session):
        assert "canary" not in " ".join(str(getattr(e, c)) for c in ("action", "record_type", "record_id", "outcome"))


def test_api_patients_and_record(client, session, frozen_clock):
    patient, clinician = care_pair(session)
    submit(session, patient, "phq9", phq9(12, item9=2))
    h = api_token(client, clinician)
    r = client.get("/api/v1/clinician/patients", headers=h)
    assert r.status_code == 200 and r.headers["x-total-count"] == "1"
    [row] = r.json()
    assert row["id"] == str(patient.id) and row["phq9"]["latest"] == 12 and row["open_alerts"]["urgent"] == 1
    rec = client.get(f"/api/v1/clinician/patients/{patient.id}", headers=h).json()
    assert rec["assessments"][0]["total"] == 12 and rec["alerts"][0]["rule"] == "item9_high"
    assert rec["progress"]["total"] == 7
    assert _audit(session, action="record.view", record_type="patient_record", patient_id=patient.id)


@pytest.mark.parametrize("kind", ["page", "api"])
def test_unassigned_patient_is_404_like_a_missing_one(client, session, kind):
    patient, clinician = care_pair(session)
    other = make_user(session, "clinician")
    nobody = make_user(session, "patient")
    if kind == "page":
        browser_login(client, other)
        get = lambda pid: client.get(f"/clinician/patients/{pid}")  # noqa: E731
    else:
        h = api_token(client, other)
        get = lambda pid: client.get(f"/api/v1/clinician/patients/{pid}", headers=h)  # noqa: E731
    theirs, missing = get(patient.id), get(nobody.id.hex[:8] + "-0000-4000-8000-000000000000")
    assert theirs.status_code == missing.status_code == 404
    assert theirs.text == missing.text
    assert get(other.id).status_code == 404                           # a clinician is not a patient
    assert not _audit(session, action="record.view")


def test_patients_cannot_open_the_dashboard(client, session):
    patient = make_user(session, "patient")
    browser_login(client, patient)
    assert client.get("/clinician").status_code == 403
    assert client.get("/api/v1/clinician/patients", headers=api_token(client, patient)).status_code == 403
