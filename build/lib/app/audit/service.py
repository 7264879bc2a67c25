"""Write and verify the keyed, hash-chained audit log (security items 18 and 32).

Each event's `hash` is HMAC-SHA256(audit key, prev_hash | canonical fields). The audit key is
derived from the key ring's index key (KeyRing.audit_key), which key rotation keeps, so the
chain verifies across rotations; someone with the database but not the key ring cannot
recompute a chain that verifies."""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from app import clock
from app.audit.models import AuditEvent, AuditHead
from app.db import begin_write

GENESIS = "0" * 64


def _digest(prev_hash: str, ev: AuditEvent, key: bytes | None = None) -> str:
    body = json.dumps(
        [ev.seq, ev.at.isoformat(), str(ev.actor_id) if ev.actor_id else None, ev.actor_role,
         ev.action, str(ev.patient_id) if ev.patient_id else None, ev.record_type,
         ev.record_id, ev.outcome],
        separators=(",", ":"),
    )
    if key is None:
        from app.security import crypto
        key = crypto.get_keyring().audit_key
    return hmac.new(key, (prev_hash + "|" + body).encode(), hashlib.sha256).hexdigest()


def record(session: Session, *, action: str, actor_id: uuid.UUID | None, actor_role: str,
           patient_id: uuid.UUID | None = None, record_type: str | None = None,
           record_id: object | None = None, outcome: str = "success") -> AuditEvent:
    """Append one event. The head row is locked (FOR UPDATE) so concurrent appends chain in order."""
    begin_write(session)
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    session.execute(insert(AuditHead).values(id=1, seq=0, hash=GENESIS).on_conflict_do_nothing())
    head = session.scalars(select(AuditHead).where(AuditHead.id == 1).with_for_update()
                           .execution_options(populate_existing=True)).one()
    ev = AuditEvent(
        seq=head.seq + 1, at=clock.now(), actor_id=actor_id, actor_role=actor_role, action=action,
        patient_id=patient_id, record_type=record_type,
        record_id=None if record_id is None else str(record_id), outcome=outcome,
        prev_hash=head.hash,
    )
    ev.hash = _digest(head.hash, ev)
    session.add(ev)
    head.seq, head.hash = ev.seq, ev.hash
    session.flush()
    return ev


@dataclass
class VerifyResult:
    ok: bool
    checked: int
    message: str


def verify(session: Session) -> VerifyResult:
    from app.security import crypto
    key = crypto.get_keyring().audit_key
    prev, expected_seq, n = GENESIS, 1, 0
    for ev in session.scalars(select(AuditEvent).order_by(AuditEvent.seq)).yield_per(1000):
        if ev.seq != expected_seq:
            return VerifyResult(False, n, f"event {expected_seq} is missing (next found is {ev.seq})")
        if ev.prev_hash != prev:
            return VerifyResult(False, n, f"event {ev.seq}: link to event {ev.seq - 1} is broken")
        if _digest(prev, ev, key) != ev.hash:
            return VerifyResult(False, n, f"event {ev.seq}: contents do not match its keyed hash ({ev.action} at "
                                          f"{ev.at.isoformat()}: edited, or the chain recomputed without the key)")
        prev, expected_seq, n = ev.hash, expected_seq + 1, n + 1
    head = session.get(AuditHead, 1)
    if head is not None and (head.seq != n or head.hash != prev):
        return VerifyResult(False, n, f"the chain ends at event {n} but the head records event {head.seq} (events deleted from the end)")
    return VerifyResult(True, n, f"audit chain intact: {n} events")


def record_refusal(user_id: uuid.UUID | None, method: str, path: str, patient_id: uuid.UUID | None) -> None:
    """Audit a refused attempt by a clinician or admin to reach a record (a 404), in its own
    transaction: the request's own work is rolled back, the refusal is kept."""
    from app.accounts.models import User
    from app.db import get_db

    with get_db().session() as s:
        user = s.get(User, user_id) if user_id is not None else None
        if user is None or user.role.value not in ("clinician", "admin"):
            return
        record(s, action="access.refused", actor_id=user.id, actor_role=user.role.value,
               patient_id=patient_id, record_type="route", record_id=f"{method} {path}"[:64], outcome="refused")
        s.commit()
