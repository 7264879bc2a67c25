"""One mood record: every row of module 2's "Activity and mood log" goes into the mood diary
too (the series the progress chart, the clinician's mood chart and the mood_decline rule read),
so there are not two mood diaries.

Each row becomes one diary entry (mood 0-10, what you were doing as the activity, the notes as
the note, at the row's time), once: its idempotency key is the homework entry and the row's
position, so submitting or editing the log again adds only new rows. A time without an offset
is read as UTC. A row the diary cannot take (e.g. dated in the future) is left out of the diary
and logged; the homework entry keeps it."""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime
from typing import Any, Final

from sqlalchemy.orm import Session

from app.accounts.models import User
from app.errors import InvalidInput

log = logging.getLogger("icbt.homework")

#: The exercise whose rows are mood entries.
MOOD_LOG_TASK: Final = "activity-mood-log"


def feed(session: Session, patient: User, entry_id: uuid.UUID, task_slug: str, answers: dict[str, Any]) -> int:
    """Copy the log's rows into the diary (in this transaction). Returns how many were added."""
    if task_slug != MOOD_LOG_TASK:
        return 0
    try:
        from app.diary import service as diary
        from app.diary.schemas import ACTIVITY_MAX_CHARS, DiaryIn
    except ModuleNotFoundError:  # pragma: no cover - the diary is part of the app
        return 0
    added = 0
    for i, row in enumerate(answers.get("entries") or []):
        mood, when = row.get("mood"), row.get("when")
        if not isinstance(mood, int) or not when:
            continue
        try:
            at = datetime.fromisoformat(str(when))
        except ValueError:
            continue
        if at.tzinfo is None:
            at = at.replace(tzinfo=UTC)
        activity = str(row.get("activity") or "").strip()[:ACTIVITY_MAX_CHARS]
        note = str(row.get("notes") or "").strip() or None
        data = DiaryIn(mood=mood, activities=[activity] if activity else [], note=note, recorded_at=at)
        try:
            view = diary.create(session, patient, data, idempotency_key=f"hw:{entry_id.hex}:{i}")
        except InvalidInput as e:
            log.info("activity log row %s of entry %s not added to the diary: %s", i, entry_id, e.detail)
            continue
        added += 0 if getattr(view, "replayed", False) else 1
    return added
