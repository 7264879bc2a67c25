from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime, UUIDPk
from app.security.crypto import EncryptedBytes


class SafetyPlan(UUIDPk, Base):
    """The patient's safety plan: one per patient, every section encrypted (JSON). `version`
    counts the saves (1 for the first); a save names the version it was made from, so two
    people editing the same version cannot overwrite each other unseen."""

    __tablename__ = "safety_plans"

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    content_enc: Mapped[bytes] = mapped_column(EncryptedBytes)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")


class SafetyPlanVersion(UUIDPk, Base):
    """Every save of a plan, kept for good: the sections as saved and which of them changed
    (`content_enc`, JSON), and who saved it. The author's name is sealed like the content; the
    role (patient or clinician), the author's id and the time stay plain."""

    __tablename__ = "safety_plan_versions"
    __table_args__ = (UniqueConstraint("patient_id", "number", name="uq_safety_plan_versions_patient_number"),)

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    author_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    author_role: Mapped[str] = mapped_column(String(16))          # patient | clinician
    author_name_enc: Mapped[bytes | None] = mapped_column(EncryptedBytes)
    content_enc: Mapped[bytes] = mapped_column(EncryptedBytes)   # {"sections": {...}, "changed": [...]}
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
