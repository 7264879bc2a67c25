"""Guided support: reviews due, the review (note + message in one step), notes private to
clinicians, homework feedback, opening a module early, the episode; all scoped to the
patient's assigned clinicians and audited."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app import clock
from app.audit.models import AuditEvent
from app.guided import episode
from app.guided.models import ClinicalNote, HomeworkFeedback, Review
from app.messages.models import Message
from tests.factories import api_token, assign, make_user

TASK = "thought-record-starter"
ANSWERS = {"situation": "At work", "thoughts": "I will mess this up",
           "emotions": [{"emotion": "Anxious", "intensity": 60}]}


@pytest.fixture
def people(session):  # type: ignore[no-untyped-def]
    patient = make_user(session, "patient", name="Pat")
    clin = make_user(session, "clinician", name="Dr Lee")
    other = make_user(session, "clinician")
    assign(session, patient, clin)
    return patient, clin, other


def _count(session, model) -> int:  # type: ignore[no-untyped-def]
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_review_due_after_the_interval_and_after_a_message(client, session, people) -> None:  # type: ignore[no-untyped-def]
    patient, clin, _ = people
    hc = api_token(client, clin)
    assert client.get("/api/v1/clinician/reviews?status=due", headers=hc).json() == []
    client.post("/api/v1/messages", json={"body": "Hi"}, headers=api_token(client, patient))
    due = client.get("/api/v1/clinician/reviews?status=due", headers=hc).json()
    assert [d["patient_id"] for d in due] == [str(patient.id)] and due[0]["unread_messages"] == 1
    r = client.post(f"/api/v1/clinician/patients/{patient.id}/reviews",
                    json={"note": "Engaged, mood lifting", "message": "Lovely work this week"}, headers=hc)
    assert r.status_code == 201 and r.json()["message_id"]
    assert client.get("/api/v1/clinician/reviews", headers=hc).json() == []
    with clock.frozen(clock.now() + timedelta(days=7, minutes=1)):
        due = client.get("/api/v1/clinician/reviews", headers=api_token(client, clin)).json()
        assert [d["patient_id"] for d in due] == [str(patient.id)]
        # The patient sees the message, never the note.
        mine = client.get("/api/v1/messages", headers=api_token(client, patient)).json()
        assert mine[-1]["body"] == "Lovely work this week"
        assert "Engaged" not in str(mine)


def test_review_page_shows_the_week_and_records_in_one_step(client, session, people) -> None:  # type: ignore[no-untyped-def]
    from app.assessments import service as assessments
    from tests.factories import browser_login, csrf_from
    patient, clin, _ = people
    assessments.submit(session, patient.user, "phq9", [1, 1, 1, 1, 1, 1, 1, 1, 0])
    session.commit()
    browser_login(client, clin)
    page = client.get(f"/clinician/patients/{patient.id}/review")
    assert page.status_code == 200 and "PHQ-9" in page.text and "Item" in page.text
    token = csrf_from(page.text)
    r = client.post(f"/clinician/patients/{patient.id}/review", data={"csrf_token": token, "note": "", "message": "x"})
    assert r.status_code == 422 and "note" in r.text and _count(session, Review) == 0 and _count(session, Message) == 0
    r = client.post(f"/clinician/patients/{patient.id}/review",
                    data={"csrf_token": token, "note": "Fine", "message": "y" * 5001})
    assert r.status_code == 422 and _count(session, Review) == 0 and _count(session, ClinicalNote) == 0
    r = client.post(f"/clinician/patients/{patient.id}/review",
                    data={"csrf_token": token, "note": "Private words", "message": "Keep going", "idempotency_key": "rk"},
                    follow_redirects=True)
    assert r.status_code == 200 and "Review recorded" in r.text
    assert _count(session, Review) == 1 and _count(session, Message) == 1
    r = client.post(f"/clinician/patients/{patient.id}/review",   # the same form sent again
                    data={"csrf_token": token, "note": "Private words", "message": "Keep going", "idempotency_key": "rk"},
                    follow_redirects=False)
    assert r.status_code == 303
    assert _count(session, Review) == 1 and _count(session, Message) == 1 and _count(session, ClinicalNote) == 1


@pytest.mark.parametrize("body", ["", " ", "z" * 5001])
def test_bad_note_and_feedback_are_422_and_store_nothing(client, session, people, body) -> None:  # type: ignore[no-untyped-def]
    from app.homework import service as homework
    patient, clin, _ = people
    entry = homework.create(session, patient.user, TASK, ANSWERS)
    session.commit()
    hc = api_token(client, clin)
    r = client.post(f"/api/v1/clinician/patients/{patient.id}/notes", json={"body": body}, headers=hc)
    assert r.status_code == 422 and r.json()["detail"][0]["loc"][-1] == "body"
    r = client.post(f"/api/v1/clinician/patients/{patient.id}/homework/{entry.id}/feedback", json={"body": body}, headers=hc)
    assert r.status_code == 422 and r.json()["detail"][0]["loc"][-1] == "body"
    r = client.post(f"/api/v1/clinician/patients/{patient.id}/reviews", json={"note": body}, headers=hc)
    assert r.status_code == 422 and r.json()["detail"][0]["loc"][-1] == "note"
    assert _count(session, ClinicalNote) == 0 and _count(session, HomeworkFeedback) == 0


def test_notes_are_private_encrypted_and_audited(client, session, people) -> None:  # type: ignore[no-untyped-def]
    patient, clin, other = people
    hc = api_token(client, clin)
    r = client.post(f"/api/v1/clinician/patients/{patient.id}/notes", json={"body": "Secret formulation"}, headers=hc)
    assert r.status_code == 201 and r.json()["author"] == "Dr Lee"
    notes = client.get(f"/api/v1/clinician/patients/{patient.id}/notes", headers=hc).json()
    assert notes[0]["body"] == "Secret formulation"
    row = session.scalars(select(ClinicalNote)).one()
    assert b"Secret" not in bytes(row.body_enc)
    assert session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.record_type == "clinical_notes")) == 1
    ho = api_token(client, other)
    assert client.get(f"/api/v1/clinician/patients/{patient.id}/notes", headers=ho).status_code == 404
    assert client.post(f"/api/v1/clinician/patients/{patient.id}/notes", json={"body": "x"}, headers=ho).status_code == 404


def test_homework_feedback_reaches_the_patient(client, session, people) -> None:  # type: ignore[no-untyped-def]
    from app.homework import service as homework
    from tests.factories import browser_login
    patient, clin, other = people
    entry = homework.create(session, patient.user, TASK, ANSWERS)
    session.commit()
    hc = api_token(client, clin)
    r = client.post(f"/api/v1/clinician/patients/{patient.id}/homework/{entry.id}/feedback",
                    json={"body": "Great noticing of the thought"}, headers=hc)
    assert r.status_code == 201
    assert client.post(f"/api/v1/clinician/patients/{patient.id}/homework/{entry.id}/feedback",
                       json={"body": "x"}, headers=api_token(client, other)).status_code == 404
    browser_login(client, patient)
    assert "New feedback" in client.get("/workbook").text
    page = client.get(f"/homework/entries/{entry.id}")
    assert "Great noticing of the thought" in page.text
    assert "New feedback" not in client.get("/workbook").text      # seen now
    got = client.get(f"/api/v1/homework/entries/{entry.id}", headers=api_token(client, patient)).json()
    assert got["feedback"][0]["body"] == "Great noticing of the thought"


def test_open_module_early(client, session, people) -> None:  # type: ignore[no-untyped-def]
    patient, clin, other = people
    hp, hc = api_token(client, patient), api_token(client, clin)
    assert client.get("/api/v1/modules/noticing-patterns", headers=hp).status_code == 403
    assert client.post(f"/api/v1/clinician/patients/{patient.id}/modules/noticing-patterns/open",
                       headers=api_token(client, other)).status_code == 404
    assert client.post(f"/api/v1/clinician/patients/{patient.id}/modules/nope/open", headers=hc).status_code == 404
    r = client.post(f"/api/v1/clinician/patients/{patient.id}/modules/noticing-patterns/open", headers=hc)
    assert r.status_code == 200
    assert client.get("/api/v1/modules/noticing-patterns", headers=hp).status_code == 200
    mods = {m["slug"]: m["status"] for m in client.get("/api/v1/modules", headers=hp).json()}
    assert mods["noticing-patterns"] == "available" and mods["doing-what-matters"] == "locked"
    from tests.factories import browser_login
    browser_login(client, patient)
    assert "Your care team has opened module 2 for you." in client.get("/modules").text


def test_discharge_sets_the_episode_and_asks_for_the_end_checkin(client, session, people) -> None:  # type: ignore[no-untyped-def]
    from app.assessments import service as assessments
    patient, clin, other = people
    assert assessments.due(session, patient.user).kind == "weekly"
    hc = api_token(client, clin)
    assert client.post(f"/api/v1/clinician/patients/{patient.id}/discharge", json={"reason": "finished"},
                       headers=hc).status_code == 422
    assert client.post(f"/api/v1/clinician/patients/{patient.id}/discharge", json={"reason": "finished", "note": "x"},
                       headers=api_token(client, other)).status_code == 404
    assert assessments.due(session, patient.user).kind == "weekly"  # the refused requests changed nothing
    r = client.post(f"/api/v1/clinician/patients/{patient.id}/discharge",
                    json={"reason": "finished", "note": "Goals met"}, headers=hc)
    assert r.status_code == 200 and r.json()["status"] == "finished" and r.json()["end_of_treatment_requested"]
    # The patient is now asked for the end-of-treatment check-in (follow-ups later).
    session.expire_all()
    assert assessments.due(session, patient.user).kind == "end_of_treatment"
    assert episode.history(session, patient.id)[0]["note"] == "Goals met"
    # An ended episode is not due for review even when the patient writes.
    client.post("/api/v1/messages", json={"body": "Thanks"}, headers=api_token(client, patient))
    assert client.get("/api/v1/clinician/reviews", headers=hc).json() == []


def test_record_page_forms(client, session, people) -> None:  # type: ignore[no-untyped-def]
    from tests.factories import browser_login, csrf_from
    patient, clin, _ = people
    browser_login(client, clin)
    page = client.get(f"/clinician/patients/{patient.id}")
    assert page.status_code == 200 and "Clinical notes" in page.text and "Open module 2 now" in page.text
    token = csrf_from(page.text)
    r = client.post(f"/clinician/patients/{patient.id}/notes", data={"csrf_token": token, "body": ""})
    assert r.status_code == 422 and "Please write a note" in r.text and _count(session, ClinicalNote) == 0
    r = client.post(f"/clinician/patients/{patient.id}/episode",
                    data={"csrf_token": token, "status": "discharged", "reason": "", "note": "bye"})
    assert r.status_code == 422 and "bye" in r.text
    r = client.post(f"/clinician/patients/{patient.id}/notes", data={"csrf_token": token, "body": "Seen in clinic"},
                    follow_redirects=True)
    assert r.status_code == 200 and "Seen in clinic" in r.text
