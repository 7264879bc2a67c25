"""The outbox on its own: several dispatchers, a poison message, backoff, the claim deadline."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import select

from app import clock
from app.mail import service as mail
from app.mail.models import OutboxMessage
from app.security import crypto
from tests.factories import make_user


def _queue(session, n: int, prefix: str = "staff") -> list[str]:  # type: ignore[no-untyped-def]
    ids = []
    for i in range(n):
        m = mail.enqueue(session, kind="test", subject=f"Message {i}", body="Hello",
                         to_address=f"{prefix}{i}@icbt.example.org")
        ids.append(m.message_id)
    session.commit()
    return ids


def test_three_dispatchers_send_each_message_once(db, session, smtp):
    expected = _queue(session, 30)
    errors: list[Exception] = []

    def run() -> None:
        try:
            mail.deliver_all_due(db.session, smtp.settings())
        except Exception as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    got = smtp.message_ids()
    assert sorted(got) == sorted(expected) and len(got) == len(set(got))


def test_a_message_that_cannot_be_built_does_not_block_the_others(db, session, frozen_clock, smtp):
    gone = make_user(session, "patient")
    mail.enqueue(session, kind="reminder", subject="For someone erased", body="x", user_id=gone.id)
    ok = _queue(session, 1)
    crypto.erase_data_key(session, gone.id)      # their address can no longer be decrypted
    session.commit()
    sent, failed = mail.deliver_due(db.session, smtp.settings())
    assert (sent, failed) == (1, 1)
    assert smtp.message_ids() == ok
    session.expire_all()
    bad = session.scalars(select(OutboxMessage).where(OutboxMessage.user_id == gone.id)).one()
    assert bad.attempts == 1 and bad.status == "pending" and "cannot build" in bad.last_error


def test_backoff_doubles_and_then_fails(db, session, frozen_clock, smtp_down):
    _queue(session, 1)
    waits = []
    for _ in range(mail.MAX_ATTEMPTS):
        mail.deliver_due(db.session, smtp_down.settings())
        session.expire_all()
        msg = session.scalars(select(OutboxMessage)).one()
        if msg.status == "failed":
            break
        waits.append(int((msg.next_attempt_at - clock.now()).total_seconds()))
        frozen_clock(msg.next_attempt_at)
    assert waits[:4] == [30, 60, 120, 240] and max(waits) <= mail.BACKOFF_MAX_SECONDS
    assert (msg.status, msg.attempts) == ("failed", mail.MAX_ATTEMPTS)


def test_sending_stops_before_the_claim_expires(db, session, smtp, monkeypatch):
    """A slow mail server: the rest of the batch is given back unsent, not left claimed."""
    _queue(session, 3)
    ticks = iter([0.0, 1.0, mail.CLAIM_SECONDS])     # the second send would start too late
    monkeypatch.setattr(mail.time, "monotonic", lambda: next(ticks, mail.CLAIM_SECONDS))
    sent, failed = mail.deliver_due(db.session, smtp.settings())
    assert (sent, failed) == (1, 0)
    session.expire_all()
    rows = session.scalars(select(OutboxMessage).where(OutboxMessage.status == "pending")).all()
    assert len(rows) == 2 and all(r.claimed_until is None and r.attempts == 0 for r in rows)
    monkeypatch.undo()
    assert mail.deliver_all_due(db.session, smtp.settings()) == (2, 0)


def test_claimed_messages_are_not_sent_by_another_worker_until_the_claim_expires(db, session, frozen_clock, smtp):
    _queue(session, 2)
    with db.session() as s:
        claimed = mail.claim(s)
        s.commit()
    assert len(claimed) == 2
    assert mail.deliver_due(db.session, smtp.settings()) == (0, 0)
    frozen_clock(clock.now() + timedelta(seconds=mail.CLAIM_SECONDS + 1))
    assert mail.deliver_due(db.session, smtp.settings()) == (2, 0)
