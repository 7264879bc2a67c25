from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import Boolean, Enum, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, Timestamps, UTCDateTime, UUIDPk
from app.security.crypto import EncryptedBytes


class Role(str, enum.Enum):
    patient = "patient"
    clinician = "clinician"
    admin = "admin"


class User(UUIDPk, Timestamps, Base):
    __tablename__ = "users"
    __owner_attr__ = "id"  # a user's own fields are encrypted under their own data key

    role: Mapped[Role] = mapped_column(Enum(Role, native_enum=False, length=16))
    email_enc: Mapped[bytes] = mapped_column(EncryptedBytes)
    email_hash: Mapped[str] = mapped_column(String(64), unique=True)
    display_name_enc: Mapped[bytes | None] = mapped_column(EncryptedBytes)
    password_hash: Mapped[str] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    enrolled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    consent_version: Mapped[str | None] = mapped_column(String(32))
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # None while a self-registered address waits for confirmation (ICBT_CONFIRM_EMAIL)
    email_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The interface language the person chose (app.i18n); None: their browser's, else the default.
    locale: Mapped[str | None] = mapped_column(String(16), nullable=True)


class AuthSession(UUIDPk, Base):
    """A sign-in: the token itself is only ever held by the client; we keep its hash."""

    __tablename__ = "auth_sessions"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(16))  # "cookie" or "bearer"
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    user_agent: Mapped[str | None] = mapped_column(String(200))


class Assignment(UUIDPk, Base):
    """A clinician looks after a patient. A patient can have several clinicians."""

    __tablename__ = "assignments"
    __table_args__ = (UniqueConstraint("patient_id", "clinician_id"),)

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    clinician_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class LoginThrottle(Base):
    """Failed sign-ins per e-mail (keyed hash), whether or not the account exists, so the
    backoff itself reveals nothing. Kept in the database so every worker shares it."""

    __tablename__ = "login_throttle"

    key_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PasswordResetToken(UUIDPk, Base):
    """A single-use link to set a password: sent by e-mail for "forgotten password" (30 min)
    or when an admin creates an account (an invitation, 72 h). Only the token's SHA-256 is
    stored; the token itself exists only in the e-mail."""

    __tablename__ = "password_reset_tokens"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    purpose: Mapped[str] = mapped_column(String(16))  # "reset" or "invite"
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
