"""Concurrent writers: SQLite's writer lock queues them (no 'database is locked'), and the
audit chain stays a single unbroken chain with several writers on either database."""

from __future__ import annotations

import threading
import uuid

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
