from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.alerts.service import NOTE_MAX, AlertView
from app.contact.schemas import ContactOut

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
        return cls.model_validate(_same_names(cls, v))


def _same_names(model: type[BaseModel], v: AlertView, **other: Any) -> dict[str, Any]:
    """The model's fields from the view's attributes of the same name (`delivery` is its status;
    `other` supplies the rest). The models list the API's fields (the contract) and the view may
    hold more, but a field the view lacks is an AttributeError here, never a silent default."""
    other = {"delivery": v.delivery.status, **other}
    return {name: other[name] if name in other else getattr(v, name) for name in model.model_fields}


class RecipientOut(BaseModel):
    who: str
    channel: str
    reason: str
    tier: str
    state: str
    at: datetime


class PatientOut(BaseModel):
    contact: ContactOut | None = None


class AlertDetailOut(AlertOut):
    rule_label: str
    trigger: str | None = None
    value: Any = None
    detail: str | None = None
    acknowledged_by: str | None = None
    ack_note: str | None = None
    resolved_by: str | None = None
    resolve_note: str | None = None
    ack_action: str | None = None
    resolve_action: str | None = None
    recipients: list[RecipientOut] = []
    patient: PatientOut = PatientOut()

    @classmethod
    def of(cls, v: AlertView) -> AlertDetailOut:
        return cls.model_validate(_same_names(cls, v, recipients=[RecipientOut(**r) for r in v.recipients],
                                              patient=PatientOut(contact=v.contact)))


class NoteIn(BaseModel):
    """For urgent and emergency alerts both are required (422 naming the field without)."""
    model_config = ConfigDict(extra="forbid")

    action: Literal["contacted_patient", "could_not_reach", "emergency_services", "contacted_gp", "other"] | None = None
    note: str | None = Field(None, max_length=NOTE_MAX)
