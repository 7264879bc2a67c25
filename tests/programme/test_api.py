"""Programme JSON API, exactly per docs/api.md."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from app.config import get_settings
from app.programme.models import ModuleProgress
from tests.factories import api_token, make_user
from tests.programme.support import M1, M2


def test_list_detail_complete_and_locked(client, session, frozen_clock, monkeypatch):
    patient = make_user(session)
    h = api_token(client, patient)
    r = client.get("/api/v1/modules", headers=h)
    assert r.status_code == 200
    items = r.json()
    assert len(items) == 7 and [m["number"] for m in items] == [1, 2, 3, 4, 5, 6, 7]
    assert {"slug", "number", "title", "summary", "status", "available_at"} <= set(items[0])
    assert [m["status"] for m in items] == ["available"] + ["locked"] * 6
    assert items[0]["available_at"].startswith("2026-03-02T09:00:00")
    assert items[1]["available_at"].startswith("2026-03-09T09:00:00")
    assert items[1]["opens"] == "Module 2 opens on Monday 9 March, once you have finished module 1."
    assert items[2]["available_at"] is None

    r = client.get(f"/api/v1/modules/{M1}", headers=h)
    assert r.status_code == 200
    body = r.json()
    assert [p["slug"] for p in body["pages"]][:2] == ["welcome", "how-this-programme-works"]
    assert body["pages"][0]["title"] == "Welcome" and "<p>Welcome. We are glad you are here.</p>" in body["pages"][0]["html"]
    hw = {e["slug"]: e for e in body["homework"]}
    assert set(hw) == {"thought-record-starter", "my-hopes"}
    fields = {f["name"]: f for f in hw["thought-record-starter"]["fields"]}
    assert fields["situation"] == {**fields["situation"], "type": "long_text", "required": True, "max_length": 1000}
    emotions = fields["emotions"]
    assert emotions["type"] == "rows" and emotions["min_rows"] == 1 and emotions["max_rows"] == 5
    assert emotions["columns"][1]["type"] == "rating_100" and emotions["columns"][1]["max"] == 100
    assert all("correct" not in str(q) for q in body["quiz"])  # answers are not given away

    r = client.get(f"/api/v1/modules/{M2}", headers=h)
    assert r.status_code == 403
    assert r.json() == {"error": "module_locked",
                        "detail": "Module 2 opens on Monday 9 March, once you have finished module 1."}
    assert client.post(f"/api/v1/modules/{M2}/complete", headers=h).json()["error"] == "module_locked"
    assert client.get("/api/v1/modules/nope", headers=h).status_code == 404

    r = client.post(f"/api/v1/modules/{M1}/progress", json={"page": "the-five-areas"}, headers=h)
    assert r.status_code == 200 and r.json()["status"] == "in_progress"
    assert client.post(f"/api/v1/modules/{M1}/progress", json={"page": "nope"}, headers=h).status_code == 404
    assert client.get(f"/api/v1/modules/{M1}", headers=h).json()["last_page"] == "the-five-areas"

    r = client.post(f"/api/v1/modules/{M1}/complete", headers=h)
    assert r.status_code == 200
    assert r.json()["status"] == "completed" and r.json()["completed_at"].startswith("2026-03-02T09:00")
    row = session.scalars(select(ModuleProgress)).one()
    assert row.content_version_completed == 2  # module 1 text revised (issue 13)
    frozen_clock(datetime(2026, 3, 3, 9, 0, tzinfo=UTC))
    h = api_token(client, patient)
    again = client.post(f"/api/v1/modules/{M1}/complete", headers=h).json()
    assert again["completed_at"].startswith("2026-03-02T09:00")  # the first completion is kept
    r = client.get(f"/api/v1/modules/{M2}", headers=h)
    assert r.status_code == 403 and r.json()["detail"] == "Module 2 opens on Monday 9 March."

    monkeypatch.setenv("ICBT_MODULE_INTERVAL_DAYS", "0")
    get_settings.cache_clear()
    assert client.get(f"/api/v1/modules/{M2}", headers=h).status_code == 200


def test_quiz_answers_feedback_and_validation(client, session):
    patient = make_user(session)
    h = api_token(client, patient)
    r = client.post(f"/api/v1/modules/{M1}/quiz", json={"answers": [0, 2]}, headers=h)
    assert r.status_code == 200
    assert [f["correct"] for f in r.json()] == [True, False]
    assert r.json()[1]["feedback"].startswith("Not quite. Vicious cycles can start")
    for bad, loc in [([0], ["body", "answers"]), ([0, 3], ["body", "answers", "1"]),
                     ([0, -1], ["body", "answers", "1"]), ([True, 0], ["body", "answers", 0])]:
        r = client.post(f"/api/v1/modules/{M1}/quiz", json={"answers": bad}, headers=h)
        assert r.status_code == 422, bad
        assert r.json()["detail"][0]["loc"] == loc, r.json()


def test_only_patients(client, session):
    clinician = make_user(session, "clinician")
    h = api_token(client, clinician)
    assert client.get("/api/v1/modules", headers=h).status_code == 403
    assert client.get("/api/v1/modules").status_code == 401


def test_every_module_detail_answers_with_its_fields(client, session, monkeypatch):
    """Every module's detail serialises every field type the content uses (a "choices" field
    with its options among them), once the modules are open."""
    monkeypatch.setattr(get_settings(), "module_interval_days", 0)
    patient = make_user(session)
    h = api_token(client, patient)
    seen_types = set()
    for m in client.get("/api/v1/modules", headers=h).json():
        r = client.get(f"/api/v1/modules/{m['slug']}", headers=h)
        assert r.status_code == 200, (m["slug"], r.text)
        for task in r.json()["homework"]:
            for f in task["fields"]:
                seen_types.add(f["type"])
                if f["type"] == "choices":
                    assert f["options"], f
        assert client.post(f"/api/v1/modules/{m['slug']}/complete", headers=h).status_code == 200
    assert "choices" in seen_types
