"""Where each patient is in the programme. Module content lives in files, not here."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, Timestamps, UTCDateTime, UUIDPk
from app.security.crypto import EncryptedBytes


class ModuleProgress(UUIDPk, Timestamps, Base):
    """One row per patient and module, created when the patient first opens the module."""

    __tablename__ = "module_progress"
    __table_args__ = (UniqueConstraint("patient_id", "module_slug", name="uq_module_progress_patient_module"),)

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    module_slug: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_page: Mapped[str | None] = mapped_column(String(64))      # page slug to resume at
    furthest_page: Mapped[int] = mapped_column(Integer, default=0)  # 0-based index reached
    last_viewed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    content_version_read: Mapped[int] = mapped_column(Integer)      # version of the last page read
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    content_version_completed: Mapped[int | None] = mapped_column(Integer)


class QuizResponse(UUIDPk, Timestamps, Base):
    """The patient's latest answers to a module's "check your understanding" questions."""

    __tablename__ = "quiz_responses"
    __table_args__ = (UniqueConstraint("patient_id", "module_slug", name="uq_quiz_responses_patient_module"),)

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    module_slug: Mapped[str] = mapped_column(String(64))
    content_version: Mapped[int] = mapped_column(Integer)
    answers_enc: Mapped[bytes] = mapped_column(EncryptedBytes)      # JSON list of chosen option indexes
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime)
