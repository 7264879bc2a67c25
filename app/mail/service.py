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
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import clock
from app.config import Settings, get_settings
from app.db import begin_write
from app.mail.models import OutboxMessage
from app.security import crypto

MAX_ATTEMPTS = 8                 # then the message is marked failed (shown as undelivered)
CLAIM_SECONDS = 120
SEND_MARGIN_SECONDS = 30      # stop sending a batch this long before its claim expires
SMTP_TIMEOUT_SECONDS = 15
BACKOFF_BASE_SECONDS = 30        # 30 s, 1 min, 2 min, 4 min ... capped
BACKOFF_MAX_SECONDS = 30 * 60


def enqueue(session: Session, *, kind: str, subject: str, body: str, user_id: uuid.UUID | None = None,
            to_address: str | None = None, ref_id: uuid.UUID | None = None,
            address: str | None = None) -> OutboxMessage:
    """Queue one e-mail. Give `user_id` for a user (address looked up and encrypted), or
    `to_address` for a staff address that is not a user. With `user_id`, `address` sends to
    another address of that user (e.g. a new one being confirmed), still sealed under their key."""
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
        try:  # never mail the "could not be read" placeholder (security item 29)
            to = address or crypto.unseal(session, user, "email_enc", strict=True)
        except crypto.DecryptionError:
            to = None
            msg.status, msg.last_error = "failed", "the recipient's address could not be decrypted"
        if to is not None:
            crypto.seal(session, msg, "to_enc", to)
        crypto.seal(session, msg, "body_enc", body)
    else:
        msg.to_plain, msg.body_plain = to_address, body
    session.add(msg)
    session.flush()
    return msg


def recipient(session: Session, msg: OutboxMessage) -> str:
    return msg.to_plain if msg.user_id is None else (crypto.unseal(session, msg, "to_enc", strict=True) or "")


def body(session: Session, msg: OutboxMessage) -> str:
    return msg.body_plain if msg.user_id is None else (crypto.unseal(session, msg, "body_enc", strict=True) or "")


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
    headers: dict[str, str] = field(default_factory=dict)
    push: list[Any] = field(default_factory=list)   # app.reminders.push targets, tried first


def list_headers(msg: OutboxMessage) -> dict[str, str]:
    """One-click unsubscribe (RFC 8058) on every reminder to a user; never on anything else
    (alerts and other safety mail cannot be switched off)."""
    if msg.user_id is None or not msg.kind.startswith("reminder_"):
        return {}
    from app.reminders import service as reminders
    pref = reminders.KIND_PREF.get(msg.kind, "all")
    return {"List-Unsubscribe": f"<{reminders.unsubscribe_url(msg.user_id, pref, one_click=True)}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def build(session: Session, msg: OutboxMessage) -> Outgoing:
    push: list[Any] = []
    if msg.user_id is not None and msg.kind.startswith("reminder_"):
        from app.reminders import push as webpush
        push = webpush.targets(session, msg.user_id)
    return Outgoing(msg.id, recipient(session, msg), msg.subject, body(session, msg), msg.message_id,
                    list_headers(msg), push)


#: Recorded in `last_error` of a sent message that went by web push rather than e-mail
#: (the outbox keeps one row per reminder, whichever way it went).
PUSHED_NOTE = "delivered by web push"


def _try_push(open_session, out: Outgoing) -> bool:  # type: ignore[no-untyped-def]
    """Push to each subscription (outside any transaction); True if at least one accepted it.
    A subscription that is gone (404/410) is removed, so the next reminder goes by e-mail."""
    from app.reminders import push as webpush
    results = [(t.id, webpush.send_one(t)) for t in out.push]
    with open_session() as s:
        for sub_id, result in results:
            if result == "gone":
                webpush.remove(s, sub_id)
            elif result == "ok":
                webpush.mark_ok(s, sub_id)
        s.commit()
    return any(r == "ok" for _, r in results)


def _local_send(settings: Settings, out: Outgoing) -> None:
    """Development without a mail server: the message, links and all, in a file or on the console."""
    text = (f"From: {settings.mail_from}\nTo: {out.to}\nSubject: {out.subject}\n"
            f"Date: {format_datetime(clock.now())}\n\n{out.body}\n{'-' * 72}\n")
    if settings.effective_mail_backend == "console":
        print(text, flush=True)
        return
    settings.mail_file.parent.mkdir(parents=True, exist_ok=True)
    with open(settings.mail_file, "a", encoding="utf-8") as f:
        f.write(text)


def smtp_send(settings: Settings, out: Outgoing) -> None:
    if settings.effective_mail_backend != "smtp":
        _local_send(settings, out)
        return
    if not settings.smtp_host:
        raise ConnectionError("no mail server configured (ICBT_SMTP_HOST)")
    em = EmailMessage()
    em["From"], em["To"], em["Subject"], em["Message-ID"] = settings.mail_from, out.to, out.subject, out.message_id
    em["Date"] = format_datetime(clock.now())
    em["Auto-Submitted"] = "auto-generated"
    for name, value in out.headers.items():
        em[name] = value
    em.set_content(out.body)
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=SMTP_TIMEOUT_SECONDS) as smtp:
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


def mark_bounced(session: Session, msg_id: uuid.UUID, error: str) -> None:
    """The mail server refused the address for good (5xx): no retry, shown as bounced."""
    msg = session.get(OutboxMessage, msg_id)
    if msg is not None:
        msg.attempts += 1
        msg.status, msg.last_error, msg.claimed_until = "bounced", error[:300], None


def _permanent(e: Exception) -> bool:
    return (isinstance(e, smtplib.SMTPRecipientsRefused) and bool(e.recipients)
            and all(code >= 500 for code, _ in e.recipients.values()))


def release(session: Session, msg_id: uuid.UUID) -> None:
    """Give a claimed message back unsent (no attempt counted)."""
    msg = session.get(OutboxMessage, msg_id)
    if msg is not None and msg.status == "pending":
        msg.claimed_until = None


def deliver_due(open_session, settings: Settings | None = None, send=smtp_send,  # type: ignore[no-untyped-def]
                limit: int = 20) -> tuple[int, int]:
    """One pass: claim, send each outside any transaction, record the result. Returns (sent, failed).

    A message that cannot even be built (e.g. its recipient's data key is gone) counts as a
    failed attempt instead of blocking the others. Sending stops before the claim could expire
    (so another worker never sends a message this one is still sending); the rest is released.
    """
    import app.models  # noqa: F401 - every mapper (outbox.user_id -> users) in a bare CLI process
    settings = settings or get_settings()
    started = time.monotonic()
    outgoing: list[Outgoing] = []
    broken: list[tuple[uuid.UUID, str]] = []
    with open_session() as s:
        for m in claim(s, limit):
            try:
                outgoing.append(build(s, m))
            except Exception as e:  # noqa: BLE001
                broken.append((m.id, f"{type(e).__name__}: cannot build the message"))
        s.commit()
    for msg_id, error in broken:
        with open_session() as s:
            mark_failed_attempt(s, msg_id, error)
            s.commit()
    sent, failed = 0, len(broken)
    for i, out in enumerate(outgoing):
        if time.monotonic() - started > CLAIM_SECONDS - SEND_MARGIN_SECONDS:
            with open_session() as s:
                for rest in outgoing[i:]:
                    release(s, rest.id)
                s.commit()
            break
        if out.push and _try_push(open_session, out):
            with open_session() as s:
                mark_sent(s, out.id)
                s.get(OutboxMessage, out.id).last_error = PUSHED_NOTE
                s.commit()
            sent += 1
            continue
        try:
            send(settings, out)
        except Exception as e:  # noqa: BLE001 - any failure is retried later
            with open_session() as s:
                (mark_bounced if _permanent(e) else mark_failed_attempt)(s, out.id, f"{type(e).__name__}: {e}")
                s.commit()
            failed += 1
        else:
            with open_session() as s:
                mark_sent(s, out.id)
                s.commit()
            sent += 1
    return sent, failed


def deliver_all_due(open_session, settings: Settings | None = None, send=smtp_send,  # type: ignore[no-untyped-def]
                    max_passes: int = 50) -> tuple[int, int]:
    """Passes of deliver_due until nothing due is left (or max_passes). Returns (sent, failed)."""
    total_sent = total_failed = 0
    for _ in range(max_passes):
        sent, failed = deliver_due(open_session, settings, send)
        total_sent, total_failed = total_sent + sent, total_failed + failed
        if sent + failed == 0:
            break
    return total_sent, total_failed


def status_counts(session: Session) -> dict[str, int]:
    rows = session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all()
    return {status: n for status, n in rows}


def pending_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == "pending")) or 0
