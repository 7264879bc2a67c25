"""Erasure (GDPR Art. 17; security.md item 35).

A patient asks (`request_erasure`, password required): the request is recorded, every session
is revoked at once, and admins see it. `icbt erase --patient EMAIL` or the admin button then
`erase_patient`: the data key is destroyed first (so any copy of their ciphertext, in this
database or a backup, can no longer be read with the key ring as it stands), then every row
that refers to them is removed, then one audit event is written that holds no health data
(who, when, which record id).

Rows are found generically, from `Base.metadata`: in every table, a column named
`patient_id`, `user_id` or `owner_id`, or any foreign key to `users.id`, that holds the
patient's id; and, through foreign keys, the rows that hang off those rows (an alert's
deliveries). A table added later is covered without a change here. The audit log is the one
exception: it is append-only and hash-chained, so its events keep the (now meaningless) id.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import String, Uuid, delete, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

import app.models  # noqa: F401  (every table is in Base.metadata)
from app import clock
from app.accounts import service as accounts
from app.accounts.models import LoginThrottle, Role, User
from app.audit import service as audit
from app.db import Base, begin_write
from app.errors import InvalidInput, NotFound
from app.privacy.models import ErasureRequest
from app.privacy.service import check_password
from app.security import crypto, sessions
from app.i18n import N_, _t  # noqa: F401 - interface text (app.i18n)

PERSON_COLUMNS = frozenset({"patient_id", "user_id", "owner_id"})
#: Kept on purpose: the hash-chained audit log (its events hold ids and actions, no health data).
KEPT_TABLES = frozenset({"audit_events", "audit_head"})


def request_erasure(session: Session, patient: User, password: str) -> ErasureRequest:
    if patient.role != Role.patient:
        raise InvalidInput(_t("Only a patient's record can be erased this way; ask an administrator."),
                           field="password")
    if not check_password(session, patient, password):
        audit.record(session, action="erasure.request", actor_id=patient.id, actor_role="patient",
                     patient_id=patient.id, record_type="user", record_id=patient.id, outcome="failure")
        raise InvalidInput(_t('Your password is not right. Nothing has been asked for.'), field="password")
    begin_write(session)
    row = session.scalars(select(ErasureRequest).where(ErasureRequest.user_id == patient.id)).first()
    if row is None:
        row = ErasureRequest(user_id=patient.id, requested_at=clock.now())
        session.add(row)
    sessions.revoke_all(session, patient.id)
    session.flush()
    audit.record(session, action="erasure.request", actor_id=patient.id, actor_role="patient",
                 patient_id=patient.id, record_type="erasure_request", record_id=row.id)
    return row


def pending_request(session: Session, patient_id: uuid.UUID) -> ErasureRequest | None:
    return session.scalars(select(ErasureRequest).where(ErasureRequest.user_id == patient_id)).first()


@dataclass(frozen=True)
class PendingErasure:
    request_id: uuid.UUID
    patient_id: uuid.UUID
    email: str
    requested_at: object


def pending(session: Session) -> list[PendingErasure]:
    out = []
    for row in session.scalars(select(ErasureRequest).order_by(ErasureRequest.requested_at)):
        user = session.get(User, row.user_id)
        if user is not None:
            out.append(PendingErasure(row.id, user.id, accounts.email_of(session, user), row.requested_at))
    return out


def person_conditions(person_id: uuid.UUID) -> dict[str, list[ColumnElement[bool]]]:
    """Table name -> conditions selecting the rows that belong to the person (parents first)."""
    conds: dict[str, list[ColumnElement[bool]]] = {}
    for table in Base.metadata.sorted_tables:
        if table.name == "users":
            conds["users"] = [table.c.id == person_id]
            continue
        clauses: list[ColumnElement[bool]] = []
        for col in table.columns:
            if col.name in PERSON_COLUMNS or any(fk.column.table.name == "users" for fk in col.foreign_keys):
                clauses.append(col == person_id)
                continue
            for fk in col.foreign_keys:
                parent = fk.column.table
                if parent.name in conds and parent.name != "users":
                    clauses.append(col.in_(select(fk.column).where(or_(*conds[parent.name]))))
        if clauses:
            conds[table.name] = clauses
    return conds


@dataclass(frozen=True)
class ErasureReport:
    patient_id: uuid.UUID
    rows_removed: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.rows_removed.values())


def erase_patient(session: Session, patient: User, *, actor: User | None) -> ErasureReport:
    """Carry out erasure. `actor` is the admin, or None for the operator's command line."""
    if patient.role != Role.patient:
        raise NotFound()
    pid = patient.id
    email = accounts.email_of(session, patient)
    session.flush()
    begin_write(session)
    crypto.erase_data_key(session, pid)
    session.flush()
    conds = person_conditions(pid)
    removed: dict[str, int] = {}
    tables = {t.name: t for t in Base.metadata.sorted_tables}
    for table in reversed(Base.metadata.sorted_tables):  # children before parents
        if table.name in KEPT_TABLES or table.name not in conds:
            continue
        n = session.execute(delete(table).where(or_(*conds[table.name]))).rowcount or 0
        if n:
            removed[table.name] = n
    # Sign-in and reset counters are keyed by the address, not the id.
    keys = [accounts.throttle_key(kind, email) for kind in ("login", "reset")]
    session.execute(delete(LoginThrottle).where(LoginThrottle.key_hash.in_(keys)))
    assert "users" in tables
    session.expire_all()
    audit.record(session, action="patient.erase", actor_id=actor.id if actor else None,
                 actor_role=actor.role.value if actor else "operator", patient_id=pid,
                 record_type="user", record_id=pid)
    return ErasureReport(pid, removed)


def references(session: Session, person_id: uuid.UUID) -> Iterator[tuple[str, str]]:
    """Every (table, column) outside the audit log that still holds the person's id, in any
    id or text column: erasure checks itself with this, and so do the tests."""
    text_id = str(person_id)
    for table in Base.metadata.sorted_tables:
        if table.name in KEPT_TABLES:
            continue
        for col in table.columns:
            if isinstance(col.type, Uuid):
                clause = col == person_id
            elif isinstance(col.type, String):
                clause = func.lower(col) == text_id
            else:
                continue
            if session.scalar(select(func.count()).select_from(table).where(clause)):
                yield table.name, col.name
