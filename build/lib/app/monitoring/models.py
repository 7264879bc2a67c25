from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime, UUIDPk
from app.security.crypto import EncryptedBytes


class MonitorState(Base):
    """Per patient: when the scheduled time rules next look at them (claimed with
    FOR UPDATE SKIP LOCKED, so several workers share the work), the last activity seen, and
    an encrypted summary of the latest and previous PHQ-9/GAD-7 totals, kept up to date on
    every check-in so the clinician dashboard reads one row per patient on its page instead
    of decrypting each patient's whole history."""

    __tablename__ = "monitor_state"
    __owner_attr__ = "patient_id"

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    next_check_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    last_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_activity_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    summary_enc: Mapped[bytes | None] = mapped_column(EncryptedBytes)

    # crypto.seal binds ciphertext to the row id; this table's id is the patient id.
    @property
    def id(self) -> uuid.UUID:
        return self.patient_id

    @id.setter
    def id(self, value: uuid.UUID) -> None:  # pragma: no cover - seal only sets a missing id
        self.patient_id = value


class Reminder(UUIDPk, Base):
    """A reminder e-mail sent to a patient, at most once per (kind, key): kind
    "checkin_due" keyed by the due date, "module_opened" keyed by the module slug."""

    __tablename__ = "reminders"
    __table_args__ = (UniqueConstraint("patient_id", "kind", "key"),)

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(64))
    outbox_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
