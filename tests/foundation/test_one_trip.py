"""app/trip.py: one trip to the thread pool per request, a failed request rolls back all it
wrote, and the idle timeout slides without queueing for the SQLite writer lock."""

from __future__ import annotations

import threading
from datetime import timedelta

import anyio.to_thread
import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from app import clock, flock, trip
from app.accounts.dependencies import CurrentPatient, PagePatient
from app.accounts.models import AuthSession
from app.audit import service as audit
from app.audit.models import AuditEvent
from app.db import SessionDep, get_db
from app.errors import InvalidInput
from tests.factories import api_token, browser_login, make_user

api = APIRouter()
pages = APIRouter(include_in_schema=False)


@api.post("/test-trip/{outcome}")
def write_then(outcome: str, session: SessionDep, patient: CurrentPatient) -> dict[str, str]:
    """Writes two rows (flushed, so they are in the database's transaction), then fails or not."""
    for n in range(2):
        audit.record(session, action=f"test.trip.{n}", actor_id=patient.id, actor_role="patient")
    session.flush()
    if outcome == "refused":
        raise InvalidInput("refused after writing", field="outcome")
    if outcome == "crash":
        raise RuntimeError("crashed after writing")
    return {"ok": outcome}


@pages.post("/test-trip-page")
def page_write_then_crash(session: SessionDep, patient: PagePatient) -> dict[str, str]:
    audit.record(session, action="test.trip.page", actor_id=patient.id, actor_role="patient")
    session.flush()
    raise RuntimeError("crashed after writing")


@pytest.fixture
def trip_client(app):  # type: ignore[no-untyped-def]
    trip.include(app, api, pages=False, prefix="/api/v1")
    trip.include(app, pages, pages=True)
    with TestClient(app, base_url="https://testserver", raise_server_exceptions=False) as c:
        yield c


def _written(session) -> int:  # type: ignore[no-untyped-def]
    session.rollback()  # a fresh snapshot
    return session.scalar(select(func.count()).select_from(AuditEvent)
                          .where(AuditEvent.action.like("test.trip.%"))) or 0


def test_a_failed_request_rolls_back_everything_it_wrote(trip_client, session):
    p = make_user(session)
    headers = api_token(trip_client, p)
    assert trip_client.post("/api/v1/test-trip/refused", headers=headers).status_code == 422
    assert trip_client.post("/api/v1/test-trip/crash", headers=headers).status_code == 500
    assert _written(session) == 0
    assert trip_client.post("/api/v1/test-trip/fine", headers=headers).status_code == 200  # control
    assert _written(session) == 2


def test_a_failed_page_request_rolls_back_too(trip_client, session):
    p = make_user(session)
    browser_login(trip_client, p)
    from tests.factories import csrf_from
    token = csrf_from(trip_client.get("/diary").text)
    r = trip_client.post("/test-trip-page", data={"csrf_token": token})
    assert r.status_code == 500
    assert _written(session) == 0


def _count_trips(monkeypatch) -> list[object]:  # type: ignore[no-untyped-def]
    calls: list[object] = []
    real = anyio.to_thread.run_sync

    async def counting(func, *args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(func)
        return await real(func, *args, **kwargs)

    monkeypatch.setattr(anyio.to_thread, "run_sync", counting)
    return calls


def test_a_page_and_an_api_call_make_one_trip_each(client, session, monkeypatch):
    p = make_user(session)
    headers = api_token(client, p)
    browser_login(client, p)
    calls = _count_trips(monkeypatch)
    assert client.get("/diary").status_code == 200
    assert len(calls) == 1, calls
    calls.clear()
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    assert len(calls) == 1, calls


def _age_sessions(session, minutes: float) -> None:  # type: ignore[no-untyped-def]
    session.execute(update(AuthSession).values(last_seen_at=clock.now() - timedelta(minutes=minutes)))
    session.commit()


def _last_seen(session):  # type: ignore[no-untyped-def]
    session.rollback()
    return session.scalar(select(func.max(AuthSession.last_seen_at)))


def test_the_idle_timeout_slides_once_a_minute_without_waiting_for_the_writer_lock(client, session):
    p = make_user(session)
    browser_login(client, p)
    _age_sessions(session, 2)
    before = _last_seen(session)
    lock = get_db().writer_lock
    fd = flock.lock(lock.path) if lock is not None else None  # another writer holds it
    answers: list[int] = []
    t = threading.Thread(target=lambda: answers.append(client.get("/diary").status_code))
    try:
        t.start()
        t.join(timeout=10)
        assert answers == [200], "the page queued for the writer lock"
        if fd is not None:
            assert _last_seen(session) == before  # not written this time
    finally:
        if fd is not None:
            flock.unlock(fd)
        t.join()
    assert client.get("/diary").status_code == 200
    slid = _last_seen(session)
    assert slid > before + timedelta(minutes=1)
    assert client.get("/diary").status_code == 200
    assert _last_seen(session) == slid  # at most once a minute


def test_every_domain_route_makes_one_trip(app):
    """Every sync route of a domain router is built by app/trip.py (app/main.py includes them
    through trip.include); only the few routes app/main.py defines itself are not."""
    from fastapi.routing import APIRoute, iter_route_contexts
    own = {"/healthz", "/docs", "/docs/oauth2-redirect", "/favicon.ico", "/openapi.json"}
    plain = [r.path for r in iter_route_contexts(app.routes)
             if isinstance(getattr(r, "original_route", r), APIRoute)
             and not isinstance(getattr(r, "original_route", r), trip.OneTripRoute) and r.path not in own]
    assert plain == []
    pages = [r for r in iter_route_contexts(app.routes) if isinstance(getattr(r, "original_route", r), trip.OneTripRoute)]
    assert len(pages) > 100
