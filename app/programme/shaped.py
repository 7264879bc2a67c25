"""What a clinician changed in one patient's programme (app/guided): modules opened early,
holds, the patient's own release interval. The programme's schedule reads it from here; the
rows and the rules for changing them are in app/guided (service.py, shaping.py)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from app.config import get_settings
from app.programme import schedule


def default_interval() -> timedelta:
    """The service's release interval (ICBT_MODULE_INTERVAL_DAYS)."""
    return timedelta(days=get_settings().module_interval_days)


@dataclass(frozen=True)
class Shaped:
    opened: dict[str, datetime] = field(default_factory=dict)          # slug -> opened early at
    holds: dict[str, list[schedule.Hold]] = field(default_factory=dict)  # slug -> its holds
    interval_changes: list[tuple[datetime, timedelta | None]] = field(default_factory=list)
    messages: dict[str, str | None] = field(default_factory=dict)      # slug -> message (active holds)
    interval_days: int | None = None    # the patient's own interval now (None: the default)

    @property
    def days_now(self) -> int:
        return self.interval_days if self.interval_days is not None else default_interval().days


def read(session: Session, patient_id: uuid.UUID) -> Shaped:
    """From app/guided, if that domain is installed (nothing changed otherwise)."""
    try:
        from app.guided import service as guided
        from app.guided import shaping
    except ModuleNotFoundError:  # pragma: no cover
        return Shaped()
    changes = shaping.interval_changes(session, patient_id)
    holds, messages = shaping.holds_and_messages(session, patient_id)
    return Shaped(opened=guided.opened_early(session, patient_id), holds=holds,
                  interval_changes=changes, messages=messages,
                  interval_days=changes[-1][1].days if changes and changes[-1][1] is not None else None)
