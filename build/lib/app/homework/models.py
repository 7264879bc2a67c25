"""Homework entries: a patient's answers to one exercise, encrypted. The exercise itself (its
questions) is defined by the module content files, referred to by its slug."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, Timestamps, UTCDateTime, UUIDPk
from app.security.crypto import EncryptedBytes

DRAFT = "draft"
SUBMITTED = "submitted"


class HomeworkEntry(UUIDPk, Timestamps, Base):
    __tablename__ = "homework_entries"
    # A resubmitted form (double click, back button) carries the same key: one entry, not two.
    __table_args__ = (
        UniqueConstraint("patient_id", "idempotency_key", name="uq_homework_entries_patient_idempotency_key"),
    )

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    task_slug: Mapped[str] = mapped_column(String(64))
    module_slug: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))                # draft | submitted
    answers_enc: Mapped[bytes] = mapped_column(EncryptedBytes)     # JSON object, field name -> answer
    content_version: Mapped[int] = mapped_column(Integer)          # of the module, when last saved
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    idempotency_key: Mapped[str | None] = mapped_column(String(64))
