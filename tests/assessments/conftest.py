"""Browsers here talk HTTPS: outside development the session and CSRF cookies are `Secure`,
and a real browser (like httpx) never sends those over plain HTTP."""

from __future__ import annotations

import pytest


@pytest.fixture
def client(app):  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient
    with TestClient(app, base_url="https://testserver") as c:
        yield c


@pytest.fixture
def anon_client(app):  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient
    with TestClient(app, base_url="https://testserver") as c:
        yield c
