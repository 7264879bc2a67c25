"""The one entry point the measuring domains call, inside their own transaction.

`on_checkin` after a PHQ-9/GAD-7 is stored (flushed), `on_diary` after a diary entry is
stored. They return the flags raised (possibly empty), so the caller can show the right
escalation pathway at once. The monitoring domain implements them (app/monitoring/service.py).
Both move the patient's last activity, so the caseload row (app.caseload) is refreshed.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session


def on_checkin(session: Session, patient_id: uuid.UUID, assessment: Any) -> list[Any]:
    try:
        from app.monitoring import service
    except ModuleNotFoundError:
        return []
    flags = service.on_checkin(session, patient_id, assessment)
    _caseload(session, patient_id)
    return flags


def on_diary(session: Session, patient_id: uuid.UUID, entry: Any, *, moods: Any = None) -> list[Any]:
    """`moods`: the patient's mood points since `diary_since(...)`, new entry included, when the
    caller read them already (before taking the writer lock); None to let the monitor read them."""
    try:
        from app.monitoring import service
    except ModuleNotFoundError:
        return []
    flags = service.on_diary(session, patient_id, entry, moods=moods)
    _caseload(session, patient_id)
    return flags


def _caseload(session: Session, patient_id: uuid.UUID) -> None:
    from app.caseload import service as caseload
    caseload.refresh(session, patient_id)


def diary_since(now: datetime) -> datetime | None:
    """The oldest time of the moods `on_diary` reads (None: no monitor installed)."""
    try:
        from app.monitoring import service
    except ModuleNotFoundError:
        return None
    return service.diary_since(now)
