from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime, UUIDPk
from app.security.crypto import EncryptedBytes


class OutboxMessage(UUIDPk, Base):
    """One e-mail to one recipient, written in the transaction that caused it.

    To a user: address and body encrypted under that user's data key. To a staff address
    that is not a user (on-call list): stored plain, and such mail never holds health data.
    """

    __tablename__ = "outbox"
    __owner_attr__ = "user_id"

    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    to_enc: Mapped[bytes | None] = mapped_column(EncryptedBytes)
    to_plain: Mapped[str | None] = mapped_column(String(254))
    kind: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(200))
    body_enc: Mapped[bytes | None] = mapped_column(EncryptedBytes)
    body_plain: Mapped[str | None] = mapped_column(Text)
    message_id: Mapped[str] = mapped_column(String(200), unique=True)
    ref_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)  # e.g. the alert it is about
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)  # pending|sent|failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
