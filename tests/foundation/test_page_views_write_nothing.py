"""Issue 18: a page view that needs no write makes none (no INSERT, UPDATE or DELETE), so it
never queues for the SQLite writer lock; the session's idle timeout is written at most once a
minute (tests/foundation/test_one_trip.py)."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from app.db import get_db
from tests.factories import api_token, browser_login, make_user


@pytest.fixture
def writes():  # type: ignore[no-untyped-def]
    seen: list[str] = []
    engine = get_db().engine

    def record(conn, cursor, statement, *_):  # type: ignore[no-untyped-def]
        if statement.lstrip().split(" ", 1)[0].upper() in ("INSERT", "UPDATE", "DELETE"):
            seen.append(statement.split("\n", 1)[0][:80])

    event.listen(engine, "before_cursor_execute", record)
    yield seen
    event.remove(engine, "before_cursor_execute", record)


@pytest.mark.parametrize("path", ["/", "/diary", "/diary/entries", "/diary/week"])
def test_a_patient_page_view_writes_nothing(client, session, writes, path):
    p = make_user(session)
    browser_login(client, p)
    client.get(path)  # a first visit may do its one-off work (e.g. first sign-in questions)
    writes.clear()
    r = client.get(path)
    assert r.status_code == 200, r.text[:200]
    assert writes == []


def test_an_api_read_writes_nothing(client, session, writes):
    p = make_user(session)
    headers = api_token(client, p)
    writes.clear()
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    assert client.get("/api/v1/diary", headers=headers).status_code == 200
    assert writes == []
