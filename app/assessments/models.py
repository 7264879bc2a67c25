"""Stored PHQ-9 / GAD-7 check-ins. Answers (item 9 included), total, difficulty and the flags
raised are sealed; only ids, the instrument, the time and the resubmission key stay plain."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, Timestamps, UTCDateTime, UUIDPk
from app.security.crypto import EncryptedBytes


class Assessment(UUIDPk, Timestamps, Base):
    __tablename__ = "assessments"
    __table_args__ = (
        UniqueConstraint("patient_id", "idempotency_key", name="uq_assessments_patient_idempotency_key"),
        Index("ix_assessments_patient_taken", "patient_id", "taken_at"),
    )

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    instrument: Mapped[str] = mapped_column(String(8))  # "phq9" | "gad7"
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime)
    idempotency_key: Mapped[str | None] = mapped_column(String(64))
    #: Set when the check-in came from `icbt import-scores` (an earlier service's record):
    #: it counts as history for charts and rules, but raised no alerts when imported.
    imported_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    #: The language the questions were shown in ("en", "es"...; None: before languages, English).
    #: Scoring never reads it: answers are the 0-3 values, the same in every language.
    locale: Mapped[str | None] = mapped_column(String(16), nullable=True)

    # Always sealed, nulls included (as JSON), so that which values are missing does not show.
    answers_enc: Mapped[bytes] = mapped_column(EncryptedBytes)     # JSON list, null = missing item
    total_enc: Mapped[bytes] = mapped_column(EncryptedBytes)       # JSON int, or null: no valid score
    difficulty_enc: Mapped[bytes] = mapped_column(EncryptedBytes)  # JSON int 0-3 or null (either instrument)
    flags_enc: Mapped[bytes] = mapped_column(EncryptedBytes)       # JSON [{"rule", "tier"}] raised


class TreatmentEnd(UUIDPk, Timestamps, Base):
    """The end of a patient's treatment (clinical-rules.md §5): module 7 finished or the
    episode closed by a clinician. The end-of-treatment check-in is due from `ended_at`, the
    follow-ups 4 and 12 weeks later. One row per patient; a later end moves it."""

    __tablename__ = "treatment_ends"
    __table_args__ = (UniqueConstraint("patient_id", name="uq_treatment_ends_patient_id"),)

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    ended_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(String(24))  # "module7_completed" | "episode_closed"
