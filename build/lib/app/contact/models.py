from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime, UUIDPk
from app.security.crypto import EncryptedBytes


class PatientContact(UUIDPk, Base):
    """How the care team can reach a patient: phone, GP, emergency contact and call times.
    One row per patient; everything in one encrypted JSON document (security.md: patient data
    encrypted under the patient's data key)."""

    __tablename__ = "patient_contacts"

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    content_enc: Mapped[bytes] = mapped_column(EncryptedBytes)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
