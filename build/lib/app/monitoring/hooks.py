"""The one entry point the measuring domains call, inside their own transaction.

`on_checkin` after a PHQ-9/GAD-7 is stored (flushed), `on_diary` after a diary entry is
stored. They return the flags raised (possibly empty), so the caller can show the right
escalation pathway at once. The monitoring domain implements them (app/monitoring/service.py).
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session


def on_checkin(session: Session, patient_id: uuid.UUID, assessment: Any) -> list[Any]:
    try:
        from app.monitoring import service
    except ModuleNotFoundError:
        return []
    return service.on_checkin(session, patient_id, assessment)


def on_diary(session: Session, patient_id: uuid.UUID, entry: Any) -> list[Any]:
    try:
        from app.monitoring import service
    except ModuleNotFoundError:
        return []
    return service.on_diary(session, patient_id, entry)
