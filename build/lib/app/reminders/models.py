"""Reminder preferences (one row per patient, created on first change) and web-push
subscriptions. Nothing here is health data: which reminders someone wants, a time zone and
quiet hours; a push endpoint is a browser address, stored encrypted with a keyed hash for
lookup."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime, UUIDPk
from app.security.crypto import EncryptedBytes


class ReminderPrefs(Base):
    __tablename__ = "reminder_prefs"

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    time_zone: Mapped[str] = mapped_column(String(64))
    remind_at: Mapped[str | None] = mapped_column(String(5))     # "HH:MM" local; None: as soon as due
    checkin: Mapped[bool] = mapped_column(Boolean, default=True)
    module_open: Mapped[bool] = mapped_column(Boolean, default=True)
    diary_at: Mapped[str | None] = mapped_column(String(5))      # None: no daily diary nudge
    messages: Mapped[bool] = mapped_column(Boolean, default=True)
    reengage: Mapped[bool] = mapped_column(Boolean, default=True)
    weekly_summary: Mapped[bool] = mapped_column(Boolean, default=False)
    quiet_start: Mapped[str | None] = mapped_column(String(5))
    quiet_end: Mapped[str | None] = mapped_column(String(5))
    channel: Mapped[str] = mapped_column(String(8), default="email")  # email | push (e-mail fallback)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PushSubscription(UUIDPk, Base):
    __tablename__ = "push_subscriptions"
    __owner_attr__ = "patient_id"

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    endpoint_hash: Mapped[str] = mapped_column(String(64), unique=True)
    endpoint_enc: Mapped[bytes] = mapped_column(EncryptedBytes)
    keys_enc: Mapped[bytes] = mapped_column(EncryptedBytes)        # {"p256dh", "auth"}
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_ok_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
