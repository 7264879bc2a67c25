"""One conversation per patient with their care team. The body is sealed; who sent it, when,
and when the other side first read it stay plain (read receipts, unread counts)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime, UUIDPk
from app.security.crypto import EncryptedBytes

PATIENT = "patient"
CLINICIAN = "clinician"


class Message(UUIDPk, Base):
    __tablename__ = "messages"
    __table_args__ = (
        # A resent form (double click, back button) stores one message; NULL keys never collide.
        UniqueConstraint("patient_id", "idempotency_key", name="uq_messages_patient_idempotency_key"),
        Index("ix_messages_patient_sent", "patient_id", "sent_at"),
    )

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    author_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    sender: Mapped[str] = mapped_column(String(16))            # patient | clinician
    body_enc: Mapped[bytes] = mapped_column(EncryptedBytes)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # first read by the other side
    idempotency_key: Mapped[str | None] = mapped_column(String(64))
