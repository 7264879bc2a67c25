"""The safety plan written together, JSON: GET|PUT /api/v1/clinician/patients/{id}/safety-plan
for assigned clinicians, `version` and `history` on the patient's own /api/v1/safety-plan."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from app import clock
from app.audit.models import AuditEvent
from app.safety import service as safety
from app.safety.models import SafetyPlanVersion
from tests.alerts.support import care_pair, count
from tests.factories import api_token, make_user

T0 = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)


def _url(patient) -> str:  # type: ignore[no-untyped-def]
    return f"/api/v1/clinician/patients/{patient.id}/safety-plan"


def test_clinician_api_reads_and_writes_with_history(client, session):
    patient, clinician = care_pair(session)
    hc, hp = api_token(client, clinician), api_token(client, patient)
    got = client.get(_url(patient), headers=hc).json()
    assert got["exists"] is False and got["version"] == 0 and got["history"] == []
    assert "Samaritans" in got["sections"]["professionals"] and set(got["titles"]) == set(safety.SECTION_KEYS)
    with clock.frozen(T0):
        r = client.put(_url(patient), headers=hc, json={"coping": "Walk the dog", "version": 0})
    assert r.status_code == 200 and r.json()["version"] == 1
    with clock.frozen(T0 + timedelta(hours=2)):
        r = client.put("/api/v1/safety-plan", headers=hp, json={"coping": "Walk the dog", "reasons": "My sister",
                                                                 "version": 1})
    assert r.status_code == 200
    mine = r.json()
    assert mine["version"] == 2 and mine["history_total"] == 2
    assert [(h["version"], h["author_role"], h["author"], h["by_you"], h["changed"]) for h in mine["history"]] == [
        (2, "patient", "Canary Patient", True, ["reasons"]),
        (1, "clinician", "Dr Assigned", False, ["coping"])]
    assert mine["history"][1]["at"].startswith("2026-12-01T10:00")
    theirs = client.get(_url(patient), headers=hc).json()
    assert [h["by_you"] for h in theirs["history"]] == [False, True]
    v1 = client.get(f"{_url(patient)}/versions/1", headers=hc).json()
    assert v1["sections"]["coping"] == "Walk the dog" and v1["sections"]["reasons"] == ""
    assert client.get("/api/v1/safety-plan/versions/1", headers=hp).json()["changed"] == ["coping"]
    assert client.get("/api/v1/safety-plan/versions/9", headers=hp).status_code == 404
    session.expire_all()
    acts = [(e.action, e.record_type, e.outcome) for e in session.scalars(
        select(AuditEvent).where(AuditEvent.actor_id == clinician.id, AuditEvent.patient_id == patient.id)
        .order_by(AuditEvent.seq))]
    assert acts == [("record.view", "safety_plan", "success"), ("safety_plan.update", "safety_plan", "success"),
                    ("record.view", "safety_plan", "success"), ("record.view", "safety_plan_version", "success")]


def test_api_conflict_is_409_with_both_texts_and_nothing_stored(client, session):
    patient, clinician = care_pair(session)
    hc, hp = api_token(client, clinician), api_token(client, patient)
    safety.save(session, patient.user, {"coping": "Walk the dog"})
    session.commit()
    assert client.put("/api/v1/safety-plan", headers=hp, json={"coping": "Music", "version": 1}).status_code == 200
    r = client.put(_url(patient), headers=hc, json={"coping": "Walk the dog", "environment": "Lock the tablets away",
                                                    "version": 1})
    assert r.status_code == 409
    body = r.json()
    assert body["error"] == "version_conflict" and "changed by the patient" in body["detail"]
    assert body["version"] == 2 and body["current"]["sections"]["coping"] == "Music"
    assert body["changed_by"]["author_role"] == "patient"
    assert body["yours"] == {"environment": "Lock the tablets away"}
    session.expire_all()
    assert safety.get(session, patient.id).sections["environment"] == ""
    assert count(session, SafetyPlanVersion) == 2
    refused = session.scalars(select(AuditEvent).where(AuditEvent.action == "safety_plan.update")).all()
    assert [(e.actor_id, e.outcome) for e in refused] == [(clinician.id, "conflict")]
    # the patient's own API: a stale version is refused too; without `version` it saves as before
    r = client.put("/api/v1/safety-plan", headers=hp, json={"coping": "Radio", "version": 1})
    assert r.status_code == 409 and r.json()["current"]["version"] == 2
    assert client.put("/api/v1/safety-plan", headers=hp, json={"coping": "Radio"}).json()["version"] == 3


def test_clinician_api_needs_the_version_and_validates_like_the_patient(client, session):
    patient, clinician = care_pair(session)
    hc = api_token(client, clinician)
    r = client.put(_url(patient), headers=hc, json={"coping": "Walk the dog"})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "version"]
    r = client.put(_url(patient), headers=hc, json={"coping": "x" * (safety.SECTION_MAX + 1), "version": 0})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "coping"]
    r = client.put(_url(patient), headers=hc, json={"coping": "ok", "patient_id": str(clinician.id), "version": 0})
    assert r.status_code == 422
    session.expire_all()
    assert safety.get(session, patient.id) is None and count(session, SafetyPlanVersion) == 0


def test_unassigned_clinician_api_is_404(client, session):
    patient, _ = care_pair(session)
    safety.save(session, patient.user, {"coping": "Walk the dog"})
    session.commit()
    h = api_token(client, make_user(session, "clinician"))
    for r in (client.get(_url(patient), headers=h), client.get(f"{_url(patient)}/versions/1", headers=h),
              client.put(_url(patient), headers=h, json={"coping": "x", "version": 1})):
        assert r.status_code == 404 and r.json()["error"] == "not_found"
    session.expire_all()
    assert safety.get(session, patient.id).sections["coping"] == "Walk the dog"
