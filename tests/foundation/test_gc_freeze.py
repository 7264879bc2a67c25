"""A server process keeps what start-up made out of the garbage collector's full passes
(app/main.py lifespan: gc.freeze()), so a full pass does not stall a request for tens of
milliseconds; test processes, which start many apps, do not."""

from __future__ import annotations

import gc

from fastapi.testclient import TestClient


def test_a_server_freezes_its_start_up_objects_and_a_test_app_does_not(db, monkeypatch):
    from app.config import get_settings
    from app.main import create_app

    gc.unfreeze()
    try:
        with TestClient(create_app(run_worker=False)):
            assert gc.get_freeze_count() == 0           # ICBT_ENV=test
        monkeypatch.setenv("ICBT_ENV", "development")
        get_settings.cache_clear()
        with TestClient(create_app(run_worker=False)):
            assert gc.get_freeze_count() > 10_000       # modules, routes, mappers, catalogues
    finally:
        gc.unfreeze()
        monkeypatch.undo()
        get_settings.cache_clear()
