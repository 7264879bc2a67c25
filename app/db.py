"""Database engine, sessions, the declarative Base and shared column types.

SQLite (the embedded default) runs in WAL mode with a busy timeout and foreign keys on, and
its writers are serialised through a file lock (shared by every worker process on the
machine), so concurrent writers queue in order instead of spinning in SQLite's busy-retry
loop, which produced second-long tails under load. PostgreSQL needs none of this.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import anyio.to_thread
from fastapi import Depends
from sqlalchemy import DateTime, Engine, MetaData, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker
from sqlalchemy.types import TypeDecorator

from app import clock, flock
from app.config import ROOT, Settings, get_settings

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every backend (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime refused: use app.clock.now() or an aware datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UUIDPk:
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)


class Timestamps:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=lambda: clock.now())
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=lambda: clock.now(), onupdate=lambda: clock.now()
    )


# ---------------------------------------------------------------- SQLite writer lock


class _WriterLock:
    """An exclusive flock on a file beside the database: one writer at a time, machine-wide."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def acquire(self) -> int:
        fd = flock.lock(self.path)
        assert fd is not None  # a waiting lock always ends held
        return fd

    release = staticmethod(flock.unlock)


_LOCK_KEY = "sqlite_writer_lock_fd"


def _take_writer_lock(session: Session) -> None:
    lock: _WriterLock | None = session.info.get("writer_lock")
    if lock is not None and _LOCK_KEY not in session.info:
        # Always in this order: a pooled connection first, then the writer lock. A session
        # that took the lock first and then waited for a connection would wait for ever
        # when every pooled connection belongs to a request that is waiting for the lock
        # (seen under load: the background worker's `begin_write` as the first statement).
        session.connection()
        session.info[_LOCK_KEY] = lock.acquire()


def _drop_writer_lock(session: Session, *_: Any) -> None:
    fd = session.info.pop(_LOCK_KEY, None)
    if fd is not None:
        _WriterLock.release(fd)


def begin_write(session: Session) -> None:
    """Take the SQLite writer lock now, before reads whose result the write depends on
    (read-modify-write). A no-op on PostgreSQL, where row locks do this job."""
    _take_writer_lock(session)


def try_begin_write(session: Session, *, wait: bool = False) -> bool:
    """Hold the SQLite writer lock for the rest of this transaction if it is free at once (or
    already held; always True on PostgreSQL); False if another writer has it. With wait=True,
    like begin_write. For writes that can wait for a later request (app.security.sessions)."""
    lock: _WriterLock | None = session.info.get("writer_lock")
    if lock is None or _LOCK_KEY in session.info:
        return True
    if wait:
        _take_writer_lock(session)
        return True
    session.connection()  # the same order as _take_writer_lock: a connection, then the lock
    fd = flock.lock(lock.path, wait=False)
    if fd is None:
        return False
    session.info[_LOCK_KEY] = fd
    return True


@event.listens_for(Session, "before_flush")
def _lock_before_flush(session: Session, flush_context: Any, instances: Any) -> None:
    if session.new or session.dirty or session.deleted:
        _take_writer_lock(session)


@event.listens_for(Session, "do_orm_execute")
def _lock_before_dml(state: Any) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        _take_writer_lock(state.session)


@event.listens_for(Session, "after_transaction_end")
def _unlock_after_transaction(session: Session, transaction: Any) -> None:
    if transaction.parent is None:
        _drop_writer_lock(session)


# ---------------------------------------------------------------- engine and sessions


def sqlite_path(url: str) -> Path | None:
    u = make_url(url)
    if not u.drivername.startswith("sqlite") or not u.database or u.database == ":memory:":
        return None
    p = Path(u.database)
    return p if p.is_absolute() else ROOT / p


# The pool is sized to the thread pool (app/main.py sets anyio's limiter to REQUEST_THREADS):
# a request holds one connection, inside its one trip to the thread pool (app/trip.py), so
# requests never need more than the pool, and connections beyond it (closed on return: opening
# one cost more than the query, and on PostgreSQL ~0.6 ms of server CPU each) are only for the
# background worker and the audit of refused requests. Connections open lazily: an idle worker
# holds few. 2 workers x (32 + 4) stays under PostgreSQL's default max_connections (100).
REQUEST_THREADS = 32
POOL_OVERFLOW = 4


def make_engine(settings: Settings) -> Engine:
    url = settings.database_url
    path = sqlite_path(url)
    if settings.is_sqlite:
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            url = f"sqlite:///{path}"
        engine = create_engine(url, pool_size=REQUEST_THREADS, max_overflow=POOL_OVERFLOW,
                               connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=REQUEST_THREADS, max_overflow=POOL_OVERFLOW)


class Database:
    """Engine plus session factory for one database URL."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.engine = make_engine(settings)
        path = sqlite_path(settings.database_url)
        self.writer_lock = _WriterLock(path.with_name(path.name + ".lock")) if path else None
        self._factory = sessionmaker(self.engine, expire_on_commit=False)

    def session(self) -> Session:
        s = self._factory()
        if self.writer_lock is not None:
            s.info["writer_lock"] = self.writer_lock
        return s

    def dispose(self) -> None:
        self.engine.dispose()


_db: Database | None = None


def get_db() -> Database:
    global _db
    if _db is None:
        _db = Database(get_settings())
    return _db


def set_db(db: Database | None) -> None:
    global _db
    if _db is not None and _db is not db:
        _db.dispose()
    _db = db


def _end(session: Session, failed: bool) -> None:
    try:
        if failed:
            session.rollback()
        else:
            session.commit()
    finally:
        session.close()


async def get_session() -> AsyncIterator[Session]:
    """One session per request, committed before the response is sent (scope='function').

    Async so that opening it (no I/O: the connection is taken at the first query) costs no
    trip to the thread pool; commit or rollback, and close, run in one trip there. A request
    cancelled meanwhile still finishes that trip (anyio does not abandon the thread)."""
    session = get_db().session()
    try:
        yield session
    except BaseException:
        await anyio.to_thread.run_sync(_end, session, True)
        raise
    await anyio.to_thread.run_sync(_end, session, False)


SessionDep = Annotated[Session, Depends(get_session, scope="function")]
