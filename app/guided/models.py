"""Guided support: weekly reviews, clinical notes, homework feedback, modules a clinician
opened early or held, each patient's release interval, and the episode of care. Free text is
sealed; times, statuses and ids stay plain so they can be queried. Rows of other domains
(homework entries, messages) are referred to by plain Uuid columns."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime, UUIDPk
from app.security.crypto import EncryptedBytes


class GuidedState(Base):
    """One row per patient with what the reviews-due list sorts and filters by (kept up to
    date on every review), and the current episode status."""

    __tablename__ = "guided_states"

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    next_review_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    last_review_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    episode_status: Mapped[str] = mapped_column(String(16), default="active")
    episode_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ClinicalNote(UUIDPk, Base):
    """Private to clinicians; never shown to the patient."""

    __tablename__ = "clinical_notes"
    __table_args__ = (Index("ix_clinical_notes_patient_created", "patient_id", "created_at"),)

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    author_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(16))          # note | review | episode
    body_enc: Mapped[bytes] = mapped_column(EncryptedBytes)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Review(UUIDPk, Base):
    __tablename__ = "reviews"
    __table_args__ = (Index("ix_reviews_patient_reviewed", "patient_id", "reviewed_at"),)

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    clinician_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    note_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("clinical_notes.id", ondelete="CASCADE"))
    message_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)   # messages.id (another domain)
    reviewed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class HomeworkFeedback(UUIDPk, Base):
    __tablename__ = "homework_feedback"
    __table_args__ = (Index("ix_homework_feedback_patient_entry", "patient_id", "entry_id"),)

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    entry_id: Mapped[uuid.UUID] = mapped_column(Uuid)            # homework_entries.id (another domain)
    author_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body_enc: Mapped[bytes] = mapped_column(EncryptedBytes)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # first read by the patient


class ModuleOpening(UUIDPk, Base):
    """A module a clinician opened for this patient before the schedule would have."""

    __tablename__ = "module_openings"
    __table_args__ = (UniqueConstraint("patient_id", "module_slug", name="uq_module_openings_patient_module"),)

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    module_slug: Mapped[str] = mapped_column(String(64))
    opened_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)


class EpisodeEvent(UUIDPk, Base):
    """Each change of the episode's status, with the reason and a sealed note."""

    __tablename__ = "episode_events"
    __table_args__ = (Index("ix_episode_events_patient_changed", "patient_id", "changed_at"),)

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16))
    reason_enc: Mapped[bytes] = mapped_column(EncryptedBytes)
    note_enc: Mapped[bytes] = mapped_column(EncryptedBytes)
    changed_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ModuleHold(UUIDPk, Base):
    """A clinician held a module that was not open yet: it does not open on schedule until
    the hold is lifted (app/programme/schedule.py). The private reason is a clinical note
    (note_id, kind "hold": never shown to the patient, not in their export); `message_enc`
    is the optional plain-words explanation the patient sees."""

    __tablename__ = "module_holds"
    __table_args__ = (Index("ix_module_holds_patient_module", "patient_id", "module_slug"),)

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    module_slug: Mapped[str] = mapped_column(String(64))
    note_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("clinical_notes.id", ondelete="CASCADE"))
    message_enc: Mapped[bytes | None] = mapped_column(EncryptedBytes)
    held_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    held_at: Mapped[datetime] = mapped_column(UTCDateTime)
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    released_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    released_how: Mapped[str | None] = mapped_column(String(16))   # lifted | opened_early


class IntervalChange(UUIDPk, Base):
    """Each change of this patient's module release interval, in days (null: back to the
    service default, ICBT_MODULE_INTERVAL_DAYS). The latest is in force; the history is what
    the schedule reads (each change applies from its moment on)."""

    __tablename__ = "module_interval_changes"
    __table_args__ = (UniqueConstraint("patient_id", "seq", name="uq_module_interval_changes_patient_seq"),)

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)   # 1, 2, ... per patient: the order of the changes
    days: Mapped[int | None] = mapped_column(Integer)
    changed_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)
