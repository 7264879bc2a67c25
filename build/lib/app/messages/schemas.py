from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from app.escalation.schemas import PathwayOut
from app.messages.service import MAX_LENGTH


class MessageIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    body: str = Field(min_length=1, max_length=MAX_LENGTH, description="The message (not for emergencies).")


class MessageOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    id: uuid.UUID
    from_: Literal["patient", "clinician"] = Field(alias="from")
    author: str
    body: str
    sent_at: datetime
    read_at: datetime | None = Field(description="When the other side first read it (a read receipt).")


class MessageSentOut(MessageOut):
    risk: bool = Field(False, description="The message contained a risk phrase: an urgent alert was raised.")
    escalation: PathwayOut | None = Field(None, description="Crisis resources to show at once (risk only).")
    reply_time: str
