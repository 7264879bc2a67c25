"""The deterioration monitor: runs the pure rules (rules.py) on the patient's data and opens or
updates alerts (app.alerts.service) in the caller's transaction. The scheduled job for the
rules about time is in scheduled.py (its names are reachable from here too).

- `on_checkin` / `on_diary` are called by the measuring domains through monitoring.hooks,
  inside their transaction, after the new row is flushed. They only flush: if that
  transaction fails, neither the data nor the alert exists (security.md item 21).
- `report_not_safe` raises an emergency alert at once.
- `run_schedule(now)` (scheduled.py; the background worker every few minutes, or `icbt
  monitor`): escalates overdue alerts, evaluates the time rules and sends reminders once each.

Every patient's alerts are written while holding that patient's monitor row (locked FOR
UPDATE on PostgreSQL; SQLite serialises writers), so two submissions at the same moment cannot
open two alerts for the same rule.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import clock
from app.alerts import service as alerts
from app.db import begin_write
from app.monitoring import rules
from app.monitoring.config import get_config
from app.monitoring.models import MonitorState
from app.monitoring.rules import Flag, MonitoringConfig, MoodPoint, ScorePoint
from app.security import crypto

log = logging.getLogger("icbt.monitoring")

T = TypeVar("T")


def _optional(module: str, fn: Callable[[Any], T]) -> T | None:
    """Call fn(service module) if that domain is installed; None if it is not yet."""
    try:
        mod = __import__(module, fromlist=["service"])
    except ModuleNotFoundError as e:
        if e.name and module.startswith(e.name):
            return None
        raise
    return fn(mod)


# ---------------------------------------------------------------- per-patient row (lock + summary)


def _insert(session: Session) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert


def lock_patient(session: Session, patient_id: uuid.UUID) -> MonitorState:
    """The patient's monitor row, created if missing and locked for this transaction."""
    begin_write(session)
    insert = _insert(session)
    session.execute(insert(MonitorState).values(patient_id=patient_id, next_check_at=clock.now())
                    .on_conflict_do_nothing(index_elements=["patient_id"]))
    stmt = (select(MonitorState).where(MonitorState.patient_id == patient_id)
            .execution_options(populate_existing=True))
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    return session.scalars(stmt).one()


def summarise(points: Sequence[ScorePoint]) -> dict[str, Any]:
    """Latest and previous valid total of each instrument (for the clinician dashboard)."""
    out: dict[str, Any] = {}
    for instrument in ("phq9", "gad7"):
        valid = sorted((p for p in points if p.instrument == instrument and p.total is not None),
                       key=lambda p: p.taken_at)
        if valid:
            out[instrument] = {"latest": valid[-1].total, "at": valid[-1].taken_at.isoformat(),
                               "previous": valid[-2].total if len(valid) > 1 else None}
    return out


#: Version of the score history kept in the summary (rules.relevant_history); another
#: version, or none, means the next check-in reads the whole history once and stores it.
HISTORY_VERSION = 1


def _store_summary(session: Session, state: MonitorState, points: Sequence[ScorePoint],
                   enrolled_at: datetime, config: MonitoringConfig) -> None:
    """The dashboard's latest/previous totals, and the part of the score history the next
    check-in's rules read, for the patient's enrolment date and these settings."""
    summary = summarise(points)
    upto = max((p.taken_at for p in points), default=None)
    summary["history"] = {
        "v": HISTORY_VERSION,
        "enrolled_at": enrolled_at.isoformat(),
        "last_n": rules.kept_last_n(config),
        "upto": upto.isoformat() if upto else None,
        "points": [[p.instrument, p.total, p.item9, p.taken_at.isoformat()]
                   for p in rules.relevant_history(points, enrolled_at, config)],
    }
    crypto.seal_json(session, state, "summary_enc", summary)


def _stored_history(session: Session, state: MonitorState, enrolled_at: datetime,
                    config: MonitoringConfig, after: datetime) -> list[ScorePoint] | None:
    """The stored part of the score history, if it holds for a check-in taken at `after`:
    same version, enrolment date and settings, and every stored score taken before it.
    None means: read the whole history (first check-in since an upgrade, an older check-in
    judged again, e.g. when question 9 is answered later, or changed settings)."""
    stored = read_summary(session, state).get("history")
    if (not isinstance(stored, dict) or stored.get("v") != HISTORY_VERSION
            or stored.get("enrolled_at") != enrolled_at.isoformat()
            or stored.get("last_n") != rules.kept_last_n(config)):
        return None
    if stored["upto"] is not None and not after > datetime.fromisoformat(stored["upto"]):
        return None
    return [ScorePoint(instrument, total, item9, datetime.fromisoformat(at))
            for instrument, total, item9, at in stored["points"]]


def read_summary(session: Session, state: MonitorState) -> dict[str, Any]:
    return crypto.unseal_json(session, state, "summary_enc") or {}


def _caseload_refresh(session: Session, patient_id: uuid.UUID) -> None:
    from app.caseload import service as caseload
    caseload.refresh(session, patient_id)


def _touch(state: MonitorState, at: datetime | None) -> None:
    if at is not None and (state.last_activity_at is None or at > state.last_activity_at):
        state.last_activity_at = at


def refresh_summary(session: Session, patient_id: uuid.UUID) -> None:
    """Rebuild one patient's dashboard summary from their check-ins (backfill)."""
    from app.accounts import service as accounts

    points = _optional("app.assessments.service", lambda m: m.score_points(session, patient_id))
    enrolled_at = accounts.enrolled_at(_patient(session, patient_id))
    state = lock_patient(session, patient_id)
    _store_summary(session, state, points or [], enrolled_at, get_config())
    if points:
        _touch(state, max(p.taken_at for p in points))
    session.flush()
    _caseload_refresh(session, patient_id)


# ---------------------------------------------------------------- events from the measuring domains


def _record(session: Session, patient_id: uuid.UUID, flags: Sequence[Flag],
            config: MonitoringConfig, now: datetime | None = None) -> None:
    """Open or update an alert per flag; the audit events after every alert write."""
    audits: list[Any] = []
    for flag in flags:
        alerts.raise_alert(session, patient_id, flag, config=config, now=now, audits=audits)
    alerts.write_audits(session, audits)


def _patient(session: Session, patient_id: uuid.UUID) -> Any:
    from app.accounts import service as accounts
    user = accounts.get_user(session, patient_id)
    if user is None:
        raise ValueError(f"no patient {patient_id}")
    return user


def check_checkin(session: Session, patient: Any, point: ScorePoint, history: Sequence[ScorePoint], *,
                  config: MonitoringConfig | None = None, state: MonitorState | None = None) -> list[Flag]:
    """Run the check-in rules on `point` (history: the patient's other scores) and open or
    update alerts in this transaction. Returns the flags, highest tier first. `state`: the
    patient's monitor row if the caller has already locked it."""
    from app.accounts import service as accounts

    config = config or get_config()
    enrolled_at = accounts.enrolled_at(patient)
    state = state or lock_patient(session, patient.id)
    flags = rules.evaluate_checkin(point, history, enrolled_at, config)
    _record(session, patient.id, flags, config)
    _store_summary(session, state, [*history, point], enrolled_at, config)
    _touch(state, point.taken_at)
    session.flush()
    return flags


def _point_of(points: list[ScorePoint], assessment: Any) -> int:
    """Index of the new assessment among the patient's points."""
    instrument = getattr(assessment, "instrument", None)
    taken_at = getattr(assessment, "taken_at", None)
    for i in range(len(points) - 1, -1, -1):
        p = points[i]
        if p.instrument == instrument and (taken_at is None or p.taken_at == taken_at):
            return i
    raise ValueError("the new check-in is not among the patient's score points (flush it first)")


def on_checkin(session: Session, patient_id: uuid.UUID, assessment: Any) -> list[Flag]:
    """Contract (monitoring.hooks): after a PHQ-9/GAD-7 is stored and flushed."""
    from app.accounts import service as accounts
    from app.assessments import service as assessments

    config = get_config()
    patient = _patient(session, patient_id)
    state = lock_patient(session, patient_id)
    point = ScorePoint(assessment.instrument, assessment.total, assessment.item9, assessment.taken_at)
    # Constant time for a new check-in: the stored part of the history the rules read
    # (rules.relevant_history), not every earlier check-in decrypted again.
    history = _stored_history(session, state, accounts.enrolled_at(patient), config, after=point.taken_at)
    if history is None:
        points = list(assessments.score_points(session, patient_id))
        point = points.pop(_point_of(points, assessment))
        history = points
    return check_checkin(session, patient, point, history, config=config, state=state)


def check_diary(session: Session, patient: Any, moods: Sequence[MoodPoint], *, now: datetime | None = None,
                not_safe: bool = False, entry_at: datetime | None = None,
                config: MonitoringConfig | None = None) -> list[Flag]:
    """Run the diary rules (moods include the new entry); open or update alerts."""
    config = config or get_config()
    now = now or clock.now()
    state = lock_patient(session, patient.id)
    flags = rules.evaluate_diary(moods, now, not_safe=not_safe, config=config)
    _record(session, patient.id, flags, config)
    _touch(state, min(entry_at or now, now))
    session.flush()
    return flags


def diary_since(now: datetime) -> datetime:
    """The oldest mood the diary rules read."""
    config = get_config()
    return now - timedelta(days=config.mood_recent_days + config.mood_prior_days)


def on_diary(session: Session, patient_id: uuid.UUID, entry: Any, *,
             moods: Sequence[MoodPoint] | None = None) -> list[Flag]:
    """Contract (monitoring.hooks): after a diary entry is stored and flushed. `moods`, when
    given, are the mood points since diary_since() with the new entry (app.diary.service reads
    them before taking the writer lock and checks them under it)."""
    from app.diary import service as diary

    config = get_config()
    now = clock.now()
    since = diary_since(now)
    if moods is None:
        moods = diary.mood_points(session, patient_id, since)
    else:
        moods = [m for m in moods if m.recorded_at >= since]
    return check_diary(session, _patient(session, patient_id), moods, now=now, config=config,
                       not_safe=bool(getattr(entry, "not_safe", False)),
                       entry_at=getattr(entry, "recorded_at", None))


def report_not_safe(session: Session, patient: Any, source: str) -> Flag:
    """"I am not safe right now" (source: "checkin" or "diary"): an emergency alert at once,
    e-mailed to the assigned clinicians and the on-call list in this transaction."""
    flag = rules.patient_reported_emergency(source)
    config = get_config()
    state = lock_patient(session, patient.id)
    _record(session, patient.id, [flag], config)
    _touch(state, clock.now())
    session.flush()
    return flag


def __getattr__(name: str) -> Any:
    """The scheduled job's names (run_schedule, ScheduleResult, send_reminder...) live in
    app/monitoring/scheduled.py; they stay reachable here, the domain's public module, without
    an import cycle (PEP 562: looked up only when not defined in this file)."""
    from app.monitoring import scheduled
    try:
        return getattr(scheduled, name)
    except AttributeError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None

