"""Data rights: consent history, e-mail changes awaiting confirmation, erasure requests.

Every row refers to its person by `user_id` (a foreign key to users.id, ON DELETE CASCADE),
so erasure (`app/privacy/erasure.py`) finds and removes them like every other table."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime, UUIDPk
from app.security.crypto import EncryptedBytes


class ConsentRecord(UUIDPk, Base):
    """One acceptance or withdrawal: which privacy notice and terms, and when. Append-only
    history; the person's current state is their latest record."""

    __tablename__ = "consent_records"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(16))          # "accepted" | "withdrawn"
    privacy_version: Mapped[str] = mapped_column(String(32))
    terms_version: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class EmailChange(UUIDPk, Base):
    """A new address waiting for its owner to follow the link sent to it (24 hours). The new
    address is sealed under the person's data key; only the token's SHA-256 is kept."""

    __tablename__ = "email_changes"
    __owner_attr__ = "user_id"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    new_email_enc: Mapped[bytes] = mapped_column(EncryptedBytes)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ErasureRequest(UUIDPk, Base):
    """A patient asked for erasure (their sessions were revoked then). Shown to admins until
    one of them, or `icbt erase`, carries it out; erasure removes this row too."""

    __tablename__ = "erasure_requests"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
