"""Helpers shared by the monitoring, alerts, safety and clinician tests."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from tests.factories import Person, assign, make_user

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)   # the frozen_clock fixture's time
ONCALL = ["oncall-a@icbt.example.org", "oncall-b@icbt.example.org"]


def phq9(total: int, item9: int = 0) -> list[int]:
    """Nine PHQ-9 answers with this total and item 9 (items 1-8 filled from the top)."""
    rest = total - item9
    assert 0 <= rest <= 24 and 0 <= item9 <= 3
    answers = []
    for _ in range(8):
        a = min(3, rest)
        answers.append(a)
        rest -= a
    return answers + [item9]


def gad7(total: int) -> list[int]:
    answers, rest = [], total
    for _ in range(7):
        a = min(3, rest)
        answers.append(a)
        rest -= a
    return answers


def care_pair(session, name: str | None = "Canary Patient") -> tuple[Person, Person]:  # type: ignore[no-untyped-def]
    patient = make_user(session, "patient", name=name)
    clinician = make_user(session, "clinician", name="Dr Assigned")
    assign(session, patient, clinician)
    return patient, clinician


def count(session, model, *where) -> int:  # type: ignore[no-untyped-def]
    return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def submit(session, person: Person, instrument: str, answers: list[int | None]):  # type: ignore[no-untyped-def]
    from app.assessments import service as assessments
    result = assessments.submit(session, person.user, instrument, answers)
    session.commit()
    return result


def alerts_of(session, patient: Person):  # type: ignore[no-untyped-def]
    from app.alerts.models import Alert
    session.expire_all()
    return list(session.scalars(select(Alert).where(Alert.patient_id == patient.id).order_by(Alert.created_at)))


@pytest.fixture
def oncall(monkeypatch) -> Iterator[list[str]]:  # type: ignore[no-untyped-def]
    """ICBT_ONCALL_EMAILS set for this test."""
    from app.config import get_settings
    monkeypatch.setenv("ICBT_ONCALL_EMAILS", ",".join(ONCALL))
    get_settings.cache_clear()
    yield ONCALL
    monkeypatch.delenv("ICBT_ONCALL_EMAILS", raising=False)
    get_settings.cache_clear()


@pytest.fixture
def monitoring_env(monkeypatch):  # type: ignore[no-untyped-def]
    """Set ICBT_MONITORING_* for one test: call it with keyword arguments."""
    from app.monitoring.config import get_config

    def set_(**kw: str) -> None:
        for k, v in kw.items():
            monkeypatch.setenv("ICBT_MONITORING_" + k.upper(), v)
        get_config.cache_clear()

    yield set_
    for k in list(os.environ):
        if k.startswith("ICBT_MONITORING_"):
            monkeypatch.delenv(k)
    get_config.cache_clear()


@pytest.fixture(name="client")
def https_client(app):  # type: ignore[no-untyped-def]
    """Outside development the cookies are Secure: browse over https."""
    from fastapi.testclient import TestClient
    with TestClient(app, base_url="https://testserver") as c:
        yield c


def later(hours: float = 0, days: float = 0) -> datetime:
    return T0 + timedelta(hours=hours, days=days)
