"""Server-side sessions: random tokens, stored only as their SHA-256, with idle and absolute
timeouts. The same table holds browser (cookie) sessions and API (bearer) tokens."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import timedelta

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from app import clock
from app.accounts.models import AuthSession, User
from app.config import get_settings
from app.db import try_begin_write

COOKIE_NAME = "icbt_session"
TOUCH_EVERY = timedelta(seconds=60)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create(session: Session, user: User, kind: str, user_agent: str | None = None) -> tuple[str, AuthSession]:
    s = get_settings()
    token = secrets.token_urlsafe(32)
    now = clock.now()
    row = AuthSession(
        user_id=user.id, token_hash=token_hash(token), kind=kind,
        csrf_token=secrets.token_urlsafe(32), created_at=now, last_seen_at=now,
        expires_at=now + timedelta(hours=s.session_absolute_hours),
        user_agent=(user_agent or "")[:200] or None,
    )
    session.add(row)
    session.flush()
    return token, row


# Built once: every request runs it, and a statement built anew costs more to look up in
# SQLAlchemy's statement cache than to run (issue 18).
_LOOKUP = (select(AuthSession, User).join(User, User.id == AuthSession.user_id)
           .where(AuthSession.token_hash == bindparam("token_hash"), AuthSession.kind == bindparam("kind")))


def lookup(session: Session, token: str | None, kind: str) -> tuple[AuthSession, User] | None:
    """The live session and its active user, or None. Reads only: the idle timeout slides in
    `touch`, which the request's trip calls after the route (app/trip.py)."""
    if not token or len(token) > 200:
        return None
    found = session.execute(_LOOKUP, {"token_hash": token_hash(token), "kind": kind}).first()
    if found is None:
        return None
    row, user = found
    now = clock.now()
    idle = timedelta(minutes=get_settings().session_idle_minutes)
    if row.revoked_at is not None or now >= row.expires_at or now - row.last_seen_at >= idle or not user.is_active:
        return None
    return row, user


def touch(session: Session, row: AuthSession) -> None:
    """Slide the idle timeout: `last_seen_at` written at most once a minute (TOUCH_EVERY).

    On SQLite a request that has not written anything does not queue for the writer lock for
    this: it writes only if the lock is free at once (app.db.try_begin_write), and otherwise
    tries again on a later request. Only once half the idle timeout has gone by without a
    write does it wait for the lock, so a busy database never signs anyone out."""
    now = clock.now()
    since = now - row.last_seen_at
    if since < TOUCH_EVERY or row.revoked_at is not None:
        return
    idle = timedelta(minutes=get_settings().session_idle_minutes)
    if try_begin_write(session, wait=since >= idle / 2):
        row.last_seen_at = now


def revoke(session: Session, row: AuthSession) -> None:
    row.revoked_at = clock.now()


def revoke_all(session: Session, user_id: uuid.UUID, *, except_id: uuid.UUID | None = None) -> int:
    stmt = update(AuthSession).where(AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None))
    if except_id is not None:
        stmt = stmt.where(AuthSession.id != except_id)
    return session.execute(stmt.values(revoked_at=clock.now())).rowcount or 0


def active_for(session: Session, user_id: uuid.UUID) -> list[AuthSession]:
    now = clock.now()
    idle = timedelta(minutes=get_settings().session_idle_minutes)
    rows = session.scalars(
        select(AuthSession).where(AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None),
                                  AuthSession.expires_at > now)
        .order_by(AuthSession.last_seen_at.desc())
    ).all()
    return [r for r in rows if now - r.last_seen_at < idle]
