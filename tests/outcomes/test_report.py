"""The admin's outcomes page, API and CSVs, from real check-ins."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

from app import clock
from app.assessments import service as assessments
from app.assessments.scoring import get_instrument
from tests.factories import api_token, assign, browser_login, make_user

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
IMPORT_HEADER = "email,instrument,taken_at,q1,q2,q3,q4,q5,q6,q7,q8,q9,difficulty"


def _caseload(session):  # type: ignore[no-untyped-def]
    """Recovered (12 -> 4 / 9 -> 2), deteriorated (4 -> 12 / 3 -> 9), one with one check-in."""
    c = make_user(session, "clinician", name="Dr Lee")
    with clock.frozen(T0):
        a, b, d = make_user(session), make_user(session), make_user(session)
    assign(session, a, c)
    for week, (pa, pb) in enumerate([([2, 2, 2, 2, 1, 1, 1, 1, 0], [1, 1, 1, 1, 0, 0, 0, 0, 0]),
                                     ([1, 1, 1, 0, 0, 1, 0, 0, 0], [2, 2, 2, 1, 1, 1, 1, 1, 1])]):
        with clock.frozen(T0 + timedelta(days=7 * week + 1)):
            assessments.submit(session, a.user, "phq9", pa, 1)
            assessments.submit(session, a.user, "gad7", [2, 2, 1, 1, 1, 1, 1] if week == 0 else [0, 1, 0, 1, 0, 0, 0])
            assessments.submit(session, b.user, "phq9", pb, 1)
            assessments.submit(session, b.user, "gad7", [1, 1, 1, 0, 0, 0, 0] if week == 0 else [2, 2, 1, 1, 1, 1, 1])
            if week == 0:
                assessments.submit(session, d.user, "phq9", [1] * 9, 1)
            session.commit()
    return a, b, c, d


def test_outcomes_api_and_page(client, session):  # type: ignore[no-untyped-def]
    _caseload(session)
    admin = make_user(session, "admin")
    r = client.get("/api/v1/admin/outcomes", headers=api_token(client, admin))
    assert r.status_code == 200
    o = r.json()["overall"]
    assert (o["episodes"], o["finished"], o["not_enough_data"]) == (3, 2, 1)
    assert (o["recovery_rate"], o["reliable_improvement_rate"], o["reliable_deterioration_rate"]) == (1.0, 0.5, 0.5)
    assert [m["period"] for m in r.json()["by_month"]] == ["2026-01"]
    browser_login(client, admin)
    page = client.get("/admin/outcomes")
    assert page.status_code == 200 and "<svg" in page.text and "100%" in page.text and "Not enough data" in page.text
    rows = list(csv.DictReader(io.StringIO(client.get("/admin/outcomes.csv").text)))
    assert rows[0]["period"] == "all" and rows[0]["recovery_rate"] == "1.0" and rows[1]["period"] == "2026-01"


def test_scores_csv_is_in_the_import_format(client, session):  # type: ignore[no-untyped-def]
    a, b, c, d = _caseload(session)
    admin = make_user(session, "admin")
    browser_login(client, admin)
    r = client.get("/admin/scores.csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    lines = r.text.splitlines()
    assert lines[0] == IMPORT_HEADER
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert len(rows) == 9 and {row["email"] for row in rows} == {a.email, b.email, d.email}
    for row in rows:
        n = get_instrument(row["instrument"]).n_items
        assert datetime.fromisoformat(row["taken_at"]).utcoffset() is not None  # ISO 8601 with offset
        assert all(row[f"q{i}"] in "0123" and row[f"q{i}"] for i in range(1, n + 1))
        if row["instrument"] == "gad7":
            assert row["q8"] == row["q9"] == "" and row["difficulty"] == ""
        else:
            assert row["difficulty"] == "1"
    first = next(x for x in rows if x["email"] == a.email and x["instrument"] == "phq9")
    assert [first[f"q{i}"] for i in range(1, 10)] == ["2", "2", "2", "2", "1", "1", "1", "1", "0"]
    # one clinician's caseload
    only = list(csv.DictReader(io.StringIO(client.get(f"/admin/scores.csv?clinician={c.id}").text)))
    assert {row["email"] for row in only} == {a.email} and len(only) == 4
    assert client.get(f"/admin/scores.csv?clinician={a.id}").status_code == 404
