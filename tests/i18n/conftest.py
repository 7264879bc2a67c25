from __future__ import annotations

import pytest

from tests.alerts.support import oncall  # noqa: F401


@pytest.fixture
def default_locale(monkeypatch):  # type: ignore[no-untyped-def]
    """Set ICBT_DEFAULT_LOCALE for one test: call it with the code."""
    from app.config import get_settings

    def set_to(code: str) -> None:
        monkeypatch.setenv("ICBT_DEFAULT_LOCALE", code)
        get_settings.cache_clear()
    yield set_to
    monkeypatch.delenv("ICBT_DEFAULT_LOCALE", raising=False)
    get_settings.cache_clear()

