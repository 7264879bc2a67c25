from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime, UUIDPk
from app.security.crypto import EncryptedBytes


class SafetyPlan(UUIDPk, Base):
    """The patient's own safety plan: one per patient, every section encrypted (JSON)."""

    __tablename__ = "safety_plans"

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    content_enc: Mapped[bytes] = mapped_column(EncryptedBytes)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
