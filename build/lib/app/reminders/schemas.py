from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class QuietHours(BaseModel):
    model_config = ConfigDict(extra="forbid")
    start: str = Field(max_length=5, description="HH:MM, local time")
    end: str = Field(max_length=5, description="HH:MM, local time; may be before start (across midnight)")


class RemindersIn(BaseModel):
    """PUT replaces every preference; a field left out keeps its current value."""

    model_config = ConfigDict(extra="forbid")
    time_zone: str | None = Field(None, max_length=64, description="IANA name, e.g. Europe/London")
    remind_at: str | None = Field(None, max_length=5, description="HH:MM: when check-in and module reminders "
                                  "go out; null: as soon as they are due")
    checkin: bool | None = None
    module_open: bool | None = None
    diary_at: str | None = Field(None, max_length=5, description="HH:MM daily diary nudge, or \"off\"")
    messages: bool | None = None
    reengage: bool | None = None
    weekly_summary: bool | None = None
    quiet_hours: QuietHours | None = None
    channel: Literal["email", "push"] | None = None


class RemindersOut(BaseModel):
    time_zone: str
    remind_at: str | None
    checkin: bool
    module_open: bool
    diary_at: str | None
    messages: bool
    reengage: bool
    weekly_summary: bool
    quiet_hours: QuietHours | None
    channel: str


class SentReminder(BaseModel):
    kind: str
    subject: str
    state: Literal["queued", "sent", "failed", "bounced"]
    queued_at: datetime
    sent_at: datetime | None
    channel: str


class PushKeys(BaseModel):
    model_config = ConfigDict(extra="forbid")
    p256dh: str = Field(min_length=20, max_length=200)
    auth: str = Field(min_length=8, max_length=64)


class PushSubscriptionIn(BaseModel):
    """The browser's PushSubscription.toJSON()."""

    model_config = ConfigDict(extra="ignore")
    endpoint: str = Field(min_length=12, max_length=1000, pattern=r"^https?://")
    keys: PushKeys
