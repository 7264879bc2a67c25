"""Check-in JSON API: strict validation naming the item, nothing stored on bad input,
item 9 never imputed, scoping, idempotency, history, next due."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import text

from app import clock
from tests.assessments.support import GAD7_MODERATE, PHQ9_MODERATE, count_assessments
from tests.factories import api_token, make_user


@pytest.fixture
def alice(session):  # type: ignore[no-untyped-def]
    return make_user(session)


@pytest.fixture
def h(client, alice):  # type: ignore[no-untyped-def]
    return api_token(client, alice)


def submit(client, h, instrument, answers, **extra):  # type: ignore[no-untyped-def]
    return client.post("/api/v1/assessments", json={"instrument": instrument, "answers": answers, **extra},
                       headers=h)


BAD = [
    ("phq9", [1] * 8, 8),                       # one short: the 9th item is missing
    ("phq9", [1] * 10, 9),                      # a tenth answer
    ("phq9", [1, 1, 1, 4, 1, 1, 1, 1, 1], 3),   # 4
    ("phq9", [1, 1, 1, 1, -1, 1, 1, 1, 1], 4),  # -1
    ("phq9", [1, 2.5, 1, 1, 1, 1, 1, 1, 1], 1),  # 2.5
    ("phq9", [1, 1, 1, 1, 1, 1, "2", 1, 1], 6),  # "2"
    ("phq9", [True, 1, 1, 1, 1, 1, 1, 1, 1], 0),  # true
    ("phq9", [1, 1, 1, 1, 1, 1, 1, 1, 2.0], 8),  # 2.0 is not a whole-number answer either
    ("gad7", [1] * 8, 7),
    ("gad7", [1] * 6, 6),
    ("gad7", [0, 0, 0, 0, 0, 0, 3.5], 6),
]


@pytest.mark.parametrize("instrument, answers, index", BAD)
def test_invalid_answers_are_422_naming_the_item_and_nothing_is_stored(client, session, h, instrument,
                                                                       answers, index):
    before = count_assessments(session)
    r = submit(client, h, instrument, answers)
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["error"] == "validation_error"
    assert [d["loc"] for d in body["detail"]] == [["body", "answers", index]], body
    assert count_assessments(session) == before == 0


@pytest.mark.parametrize("body, loc", [
    ({"instrument": "phq10", "answers": [0] * 9}, ["body", "instrument"]),
    ({"instrument": "phq9"}, ["body", "answers"]),
    ({"instrument": "phq9", "answers": "000000000"}, ["body", "answers"]),
    ({"instrument": "phq9", "answers": [0] * 9, "difficulty": 4}, ["body", "difficulty"]),
    ({"instrument": "phq9", "answers": [0] * 9, "difficulty": "1"}, ["body", "difficulty"]),
    ({"instrument": "gad7", "answers": [0] * 7, "difficulty": 4}, ["body", "difficulty"]),
    ({"instrument": "phq9", "answers": [None] * 9}, ["body", "answers"]),
    ({"instrument": "phq9", "answers": [0] * 9, "score": 0}, ["body", "score"]),
    ({"instrument": "phq9", "answers": [0] * 9, "patient_id": str(uuid.uuid4())}, ["body", "patient_id"]),
])
def test_other_bad_bodies_are_422_naming_the_field(client, session, h, body, loc):
    r = client.post("/api/v1/assessments", json=body, headers=h)
    assert r.status_code == 422, r.text
    assert r.json()["detail"][0]["loc"] == loc
    assert count_assessments(session) == 0


def test_phq9_is_scored_and_stored(client, session, h):
    r = submit(client, h, "phq9", PHQ9_MODERATE, difficulty=1)
    assert r.status_code == 201, r.text
    a = r.json()
    assert a["instrument"] == "phq9" and a["total"] == 11 and a["severity"] == "moderate"
    assert a["item9"] == 0 and a["prorated"] is False and a["ask_item9_again"] is False
    assert a["answers"] == PHQ9_MODERATE and a["difficulty"] == 1 and a["missing_items"] == []
    assert isinstance(a["flags"], list) and "escalation" in a and "taken_at" in a
    assert a["change"]["baseline"] == 11 and a["change"]["change"] is None
    assert count_assessments(session) == 1
    got = client.get(f"/api/v1/assessments/{a['id']}", headers=h).json()
    assert got["total"] == 11 and got["answers"] == PHQ9_MODERATE


def test_gad7_is_scored(client, h):
    a = submit(client, h, "gad7", GAD7_MODERATE).json()
    assert a["total"] == 11 and a["severity"] == "moderate" and a["item9"] is None
    assert a["ask_item9_again"] is False and a["difficulty"] is None


def test_missing_item9_is_never_imputed_and_asked_again(client, session, h):
    answers = [2, 2, 2, 2, 2, 2, 2, 2, None]
    r = submit(client, h, "phq9", answers)
    assert r.status_code == 201
    a = r.json()
    assert a["item9"] is None and a["ask_item9_again"] is True
    assert a["prorated"] is True and a["total"] == 18 and a["missing_items"] == [9]  # 16 * 9 / 8
    # answering it: rescored, no longer prorated
    r = client.post(f"/api/v1/assessments/{a['id']}/item9", json={"item9": 0}, headers=h)
    assert r.status_code == 200, r.text
    b = r.json()
    assert b["id"] == a["id"] and b["item9"] == 0 and b["ask_item9_again"] is False
    assert b["total"] == 16 and b["prorated"] is False
    # the same answer again is harmless; a different one is refused
    assert client.post(f"/api/v1/assessments/{a['id']}/item9", json={"item9": 0}, headers=h).status_code == 200
    assert client.post(f"/api/v1/assessments/{a['id']}/item9", json={"item9": 2}, headers=h).status_code == 409
    for bad in (4, -1, 1.5, "1", True, None):
        r = client.post(f"/api/v1/assessments/{a['id']}/item9", json={"item9": bad}, headers=h)
        assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "item9"], bad
    assert count_assessments(session) == 1


def test_item9_answer_runs_the_monitor_again(client, h, monkeypatch):
    from app.monitoring import hooks
    from app.monitoring.rules import Flag, Tier
    a = submit(client, h, "phq9", [1] * 8 + [None]).json()
    monkeypatch.setattr(hooks, "on_checkin", lambda s, pid, v: [Flag("item9_high", Tier.URGENT, v.item9, "x")]
                        if v.item9 and v.item9 >= 2 else [])
    b = client.post(f"/api/v1/assessments/{a['id']}/item9", json={"item9": 3}, headers=h).json()
    assert b["flags"] == [{"rule": "item9_high", "tier": "urgent"}]
    assert b["escalation"]["tier"] == "urgent" and b["escalation"]["resources"]


def test_three_missing_items_give_no_score(client, h):
    a = submit(client, h, "phq9", [1, 1, 1, 1, 1, 1, None, None, None]).json()
    assert a["total"] is None and a["severity"] is None and a["ask_item9_again"] is True


def test_gad7_item_cannot_be_asked_as_item9(client, h):
    a = submit(client, h, "gad7", GAD7_MODERATE).json()
    r = client.post(f"/api/v1/assessments/{a['id']}/item9", json={"item9": 0}, headers=h)
    assert r.status_code == 422


def test_flags_and_escalation_come_from_the_monitor(client, h, monkeypatch):
    from app.monitoring import hooks
    from app.monitoring.rules import Flag, Tier
    seen = []

    def fake(session, patient_id, assessment):  # type: ignore[no-untyped-def]
        seen.append((assessment.instrument, assessment.total, assessment.item9))
        return [Flag("severe_score", Tier.ROUTINE, 21, "x"), Flag("item9_high", Tier.URGENT, 2, "y")]

    monkeypatch.setattr(hooks, "on_checkin", fake)
    a = submit(client, h, "phq9", [3, 3, 3, 3, 3, 2, 2, 0, 2], difficulty=3).json()
    assert seen == [("phq9", 21, 2)]
    assert a["flags"] == [{"rule": "item9_high", "tier": "urgent"}, {"rule": "severe_score", "tier": "routine"}]
    assert a["escalation"]["tier"] == "urgent" and a["escalation"]["title"]
    # stored with the check-in: reading it back shows the same
    again = client.get(f"/api/v1/assessments/{a['id']}", headers=h).json()
    assert again["flags"] == a["flags"] and again["escalation"]["tier"] == "urgent"


def test_item9_raises_an_urgent_alert_with_the_real_monitor(client, h):
    pytest.importorskip("app.monitoring.service")
    a = submit(client, h, "phq9", [1, 1, 1, 1, 1, 1, 1, 1, 2], difficulty=1).json()
    assert {"rule": "item9_high", "tier": "urgent"} in a["flags"]
    assert a["escalation"]["tier"] == "urgent"


def test_history_oldest_first_and_filtered(client, alice, frozen_clock):
    start = clock.now()
    for i, (inst, answers) in enumerate([("phq9", PHQ9_MODERATE), ("gad7", GAD7_MODERATE),
                                         ("phq9", [0] * 9)]):
        frozen_clock(start + timedelta(days=7 * i))
        h = api_token(client, alice)
        assert submit(client, h, inst, answers).status_code == 201
    all_ = client.get("/api/v1/assessments", headers=h).json()
    assert [(x["instrument"], x["total"]) for x in all_] == [("phq9", 11), ("gad7", 11), ("phq9", 0)]
    phq = client.get("/api/v1/assessments?instrument=phq9", headers=h).json()
    assert [x["total"] for x in phq] == [11, 0] and [x["severity"] for x in phq] == ["moderate", "minimal"]
    assert all({"total", "severity", "taken_at"} <= set(x) for x in phq)
    assert client.get("/api/v1/assessments?instrument=bdi", headers=h).status_code == 422


def test_change_since_baseline_in_the_answer(client, session, frozen_clock):
    p = make_user(session)  # enrolled at the frozen time
    h = api_token(client, p)
    submit(client, h, "phq9", [2, 2, 2, 2, 2, 2, 1, 1, 0], difficulty=2)  # 14
    frozen_clock(clock.now() + timedelta(days=14))
    h = api_token(client, p)  # signed in again: the token timed out meanwhile
    a = submit(client, h, "phq9", [1, 0, 1, 0, 1, 0, 0, 0, 0], difficulty=0).json()  # 3
    c = a["change"]
    assert c["baseline"] == 14 and c["change"] == -11 and c["reliable_change"] == "improvement"
    assert c["response"] is True and c["remission"] is True


def test_change_skips_check_ins_without_a_valid_total_at_either_end(client, session, frozen_clock):
    """Baseline = the first *valid* score, latest = the last valid one: check-ins with three or
    more answers missing (no total) before, between and after are not counted."""
    p = make_user(session)
    no_total = [None, None, None, 1, 1, 1, 1, 1, 0]                     # 3 missing: no total
    answers = [no_total, [2, 2, 2, 2, 2, 2, 1, 1, 0], no_total,          # 14
               [1, 0, 1, 0, 1, 0, 0, 0, 0], [2, 1, 1, 0, 1, 0, 0, 0, 0], no_total]  # 3, then 5
    outs = []
    for week, a in enumerate(answers):
        frozen_clock(clock.now() + timedelta(days=7))
        outs.append(submit(client, api_token(client, p), "phq9", a, difficulty=1).json())
    assert [o["total"] for o in outs] == [None, 14, None, 3, 5, None]
    assert outs[0]["change"]["baseline"] is None
    assert (outs[1]["change"]["baseline"], outs[1]["change"]["change"]) == (14, None)
    assert (outs[2]["change"]["baseline"], outs[2]["change"]["change"]) == (14, None)
    assert (outs[3]["change"]["baseline"], outs[3]["change"]["change"]) == (14, -11)
    last = outs[5]["change"]
    assert (last["baseline"], last["change"], last["reliable_change"]) == (14, -9, "improvement")
    again = client.get(f"/api/v1/assessments/{outs[3]['id']}", headers=api_token(client, p)).json()
    assert again["change"]["change"] == -11      # as of that check-in, not the latest


def test_patient_b_gets_404_for_patient_a_checkin_like_a_missing_id(client, session, h):
    a = submit(client, h, "phq9", [1] * 8 + [None]).json()
    bob = make_user(session)
    hb = api_token(client, bob)
    missing = str(uuid.uuid4())
    for method, suffix, body in (("GET", "", None), ("POST", "/item9", {"item9": 0})):
        theirs = client.request(method, f"/api/v1/assessments/{a['id']}{suffix}", headers=hb, json=body)
        nothing = client.request(method, f"/api/v1/assessments/{missing}{suffix}", headers=hb, json=body)
        assert theirs.status_code == nothing.status_code == 404
        assert theirs.json() == nothing.json()
    assert client.get("/api/v1/assessments", headers=hb).json() == []
    assert client.get(f"/api/v1/assessments/{a['id']}", headers=h).json()["item9"] is None  # unchanged


def test_idempotency_key_replay(client, session, h):
    key = str(uuid.uuid4())
    first = client.post("/api/v1/assessments", json={"instrument": "gad7", "answers": GAD7_MODERATE},
                        headers={**h, "Idempotency-Key": key})
    again = client.post("/api/v1/assessments", json={"instrument": "gad7", "answers": GAD7_MODERATE},
                        headers={**h, "Idempotency-Key": key})
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"] and again.headers["Idempotent-Replayed"] == "true"
    assert count_assessments(session) == 1


def test_next_due_is_the_weekly_pair(client, session, frozen_clock):
    """/assessments/due: the PHQ-9 and the GAD-7, due together; a week later both again."""
    from datetime import datetime
    p = make_user(session)
    h = api_token(client, p)
    due = client.get("/api/v1/assessments/due", headers=h).json()
    assert due["due_now"] is True
    assert due["instruments"] == ["phq9", "gad7"] and due["remaining"] == ["phq9", "gad7"]
    frozen_clock(clock.now() + timedelta(minutes=5))
    taken = submit(client, h, "phq9", PHQ9_MODERATE, difficulty=1).json()["taken_at"]
    due = client.get("/api/v1/assessments/due", headers=h).json()
    assert due["due_now"] is True and due["remaining"] == ["gad7"]  # half a check-in is not one
    frozen_clock(clock.now() + timedelta(minutes=10))
    submit(client, h, "gad7", GAD7_MODERATE, difficulty=2)
    due = client.get("/api/v1/assessments/due", headers=h).json()
    assert datetime.fromisoformat(due["next_due"]) == datetime.fromisoformat(taken) + timedelta(days=7)
    assert due["due_now"] is False and due["remaining"] == []
    assert due["instruments"] == ["phq9", "gad7"]
    frozen_clock(datetime.fromisoformat(taken) + timedelta(days=7, minutes=20))
    h = api_token(client, p)
    due = client.get("/api/v1/assessments/due", headers=h).json()
    assert due["due_now"] is True and due["remaining"] == ["phq9", "gad7"]


def test_gad7_accepts_the_difficulty_question(client, h):
    r = submit(client, h, "gad7", GAD7_MODERATE, difficulty=3)
    assert r.status_code == 201 and r.json()["difficulty"] == 3


def test_only_patients(client, session):
    assert client.post("/api/v1/assessments", json={"instrument": "phq9", "answers": [0] * 9}).status_code == 401
    doc = make_user(session, "clinician")
    r = client.get("/api/v1/assessments", headers=api_token(client, doc))
    assert r.status_code == 403


def test_answers_total_and_item9_are_sealed(client, session, h):
    submit(client, h, "phq9", [3, 3, 3, 3, 3, 3, 3, 3, 3], difficulty=3)
    session.rollback()
    row = session.execute(text("SELECT * FROM assessments")).mappings().one()
    plain = {k for k, v in row.items() if not k.endswith("_enc")}
    assert plain == {"id", "patient_id", "instrument", "taken_at", "idempotency_key", "created_at", "updated_at",
                     "imported_at",  # when it came from icbt import-scores: not a health value
                     "locale"}  # the language the questions were shown in (issue 19): not a health value
    for k in row:
        if k.endswith("_enc"):
            raw = bytes(row[k])
            assert raw[0] == 1 and b"27" not in raw[:1] and b"[3,3" not in raw, k
