"""Concurrent writers: SQLite's writer lock queues them (no 'database is locked'), and the
audit chain stays a single unbroken chain with several writers on either database."""

from __future__ import annotations

import threading
import uuid

import pytest

from app.audit import service as audit
from app.db import get_db


def test_sixteen_concurrent_writers_all_succeed_and_chain_holds(db):
    errors: list[BaseException] = []
    per_thread = 15

    def writer() -> None:
        try:
            for _ in range(per_thread):
                with get_db().session() as s:
                    audit.record(s, action="test.write", actor_id=uuid.uuid4(), actor_role="patient")
                    s.commit()
        except BaseException as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=writer) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, f"{len(errors)} writers failed, first: {errors[0]!r}"
    with get_db().session() as s:
        result = audit.verify(s)
    assert result.ok, result.message
    assert result.checked == 16 * per_thread


def test_the_writer_lock_is_never_held_while_waiting_for_a_connection(db, tmp_path):
    """Lock order: pooled connection, then writer lock. Pool of one: a request holds the only
    connection and then wants the lock, while a background job starts with begin_write. Taking
    the lock before the connection deadlocked them (until the pool timed out)."""
    import sqlalchemy as sa
    from sqlalchemy.orm import sessionmaker

    from app.db import Database, begin_write

    if not db.settings.is_sqlite:
        pytest.skip("PostgreSQL has no writer lock (row locks do this job)")
    small = Database(db.settings)
    small.engine = sa.create_engine(db.engine.url, pool_size=1, max_overflow=0, pool_timeout=3,
                                    connect_args={"check_same_thread": False})
    small._factory = sessionmaker(small.engine, expire_on_commit=False)
    has_connection, job_has_lock = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def request() -> None:
        try:
            with small.session() as s:
                s.execute(sa.text("select 1"))      # holds the pool's only connection
                has_connection.set()
                job_has_lock.wait(1.0)              # give the job its chance to take the lock
                begin_write(s)
                s.commit()
        except BaseException as e:  # noqa: BLE001
            errors.append(e)

    def job() -> None:
        try:
            has_connection.wait(5)
            with small.session() as s:
                begin_write(s)                      # first statement of the job
                job_has_lock.set()
                s.execute(sa.text("select 1"))
                s.commit()
        except BaseException as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=request), threading.Thread(target=job)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    small.dispose()
    assert not errors, f"deadlock between the writer lock and the pool: {errors[0]!r}"


def test_begin_write_makes_a_read_then_write_atomic_on_sqlite(db):
    """The writer lock's purpose: a value read after begin_write cannot change before this
    transaction writes. Two read-sleep-increment transactions must count to two (without the
    lock both read 0 and one increment is lost). SQLite only: PostgreSQL uses row locks."""
    import time

    import sqlalchemy as sa

    from app.audit.models import AuditHead
    from app.db import begin_write

    if not db.settings.is_sqlite:
        pytest.skip("PostgreSQL has no writer lock (row locks do this job)")
    with get_db().session() as s:
        s.add(AuditHead(id=2, seq=0, hash="-"))
        s.commit()
    errors: list[BaseException] = []

    def increment() -> None:
        try:
            with get_db().session() as s:
                begin_write(s)
                seen = s.scalar(sa.select(AuditHead.seq).where(AuditHead.id == 2))
                time.sleep(0.2)
                s.execute(sa.update(AuditHead).where(AuditHead.id == 2).values(seq=seen + 1))
                s.commit()
        except BaseException as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=increment) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not errors, errors
    with get_db().session() as s:
        assert s.scalar(sa.select(AuditHead.seq).where(AuditHead.id == 2)) == 2
