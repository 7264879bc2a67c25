"""`icbt import-scores FILE.csv`, run as an operator runs it (a separate process): every row is
checked before any is stored, errors by line number, nothing stored from a bad file; imported
scores raise no alerts, move enrolment back, and the rules judge the next check-in on them."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from app import clock
from tests.assessments.support import count_assessments
from tests.factories import api_token, make_user

ROOT = Path(__file__).resolve().parents[2]
HEADER = "email,instrument,taken_at,q1,q2,q3,q4,q5,q6,q7,q8,q9,difficulty"
PHQ9_12 = "2,2,2,2,1,1,1,1,0"   # 12
GAD7_9 = "2,2,1,1,1,1,1,,"      # 9


def icbt(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ICBT_ENV": os.environ.get("ICBT_ENV", "test")}
    return subprocess.run([sys.executable, "-m", "app.cli", *args], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def write(tmp_path: Path, *rows: str) -> str:
    f = tmp_path / "scores.csv"
    f.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return str(f)


def iso(days_ago: float) -> str:
    return (clock.now() - timedelta(days=days_ago)).replace(microsecond=0).isoformat()


@pytest.mark.parametrize("bad, message", [
    ("{e},phq9,2026-13-01T09:00:00+00:00," + PHQ9_12 + ",1", "line 3: taken_at: '2026-13-01T09:00:00+00:00' is not an ISO 8601"),
    ("{e},phq9,2026-03-01T09:00:00," + PHQ9_12 + ",1", "line 3: taken_at: '2026-03-01T09:00:00' has no UTC offset"),
    ("{e},phq9,{t},2,2,2,4,1,1,1,1,0,1", "line 3: q4: answer '4' is not a whole number from 0 to 3"),
    ("nobody@example.org,phq9,{t}," + PHQ9_12 + ",1", "line 3: email: no patient with the e-mail address 'nobody@example.org'"),
    ("{e},gad7,{t},2,2,1,1,1,1,1,1,,1", "line 3: q8: the GAD-7 has 7 items, so q8 must be empty (wrong item count)"),
    ("{e},phq9,{t},2,2,2,2,1,1,1,1,1", "line 3: 12 columns; each row needs 13"),
    ("{e},phq10,{t}," + PHQ9_12 + ",1", "line 3: instrument: 'phq10' is not phq9 or gad7"),
])
def test_one_bad_row_stores_nothing_and_names_the_line(session, tmp_path, bad, message):
    p = make_user(session)
    good = f"{p.email},phq9,{iso(14)},{PHQ9_12},1"
    r = icbt("import-scores", write(tmp_path, good, bad.format(e=p.email, t=iso(7)), good.replace(iso(14), iso(21))))
    assert r.returncode == 1, r.stdout + r.stderr
    assert message in r.stderr, r.stderr
    assert "nothing imported" in r.stderr
    assert count_assessments(session) == 0


def test_every_problem_is_listed(session, tmp_path):
    p = make_user(session)
    r = icbt("import-scores", write(tmp_path, f"{p.email},phq9,yesterday,{PHQ9_12},1",
                                    f"{p.email},gad7,{iso(1)},4,0,0,0,0,0,0,,,"))
    assert r.returncode == 1
    assert "line 2: taken_at" in r.stderr and "line 3: q1: answer '4'" in r.stderr


def test_import_then_the_next_checkin_is_not_on_track(client, session, tmp_path):
    """§4's first not_on_track (b) example, end to end: PHQ-9 baseline 12 and 12 at weeks
    1-5 imported (no alerts for the past); the live check-in of 12 at week 6 raises it."""
    p = make_user(session)
    rows = [f"{p.email},phq9,{iso(42 - 7 * w)},{PHQ9_12},1" for w in range(6)]
    rows += [f"{p.email},gad7,{iso(42)},{GAD7_9},1", f"{p.email},gad7,{iso(7)},{GAD7_9},1"]
    r = icbt("import-scores", write(tmp_path, *rows))
    assert r.returncode == 0, r.stderr
    assert "imported 8 check-ins for 1 patients" in r.stdout
    session.rollback()
    from app.accounts import service as accounts
    from app.alerts.models import Alert
    from app.assessments import service
    session.expire_all()
    user = accounts.get_user(session, p.user.id)
    moved = (clock.now() - accounts.enrolled_at(user)).total_seconds()
    assert 42 * 86400 <= moved < 42 * 86400 + 60  # enrolment moved back to the earliest score
    assert session.query(Alert).count() == 0  # the past raises nothing
    views = service.history(session, p.user.id, "phq9")
    assert [v.total for v in views] == [12] * 6 and all(v.flags == [] for v in views)
    # the same file again: nothing doubled
    r = icbt("import-scores", write(tmp_path, *rows))
    assert r.returncode == 0 and "8 already stored were skipped" in r.stdout
    assert count_assessments(session, p.user.id) == 8

    h = api_token(client, p)
    out = client.post("/api/v1/assessments", json={"instrument": "phq9", "answers": [2, 2, 2, 2, 1, 1, 1, 1, 0],
                                                   "difficulty": 1}, headers=h).json()
    assert {"rule": "not_on_track", "tier": "routine"} in out["flags"]
    assert out["change"]["baseline"] == 12
    # imported scores are in the history the patient and the charts see
    assert len(client.get("/api/v1/assessments?instrument=phq9", headers=h).json()) == 7
