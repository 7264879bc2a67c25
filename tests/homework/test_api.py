"""Homework JSON API: entries for the exercises the content defines."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select, text

from app.homework.models import HomeworkEntry
from tests.factories import api_token, make_user

TASK = "thought-record-starter"
GOOD = {"situation": "On the bus", "thoughts": "She must be fed up with me.",
        "emotions": [{"emotion": "Worried", "intensity": 70}], "body": "Tight chest"}


def count(session) -> int:  # type: ignore[no-untyped-def]
    session.rollback()
    return session.scalar(select(func.count()).select_from(HomeworkEntry))


def test_create_read_list_and_edit(client, session):
    patient = make_user(session)
    h = api_token(client, patient)
    r = client.post(f"/api/v1/homework/{TASK}/entries", json={"answers": GOOD}, headers=h)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["status"] == "submitted" and body["answers"] == GOOD and body["task_slug"] == TASK
    assert body["module_slug"] == "thoughts-feelings-actions" and body["content_version"] == 2
    entry_id = body["id"]
    assert client.get(f"/api/v1/homework/entries/{entry_id}", headers=h).json()["answers"] == GOOD
    assert [e["id"] for e in client.get("/api/v1/homework/entries", headers=h).json()] == [entry_id]

    changed = {**GOOD, "actions": "Went home early"}
    r = client.patch(f"/api/v1/homework/entries/{entry_id}", json={"answers": changed}, headers=h)
    assert r.status_code == 200 and r.json()["answers"] == changed and r.json()["status"] == "submitted"
    r = client.patch(f"/api/v1/homework/entries/{entry_id}", json={"status": "draft"}, headers=h)
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "status"]


def test_draft_then_submit(client, session):
    patient = make_user(session)
    h = api_token(client, patient)
    r = client.post(f"/api/v1/homework/{TASK}/entries", json={"answers": {"situation": "Bus"}, "status": "draft"},
                    headers=h)
    assert r.status_code == 201 and r.json()["status"] == "draft" and r.json()["submitted_at"] is None
    entry_id = r.json()["id"]
    r = client.patch(f"/api/v1/homework/entries/{entry_id}", json={"status": "submitted"}, headers=h)
    assert r.status_code == 422  # still incomplete
    assert {tuple(d["loc"]) for d in r.json()["detail"]} == {("body", "answers", "thoughts"),
                                                             ("body", "answers", "emotions")}
    r = client.patch(f"/api/v1/homework/entries/{entry_id}", json={"answers": GOOD, "status": "submitted"}, headers=h)
    assert r.status_code == 200 and r.json()["status"] == "submitted" and r.json()["submitted_at"]


@pytest.mark.parametrize(("answers", "loc", "kind"), [
    ({**GOOD, "situation": "x" * 1001}, ["body", "answers", "situation"], "string_too_long"),
    ({**GOOD, "emotions": [{"emotion": "Worried", "intensity": 101}]}, ["body", "answers", "emotions", 0, "intensity"],
     "less_than_equal"),
    ({**GOOD, "mood": 4}, ["body", "answers", "mood"], "extra_forbidden"),
    ({k: v for k, v in GOOD.items() if k != "thoughts"}, ["body", "answers", "thoughts"], "missing"),
    ({**GOOD, "emotions": [{"emotion": "Worried", "intensity": 5}] * 6}, ["body", "answers", "emotions"], "too_long"),
])
def test_bad_answers_are_422_naming_the_field_and_nothing_is_stored(client, session, answers, loc, kind):
    patient = make_user(session)
    h = api_token(client, patient)
    r = client.post(f"/api/v1/homework/{TASK}/entries", json={"answers": answers}, headers=h)
    assert r.status_code == 422
    assert r.json()["error"] == "validation_error"
    assert {"loc": loc, "msg": r.json()["detail"][0]["msg"], "type": kind} in r.json()["detail"]
    assert count(session) == 0
    # and an existing entry is left as it was
    ok = client.post(f"/api/v1/homework/{TASK}/entries", json={"answers": GOOD}, headers=h).json()
    r = client.patch(f"/api/v1/homework/entries/{ok['id']}", json={"answers": answers}, headers=h)
    assert r.status_code == 422
    assert client.get(f"/api/v1/homework/entries/{ok['id']}", headers=h).json()["answers"] == GOOD


def test_other_shapes_are_422(client, session):
    patient = make_user(session)
    h = api_token(client, patient)
    for body in [{}, {"answers": []}, {"answers": GOOD, "status": "done"}, {"answers": GOOD, "extra": 1}]:
        r = client.post(f"/api/v1/homework/{TASK}/entries", json=body, headers=h)
        assert r.status_code == 422, body
    assert count(session) == 0


def test_another_patients_entry_is_404_like_a_missing_one(client, session):
    a, b = make_user(session), make_user(session)
    ha, hb = api_token(client, a), api_token(client, b)
    entry_id = client.post(f"/api/v1/homework/{TASK}/entries", json={"answers": GOOD}, headers=ha).json()["id"]
    theirs = client.get(f"/api/v1/homework/entries/{entry_id}", headers=hb)
    missing = client.get(f"/api/v1/homework/entries/{uuid.uuid4()}", headers=hb)
    assert theirs.status_code == missing.status_code == 404
    assert theirs.json() == missing.json()
    r = client.patch(f"/api/v1/homework/entries/{entry_id}", json={"answers": {**GOOD, "body": "B was here"}}, headers=hb)
    assert r.status_code == 404 and r.json() == missing.json()
    assert client.get("/api/v1/homework/entries", headers=hb).json() == []
    assert client.get(f"/api/v1/homework/entries/{entry_id}", headers=ha).json()["answers"] == GOOD


def test_locked_module_homework_is_403_module_locked(client, session, frozen_clock):
    patient = make_user(session)
    h = api_token(client, patient)
    r = client.post("/api/v1/homework/activity-mood-log/entries",
                    json={"answers": {"entries": [{"when": "2026-03-02T10:00", "activity": "Walk", "mood": 5}]}},
                    headers=h)
    assert r.status_code == 403
    assert r.json() == {"error": "module_locked",
                        "detail": "Module 2 opens on Monday 9 March, once you have finished module 1."}
    assert client.post("/api/v1/homework/no-such-task/entries", json={"answers": {}}, headers=h).status_code == 404
    assert count(session) == 0


def test_idempotency_key_stores_one_entry(client, session):
    patient = make_user(session)
    h = {**api_token(client, patient), "Idempotency-Key": "form-123"}
    first = client.post(f"/api/v1/homework/{TASK}/entries", json={"answers": GOOD}, headers=h)
    second = client.post(f"/api/v1/homework/{TASK}/entries", json={"answers": GOOD}, headers=h)
    assert first.status_code == second.status_code == 201 and first.json()["id"] == second.json()["id"]
    assert count(session) == 1


def test_answers_are_encrypted_at_rest(client, session, database):
    canary = f"canary-{uuid.uuid4().hex}"
    patient = make_user(session)
    h = api_token(client, patient)
    r = client.post(f"/api/v1/homework/{TASK}/entries", json={"answers": {**GOOD, "thoughts": canary}}, headers=h)
    assert r.status_code == 201
    session.rollback()
    raw = session.execute(text("SELECT answers_enc FROM homework_entries")).scalar_one()
    assert canary.encode() not in bytes(raw)
    if database.engine.dialect.name == "sqlite":
        from app.db import sqlite_path
        path = sqlite_path(str(database.engine.url))
        for f in [path, path.with_name(path.name + "-wal")]:
            if f.exists():
                assert canary.encode() not in f.read_bytes(), f
