"""Mood diary entries. Every value about the patient is sealed (see app/security/crypto.py);
only ids, the time of the entry and the resubmission key stay plain."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, Timestamps, UTCDateTime, UUIDPk
from app.security.crypto import EncryptedBytes


class DiaryEntry(UUIDPk, Timestamps, Base):
    __tablename__ = "diary_entries"
    __table_args__ = (
        # One entry per resubmitted form (security.md item 23); NULL keys never collide.
        UniqueConstraint("patient_id", "idempotency_key", name="uq_diary_entries_patient_idempotency_key"),
        Index("ix_diary_entries_patient_recorded", "patient_id", "recorded_at"),
    )

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    idempotency_key: Mapped[str | None] = mapped_column(String(64))

    # Every value is sealed as JSON, nulls and empty lists included, so that not even which
    # fields were filled in (or whether a flag was raised) shows in the database.
    mood_enc: Mapped[bytes] = mapped_column(EncryptedBytes)        # int 0-10
    emotions_enc: Mapped[bytes] = mapped_column(EncryptedBytes)    # list of emotion slugs
    note_enc: Mapped[bytes] = mapped_column(EncryptedBytes)        # string or null
    sleep_enc: Mapped[bytes] = mapped_column(EncryptedBytes)       # hours (number) or null
    activities_enc: Mapped[bytes] = mapped_column(EncryptedBytes)  # list of strings
    flags_enc: Mapped[bytes] = mapped_column(EncryptedBytes)       # [{"rule", "tier"}] raised on saving
