"""The outbox: enqueue mail inside the caller's transaction; a worker claims and sends it.

At-least-once: a message is marked sent only after the SMTP server accepted it; a worker that
dies mid-send leaves its claim to expire and another picks the message up. Every attempt of a
message carries the same Message-ID, so a repeat is recognisable. Claims use
`SELECT ... FOR UPDATE SKIP LOCKED` on PostgreSQL (several workers on several machines); on
SQLite the writer lock already makes one claimer at a time.
"""

from __future__ import annotations

import smtplib
import ssl
import uuid
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from email.utils import make_msgid

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import clock
from app.config import Settings, get_settings
from app.db import begin_write
from app.mail.models import OutboxMessage
from app.security import crypto

MAX_ATTEMPTS = 8                 # then the message is marked failed (shown as undelivered)
CLAIM_SECONDS = 120
BACKOFF_BASE_SECONDS = 30        # 30 s, 1 min, 2 min, 4 min ... capped
BACKOFF_MAX_SECONDS = 30 * 60


def enqueue(session: Session, *, kind: str, subject: str, body: str, user_id: uuid.UUID | None = None,
            to_address: str | None = None, ref_id: uuid.UUID | None = None) -> OutboxMessage:
    """Queue one e-mail. Give `user_id` for a user (address looked up and encrypted), or
    `to_address` for a staff address that is not a user."""
    if (user_id is None) == (to_address is None):
        raise ValueError("give exactly one of user_id or to_address")
    now = clock.now()
    domain = get_settings().mail_from.rsplit("@", 1)[-1] or "icbt.local"
    msg = OutboxMessage(id=uuid.uuid4(), user_id=user_id, kind=kind, subject=subject, ref_id=ref_id,
                        message_id=make_msgid(idstring=kind, domain=domain), status="pending",
                        attempts=0, next_attempt_at=now, created_at=now)
    if user_id is not None:
        from app.accounts import service as accounts
        user = accounts.get_user(session, user_id)
        if user is None:
            raise ValueError("no such user")
        crypto.seal(session, msg, "to_enc", accounts.email_of(session, user))
        crypto.seal(session, msg, "body_enc", body)
    else:
        msg.to_plain, msg.body_plain = to_address, body
    session.add(msg)
    session.flush()
    return msg


def recipient(session: Session, msg: OutboxMessage) -> str:
    return msg.to_plain if msg.user_id is None else (crypto.unseal(session, msg, "to_enc") or "")


def body(session: Session, msg: OutboxMessage) -> str:
    return msg.body_plain if msg.user_id is None else (crypto.unseal(session, msg, "body_enc") or "")


def claim(session: Session, limit: int = 20) -> list[OutboxMessage]:
    """Claim due messages for this worker (commit right after, then send)."""
    begin_write(session)  # SQLite: one claimer at a time across processes
    now = clock.now()
    stmt = (select(OutboxMessage)
            .where(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now,
                   (OutboxMessage.claimed_until.is_(None)) | (OutboxMessage.claimed_until < now))
            .order_by(OutboxMessage.next_attempt_at).limit(limit))
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    rows = list(session.scalars(stmt))
    for m in rows:
        m.claimed_until = now + timedelta(seconds=CLAIM_SECONDS)
    session.flush()
    return rows


@dataclass
class Outgoing:
    id: uuid.UUID
    to: str
    subject: str
    body: str
    message_id: str


def build(session: Session, msg: OutboxMessage) -> Outgoing:
    return Outgoing(msg.id, recipient(session, msg), msg.subject, body(session, msg), msg.message_id)


def smtp_send(settings: Settings, out: Outgoing) -> None:
    if not settings.smtp_host:
        raise ConnectionError("no mail server configured (ICBT_SMTP_HOST)")
    em = EmailMessage()
    em["From"], em["To"], em["Subject"], em["Message-ID"] = settings.mail_from, out.to, out.subject, out.message_id
    em.set_content(out.body)
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=15) as smtp:
        if settings.smtp_starttls:
            smtp.starttls(context=ssl.create_default_context())
        if settings.smtp_user:
            smtp.login(settings.smtp_user, settings.smtp_password or "")
        smtp.send_message(em)


def mark_sent(session: Session, msg_id: uuid.UUID) -> None:
    msg = session.get(OutboxMessage, msg_id)
    if msg is not None:
        msg.status, msg.sent_at, msg.claimed_until, msg.last_error = "sent", clock.now(), None, None
        msg.attempts += 1


def mark_failed_attempt(session: Session, msg_id: uuid.UUID, error: str) -> None:
    msg = session.get(OutboxMessage, msg_id)
    if msg is None:
        return
    msg.attempts += 1
    msg.last_error = error[:300]
    msg.claimed_until = None
    if msg.attempts >= MAX_ATTEMPTS:
        msg.status = "failed"
    else:
        wait = min(BACKOFF_BASE_SECONDS * 2 ** (msg.attempts - 1), BACKOFF_MAX_SECONDS)
        msg.next_attempt_at = clock.now() + timedelta(seconds=wait)


def deliver_due(open_session, settings: Settings | None = None, send=smtp_send) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """One pass: claim, send each outside any transaction, record the result. Returns (sent, failed)."""
    settings = settings or get_settings()
    with open_session() as s:
        outgoing = [build(s, m) for m in claim(s)]
        s.commit()
    sent = failed = 0
    for out in outgoing:
        try:
            send(settings, out)
        except Exception as e:  # noqa: BLE001 - any failure is retried later
            with open_session() as s:
                mark_failed_attempt(s, out.id, f"{type(e).__name__}: {e}")
                s.commit()
            failed += 1
        else:
            with open_session() as s:
                mark_sent(s, out.id)
                s.commit()
            sent += 1
    return sent, failed


def pending_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == "pending")) or 0
