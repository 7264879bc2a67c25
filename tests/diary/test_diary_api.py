"""Diary JSON API: bounds, scoping, idempotency, encryption at rest."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import text

from app import clock
from tests.diary.support import count_entries
from tests.factories import api_token, make_user


@pytest.fixture
def alice(session):  # type: ignore[no-untyped-def]
    return make_user(session)


@pytest.fixture
def h(client, alice):  # type: ignore[no-untyped-def]
    return api_token(client, alice)


def test_create_read_update_delete(client, session, alice, h):
    body = {"mood": 6, "emotions": ["calm", "tired", "calm"], "note": "  A walk by the river  ",
            "sleep_hours": 7.5, "activities": ["walk", " called Sam "]}
    r = client.post("/api/v1/diary", json=body, headers=h)
    assert r.status_code == 201, r.text
    e = r.json()
    assert e["mood"] == 6 and e["emotions"] == ["calm", "tired"] and e["note"] == "A walk by the river"
    assert e["sleep_hours"] == 7.5 and e["activities"] == ["walk", "called Sam"]
    assert e["flags"] == [] or isinstance(e["flags"], list)
    assert "escalation" in e
    entry_id = e["id"]

    r = client.get(f"/api/v1/diary/{entry_id}", headers=h)
    assert r.status_code == 200 and r.json()["note"] == "A walk by the river"
    assert [x["id"] for x in client.get("/api/v1/diary", headers=h).json()] == [entry_id]

    r = client.patch(f"/api/v1/diary/{entry_id}", json={"mood": 7, "note": None}, headers=h)
    assert r.status_code == 200, r.text
    assert r.json()["mood"] == 7 and r.json()["note"] is None and r.json()["sleep_hours"] == 7.5

    assert client.delete(f"/api/v1/diary/{entry_id}", headers=h).status_code == 204
    assert client.get(f"/api/v1/diary/{entry_id}", headers=h).status_code == 404
    assert count_entries(session) == 0


def test_minimal_entry_defaults_to_now(client, h):
    r = client.post("/api/v1/diary", json={"mood": 0}, headers=h)
    assert r.status_code == 201
    e = r.json()
    assert e["emotions"] == [] and e["activities"] == [] and e["note"] is None and e["sleep_hours"] is None
    from datetime import datetime
    at = datetime.fromisoformat(e["recorded_at"])
    assert abs((clock.now() - at).total_seconds()) < 60


@pytest.mark.parametrize("mood", [11, -1, 5.5, "5", True, None])
def test_mood_out_of_bounds_is_422_naming_mood_and_nothing_stored(client, session, h, mood):
    before = count_entries(session)
    r = client.post("/api/v1/diary", json={"mood": mood}, headers=h)
    assert r.status_code == 422, r.text
    assert r.json()["error"] == "validation_error"
    assert [d["loc"] for d in r.json()["detail"]] == [["body", "mood"]]
    assert count_entries(session) == before


@pytest.mark.parametrize("field, value", [
    ("note", "x" * 2001),
    ("sleep_hours", 7.3),
    ("sleep_hours", 24.5),
    ("sleep_hours", -0.5),
    ("sleep_hours", "7"),
    ("emotions", ["joyful"]),
    ("emotions", "sad"),
    ("activities", [f"a{i}" for i in range(11)]),
    ("activities", ["x" * 61]),
    ("activities", [""]),
    ("recorded_at", "2026-03-02T09:00:00"),  # no time zone
    ("unexpected", 1),
])
def test_other_bounds_are_422_naming_the_field(client, session, h, field, value):
    r = client.post("/api/v1/diary", json={"mood": 5, field: value}, headers=h)
    assert r.status_code == 422, r.text
    locs = [d["loc"] for d in r.json()["detail"]]
    assert all(loc[:2] == ["body", field] for loc in locs), locs
    assert count_entries(session) == 0


def test_note_of_exactly_2000_characters_is_fine(client, h):
    assert client.post("/api/v1/diary", json={"mood": 5, "note": "x" * 2000}, headers=h).status_code == 201


def test_time_bounds(client, session, h, alice):
    now = clock.now()
    ok = client.post("/api/v1/diary", json={"mood": 5, "recorded_at": (now + timedelta(minutes=3)).isoformat()},
                     headers=h)
    assert ok.status_code == 201, ok.text
    r = client.post("/api/v1/diary", json={"mood": 5, "recorded_at": (now + timedelta(minutes=10)).isoformat()},
                    headers=h)
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "recorded_at"]
    too_early = alice.user.enrolled_at - timedelta(days=366)
    r = client.post("/api/v1/diary", json={"mood": 5, "recorded_at": too_early.isoformat()}, headers=h)
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "recorded_at"]
    fine = alice.user.enrolled_at - timedelta(days=300)
    assert client.post("/api/v1/diary", json={"mood": 5, "recorded_at": fine.isoformat()}, headers=h).status_code == 201
    assert count_entries(session) == 2
    # and a PATCH cannot move an entry into the future either
    entry_id = ok.json()["id"]
    r = client.patch(f"/api/v1/diary/{entry_id}", json={"recorded_at": (now + timedelta(days=1)).isoformat()},
                     headers=h)
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "recorded_at"]


@pytest.mark.parametrize("at", ["0001-01-01T00:00:00+05:00", "9999-12-31T23:59:00-05:00"])
def test_extreme_times_are_422_not_500(client, session, h, at):
    r = client.post("/api/v1/diary", json={"mood": 5, "recorded_at": at}, headers=h)
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "recorded_at"]
    entry_id = client.post("/api/v1/diary", json={"mood": 5}, headers=h).json()["id"]
    r = client.patch(f"/api/v1/diary/{entry_id}", json={"recorded_at": at}, headers=h)
    assert r.status_code == 422
    assert count_entries(session) == 1


def test_patch_refuses_null_mood_and_unknown_fields(client, h):
    entry_id = client.post("/api/v1/diary", json={"mood": 5}, headers=h).json()["id"]
    for body in ({"mood": None}, {"mood": 12}, {"colour": "red"}):
        r = client.patch(f"/api/v1/diary/{entry_id}", json=body, headers=h)
        assert r.status_code == 422, body
    assert client.get(f"/api/v1/diary/{entry_id}", headers=h).json()["mood"] == 5


def test_idempotency_key_replay_returns_the_original(client, session, h):
    key = str(uuid.uuid4())
    first = client.post("/api/v1/diary", json={"mood": 4}, headers={**h, "Idempotency-Key": key})
    again = client.post("/api/v1/diary", json={"mood": 4}, headers={**h, "Idempotency-Key": key})
    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert count_entries(session) == 1
    other = client.post("/api/v1/diary", json={"mood": 4}, headers={**h, "Idempotency-Key": key + "x"})
    assert other.json()["id"] != first.json()["id"] and count_entries(session) == 2


def test_idempotency_key_is_per_patient(client, session, h):
    bob = make_user(session)
    hb = api_token(client, bob)
    a = client.post("/api/v1/diary", json={"mood": 4}, headers={**h, "Idempotency-Key": "same-key"})
    b = client.post("/api/v1/diary", json={"mood": 8}, headers={**hb, "Idempotency-Key": "same-key"})
    assert a.status_code == b.status_code == 201 and a.json()["id"] != b.json()["id"]
    assert b.json()["mood"] == 8


@pytest.mark.parametrize("key", ["", "x" * 65, "has space", "semi;colon"])
def test_bad_idempotency_key_is_422(client, session, h, key):
    r = client.post("/api/v1/diary", json={"mood": 4}, headers={**h, "Idempotency-Key": key})
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["header", "Idempotency-Key"]
    assert count_entries(session) == 0


def test_patient_b_gets_404_for_patient_a_entry_like_a_missing_id(client, session, h):
    entry_id = client.post("/api/v1/diary", json={"mood": 4, "note": "mine"}, headers=h).json()["id"]
    bob = make_user(session)
    hb = api_token(client, bob)
    missing = str(uuid.uuid4())
    for method, extra in (("GET", {}), ("PATCH", {"json": {"mood": 1}}), ("DELETE", {})):
        theirs = client.request(method, f"/api/v1/diary/{entry_id}", headers=hb, **extra)
        nothing = client.request(method, f"/api/v1/diary/{missing}", headers=hb, **extra)
        assert theirs.status_code == nothing.status_code == 404, method
        assert theirs.json() == nothing.json()
    assert client.get("/api/v1/diary", headers=hb).json() == []
    r = client.get(f"/api/v1/diary/{entry_id}", headers=h)
    assert r.json()["mood"] == 4 and r.json()["note"] == "mine"


def test_list_is_newest_first_and_bounded(client, h):
    now = clock.now()
    for i, mood in enumerate([1, 2, 3]):
        at = (now - timedelta(hours=3 - i)).isoformat()
        client.post("/api/v1/diary", json={"mood": mood, "recorded_at": at}, headers=h)
    assert [e["mood"] for e in client.get("/api/v1/diary", headers=h).json()] == [3, 2, 1]
    assert [e["mood"] for e in client.get("/api/v1/diary?limit=2", headers=h).json()] == [3, 2]
    assert [e["mood"] for e in client.get("/api/v1/diary?limit=2&offset=2", headers=h).json()] == [1]
    assert client.get("/api/v1/diary?limit=501", headers=h).status_code == 422


def test_anonymous_and_clinicians_cannot_use_the_diary_api(client, session):
    assert client.post("/api/v1/diary", json={"mood": 5}).status_code == 401
    doc = make_user(session, "clinician")
    r = client.post("/api/v1/diary", json={"mood": 5}, headers=api_token(client, doc))
    assert r.status_code == 403


def test_values_are_sealed_at_rest(client, session, h):
    canary = f"canary-{uuid.uuid4().hex}"
    client.post("/api/v1/diary", json={"mood": 9, "note": canary, "activities": [canary[:40]],
                                       "sleep_hours": 6.5, "emotions": ["hopeful"]}, headers=h)
    session.rollback()
    row = session.execute(text("SELECT * FROM diary_entries")).mappings().one()
    for name, value in row.items():
        raw = bytes(value) if isinstance(value, (bytes, memoryview)) else str(value).encode()
        assert canary[:40].encode() not in raw, name
        assert b"hopeful" not in raw, name
        if name.endswith("_enc"):
            assert raw[0] == 1 and len(raw) > 29, name  # version byte, nonce, tag: never NULL
