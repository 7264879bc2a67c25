from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Uuid, case, text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime, UUIDPk
from app.security.crypto import EncryptedBytes

# Statuses: open -> acknowledged -> resolved (resolving also acknowledges).
OPEN, ACKNOWLEDGED, RESOLVED = "open", "acknowledged", "resolved"
ACTIVE_STATUSES = (OPEN, ACKNOWLEDGED)
# Tiers, highest first by rank; urgent and emergency alerts are e-mailed (clinical-rules.md §4).
TIER_RANK = {"emergency": 3, "urgent": 2, "routine": 1}
EMAIL_TIERS = frozenset({"urgent", "emergency"})


class Alert(UUIDPk, Base):
    """One clinical alert: a monitor rule that fired for a patient.

    At most one *active* (open or acknowledged) alert per patient and rule: a rule firing
    again updates it (count, latest value, last_seen_at) and may raise its tier. The
    partial unique index below backs that up. The trigger value and detail (scores) and
    the clinicians' notes are encrypted under the patient's data key; rule, tier, status and
    times stay plain so they can be queried (no index on tier: security.md item 7).
    """

    __tablename__ = "alerts"
    __table_args__ = (
        # per patient and status: the dashboard's "highest open tier" and counts, one lookup each
        Index("ix_alerts_patient_status", "patient_id", "status"),
        # open alerts by deadline: escalation, and the inbox's status filter
        Index("ix_alerts_status_due", "status", "ack_due_at"),
        # open alerts oldest first: the inbox's Open list reads routine alerts in this order
        Index("ix_alerts_status_created", "status", "created_at", "id"),
        Index("uq_alerts_active_rule", "patient_id", "rule", unique=True,
              sqlite_where=text("status != 'resolved'"), postgresql_where=text("status != 'resolved'")),
    )

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    rule: Mapped[str] = mapped_column(String(40))
    tier: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    value_enc: Mapped[bytes | None] = mapped_column(EncryptedBytes)    # JSON: the latest trigger value
    detail_enc: Mapped[bytes | None] = mapped_column(EncryptedBytes)   # the rule's short reason
    count: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    tier_raised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ack_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    overdue_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ack_note_enc: Mapped[bytes | None] = mapped_column(EncryptedBytes)
    ack_action_enc: Mapped[bytes | None] = mapped_column(EncryptedBytes)      # what was done (issue 12)
    resolved_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolve_note_enc: Mapped[bytes | None] = mapped_column(EncryptedBytes)
    resolve_action_enc: Mapped[bytes | None] = mapped_column(EncryptedBytes)


class AlertDelivery(UUIDPk, Base):
    """One recipient of an alert: a clinician (user) or an on-call address.

    channel "email": linked to an outbox message (its status is the delivery status);
    channel "dashboard": shown in the clinicians' inbox only (routine tier, no e-mail).
    reason: assigned | oncall | unassigned | escalation | fallback.
    """

    __tablename__ = "alert_deliveries"

    alert_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"), index=True)
    recipient_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    recipient_address: Mapped[str | None] = mapped_column(String(254))
    channel: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(16))
    tier: Mapped[str] = mapped_column(String(16))
    outbox_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


def tier_rank_expr() -> Any:
    """SQL: the alert's tier as its rank (3..1), for sorting highest tier first."""
    return case(TIER_RANK, value=Alert.tier, else_=0)
