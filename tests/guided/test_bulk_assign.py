"""Bulk assignment: several patients to one clinician at once, all or nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from app.accounts.models import Assignment
from tests.factories import browser_login, csrf_from, make_user


def _assignments(session) -> int:  # type: ignore[no-untyped-def]
    session.expire_all()
    return session.scalar(select(func.count()).select_from(Assignment)) or 0


def test_admin_assigns_several_patients_at_once(client, session) -> None:  # type: ignore[no-untyped-def]
    admin = make_user(session, "admin")
    clin = make_user(session, "clinician", name="Dr Bulk")
    patients = [make_user(session, "patient", name=f"P{i}") for i in range(3)]
    browser_login(client, admin)
    page = client.get("/admin/assign")
    assert page.status_code == 200 and "Dr Bulk" in page.text and "P2" in page.text
    token = csrf_from(page.text)
    r = client.post("/admin/assign", data={"csrf_token": token, "clinician_id": str(clin.id)})
    assert r.status_code == 422 and "Choose at least one patient" in r.text
    r = client.post("/admin/assign", data={"csrf_token": token, "clinician_id": str(clin.id),
                                           "patient_ids": [str(patients[0].id), str(clin.id)]})
    assert r.status_code == 422 and "not a patient" in r.text and _assignments(session) == 0
    r = client.post("/admin/assign", data={"csrf_token": token, "patient_ids": [str(patients[0].id)]})
    assert r.status_code == 422 and "Choose an active clinician" in r.text and _assignments(session) == 0
    r = client.post("/admin/assign", data={"csrf_token": token, "clinician_id": str(clin.id),
                                           "patient_ids": [str(p.id) for p in patients[:2]]}, follow_redirects=True)
    assert r.status_code == 200 and "2 patients assigned" in r.text and _assignments(session) == 2
    # Assigning again changes nothing.
    client.post("/admin/assign", data={"csrf_token": token, "clinician_id": str(clin.id),
                                       "patient_ids": [str(patients[0].id)]})
    assert _assignments(session) == 2
