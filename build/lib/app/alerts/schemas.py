from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.alerts.service import NOTE_MAX, AlertView

StatusFilter = Literal["open", "acknowledged", "active", "resolved", "all"]


class AlertOut(BaseModel):
    id: uuid.UUID
    patient_id: uuid.UUID
    rule: str
    tier: str
    status: str
    created_at: datetime
    delivery: Literal["dashboard", "pending", "delivered", "undelivered"]
    count: int
    last_seen_at: datetime
    ack_due_at: datetime | None
    overdue: bool
    escalated_at: datetime | None
    acknowledged_at: datetime | None
    resolved_at: datetime | None
    access: Literal["assigned", "oncall"]

    @classmethod
    def of(cls, v: AlertView) -> AlertOut:
        return cls(id=v.id, patient_id=v.patient_id, rule=v.rule, tier=v.tier, status=v.status,
                   created_at=v.created_at, delivery=v.delivery.status, count=v.count,  # type: ignore[arg-type]
                   last_seen_at=v.last_seen_at, ack_due_at=v.ack_due_at, overdue=v.overdue,
                   escalated_at=v.escalated_at, acknowledged_at=v.acknowledged_at,
                   resolved_at=v.resolved_at, access=v.access)  # type: ignore[arg-type]


class RecipientOut(BaseModel):
    who: str
    channel: str
    reason: str
    tier: str
    state: str
    at: datetime


class AlertDetailOut(AlertOut):
    rule_label: str
    trigger: str | None = None
    value: Any = None
    detail: str | None = None
    acknowledged_by: str | None = None
    ack_note: str | None = None
    resolved_by: str | None = None
    resolve_note: str | None = None
    recipients: list[RecipientOut] = []

    @classmethod
    def of(cls, v: AlertView) -> AlertDetailOut:
        base = AlertOut.of(v).model_dump()
        return cls(**base, rule_label=v.rule_label, trigger=v.trigger, value=v.value, detail=v.detail,
                   acknowledged_by=v.acknowledged_by, ack_note=v.ack_note, resolved_by=v.resolved_by,
                   resolve_note=v.resolve_note, recipients=[RecipientOut(**r) for r in v.recipients])


class NoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str | None = Field(None, max_length=NOTE_MAX)
