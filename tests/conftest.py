"""Test fixtures. The whole suite runs once per database backend:

    ICBT_TEST_DB=sqlite   (default)  a fresh SQLite file per run
    ICBT_TEST_DB=postgres            a fresh database on 127.0.0.1:5432 per run, dropped after

Migrations run once per run (never create_all), each test starts with empty tables."""

from __future__ import annotations

import os
import secrets
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

BACKEND = os.environ.get("ICBT_TEST_DB", "sqlite")
PG_ADMIN_URL = os.environ.get("ICBT_TEST_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")

# Settings the app reads at import/first use: set before importing the app.
os.environ["ICBT_ENV"] = "test"
os.environ["ICBT_RUN_WORKER"] = "false"
os.environ.setdefault("ICBT_MODULE_INTERVAL_DAYS", "7")
# This run's own machine-wide hash slots (another run on the same machine is another "machine").
# Under pytest-xdist each worker is its own process, so each gets its own slots too.
if os.environ.get("PYTEST_XDIST_WORKER") or "ICBT_HASH_SLOT_DIR" not in os.environ:
    os.environ["ICBT_HASH_SLOT_DIR"] = tempfile.mkdtemp(prefix="icbt-test-hash-slots-")


def _pg_available() -> str | None:
    try:
        import psycopg
        with psycopg.connect(PG_ADMIN_URL, connect_timeout=3, autocommit=True):
            return None
    except Exception as e:  # noqa: BLE001
        return str(e).splitlines()[0]


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if BACKEND == "sqlite":
        path = tmp_path_factory.mktemp("db") / "icbt.db"
        yield f"sqlite:///{path}"
        return
    if BACKEND != "postgres":
        raise pytest.UsageError(f"ICBT_TEST_DB must be sqlite or postgres, not {BACKEND!r}")
    problem = _pg_available()
    if problem:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is required in CI but is not reachable: {problem}", pytrace=False)
        pytest.skip(f"PostgreSQL half skipped: not reachable at 127.0.0.1:5432 ({problem})")
    import psycopg
    name = f"icbt_test_{os.getpid()}_{secrets.token_hex(3)}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
    yield f"{base}/{name}"
    from app.db import set_db
    set_db(None)
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def keys_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from app.security.crypto import KeyRing
    path = tmp_path_factory.mktemp("keys") / "keys.json"
    KeyRing.generate().save(path)
    return path


@pytest.fixture(scope="session")
def database(database_url: str, keys_file: Path) -> Iterator[object]:
    """Migrated database shared by the run; settings pointed at it."""
    os.environ["ICBT_DATABASE_URL"] = database_url
    os.environ["ICBT_KEYS_FILE"] = str(keys_file)
    from app.config import get_settings
    get_settings.cache_clear()
    from app import migrate
    from app.db import Database, set_db
    from app.security import crypto
    migrate.upgrade(database_url)
    db = Database(get_settings())
    set_db(db)
    crypto.set_keyring(crypto.KeyRing.load(keys_file))
    yield db


def _truncate(db) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import text

    from app.models import Base
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    # DELETE, children first, on both backends: on PostgreSQL a TRUNCATE of every table costs
    # ~20 times as much (measured: 600 ms against 29 ms for 34 nearly empty tables), per test.
    with db.engine.begin() as conn:
        for t in tables:
            conn.execute(text(f'DELETE FROM "{t}"'))


@pytest.fixture
def db(database) -> Iterator[object]:  # type: ignore[no-untyped-def]
    """The database, emptied after the test. The app's database is this one in every test: a test
    that made startup.problems() open another (a different URL) does not leave it to the next."""
    from app.db import get_db, set_db
    from app.security import crypto
    if get_db() is not database:
        set_db(database)
    ring = crypto.get_keyring()
    yield database
    if get_db() is not database:
        set_db(database)
    crypto.set_keyring(ring)
    from app.config import get_settings
    get_settings.cache_clear()
    _truncate(database)


@pytest.fixture
def session(db):  # type: ignore[no-untyped-def]
    s = db.session()
    try:
        yield s
    finally:
        s.rollback()
        s.close()


@pytest.fixture
def app(db):  # type: ignore[no-untyped-def]
    from app.main import create_app
    return create_app(run_worker=False)


@pytest.fixture
def client(app):  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient
    with TestClient(app, base_url="https://testserver") as c:  # cookies are Secure outside development
        yield c


@pytest.fixture
def anon_client(app):  # type: ignore[no-untyped-def]
    """A second, independent browser."""
    from fastapi.testclient import TestClient
    with TestClient(app, base_url="https://testserver") as c:  # cookies are Secure outside development
        yield c


@pytest.fixture
def frozen_clock():  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    from app import clock
    with clock.frozen(datetime(2026, 3, 2, 9, 0, tzinfo=UTC)) as move:
        yield move


def unique_email(prefix: str = "user") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}@example.org"


@pytest.fixture
def mail_server(monkeypatch):  # type: ignore[no-untyped-def]
    """ICBT_SMTP_HOST set (nothing is sent: the worker is off), so e-mailed alerts can be delivered."""
    from app.config import get_settings
    monkeypatch.setenv("ICBT_SMTP_HOST", "mail.invalid")
    get_settings.cache_clear()
    yield "mail.invalid"
    monkeypatch.delenv("ICBT_SMTP_HOST", raising=False)
    get_settings.cache_clear()
