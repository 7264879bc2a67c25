"""The stored caseload: one row per patient (app/caseload/models.py) that "My patients",
its filters, the reviews-due list and the on-call "Unassigned" list read, instead of a
correlated subquery per patient.

Writing. Every event that changes what the row holds calls `refresh(session, patient_id)`:
alerts raised, acknowledged or resolved (app.alerts.service), check-ins and diary entries
(app.monitoring.hooks) and the scheduled time rules (last activity), reviews and the review
schedule (app.guided), a module finished (app.programme), assignments and new patients
(app.accounts). `refresh` only notes the patient; the row is recomputed from the source
tables (`recompute`: a few indexed queries, no arithmetic on the old row that could drift)
when the transaction commits, in the same transaction, so the row and the event are
committed together or not at all.

Why at commit: lock order. The row is locked (FOR UPDATE on PostgreSQL; SQLite's writer lock)
*before* its facts are read, so two transactions for one patient cannot write a stale row.
Taken at commit, after everything else the transaction locks (the monitor row, alert rows,
the audit chain's head), it is always the last lock: a transaction holding a caseload row
never waits for anything but another caseload row, and several are locked in patient id order,
so no deadlock can form around it. Readers in the same transaction call `settle` first.

Repair: `icbt rebuild-caseload` (`rebuild`) recomputes every row; `--check` only compares.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import event, func, select, text
from sqlalchemy.orm import Session

from app.caseload.models import _ORDER, CaseloadRow
from app.db import begin_write

log = logging.getLogger("icbt.caseload")

PENDING = "caseload_pending"
BATCH = 500
FIELDS = ("top_rank", "open_emergency", "open_urgent", "open_routine", "active_alerts", "not_on_track",
          "disengaged", "checkin_overdue", "started", "last_activity_at", "next_review_at", "review_due_at",
          "modules_completed", "clinicians")
EMPTY: dict[str, Any] = {f: 0 for f in FIELDS} | {
    "not_on_track": False, "disengaged": False, "checkin_overdue": False, "started": False,
    "last_activity_at": None, "next_review_at": None, "review_due_at": None}
TIER_RANKS = {"emergency": 3, "urgent": 2, "routine": 1}


# ---------------------------------------------------------------- writing


def refresh(session: Session, patient_id: uuid.UUID) -> None:
    """Recompute this patient's row before this transaction commits (see the module docstring)."""
    session.info.setdefault(PENDING, set()).add(patient_id)


def settle(session: Session) -> int:
    """Recompute the rows noted so far in this transaction now (readers call this first)."""
    pending = session.info.pop(PENDING, None)
    return recompute(session, sorted(pending)) if pending else 0


@event.listens_for(Session, "before_commit")
def _settle_before_commit(session: Session) -> None:
    settle(session)


@event.listens_for(Session, "after_transaction_end")
def _forget_after_rollback(session: Session, transaction: Any) -> None:
    if transaction.parent is None:    # committed (already settled) or rolled back: nothing owed
        session.info.pop(PENDING, None)


def _insert(session: Session) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert


def _patients(session: Session, ids: Iterable[uuid.UUID]) -> list[Any]:
    from app.accounts.models import Role, User
    ids = list(ids)
    if not ids:
        return []
    return list(session.scalars(select(User).where(User.id.in_(ids), User.role == Role.patient)
                                .order_by(User.id)))


def compute(session: Session, patients: list[Any]) -> dict[uuid.UUID, dict[str, Any]]:
    """The rows these patients should have, from the source tables (a handful of queries for
    the whole batch). The one definition of every column."""
    from app.accounts.models import Assignment
    from app.alerts import service as alerts
    from app.guided import service as guided
    from app.monitoring import rules
    from app.monitoring.models import MonitorState
    from app.programme import service as programme

    ids = [p.id for p in patients]
    if not ids:
        return {}
    facts = alerts.caseload_facts(session, ids)
    activity = dict(session.execute(select(MonitorState.patient_id, MonitorState.last_activity_at)
                                    .where(MonitorState.patient_id.in_(ids))).all())
    reviews = guided.review_dates(session, patients)
    modules = programme.completed_counts(session, ids)
    clinicians = dict(session.execute(select(Assignment.patient_id, func.count()).where(
        Assignment.patient_id.in_(ids)).group_by(Assignment.patient_id)).all())
    out = {}
    for pid in ids:
        f, last = facts[pid], activity.get(pid)
        next_at, due_at = reviews[pid]
        out[pid] = {
            "top_rank": f.top_rank, "open_emergency": f.open.get("emergency", 0),
            "open_urgent": f.open.get("urgent", 0), "open_routine": f.open.get("routine", 0),
            "active_alerts": f.active, "not_on_track": rules.NOT_ON_TRACK in f.active_rules,
            "disengaged": rules.DISENGAGED in f.active_rules,
            "checkin_overdue": rules.MISSED_CHECKIN in f.active_rules,
            "started": last is not None, "last_activity_at": last,
            "next_review_at": next_at, "review_due_at": due_at,
            "modules_completed": modules.get(pid, 0), "clinicians": clinicians.get(pid, 0)}
    return out


def values_of(row: CaseloadRow) -> dict[str, Any]:
    return {f: getattr(row, f) for f in FIELDS}


def recompute(session: Session, patient_ids: list[uuid.UUID]) -> int:
    """Lock these patients' rows (created if missing), then recompute them from the source
    tables; rows of accounts that are not (or no longer) patients are removed. Returns how
    many rows changed. Only flushes."""
    ids = sorted(set(patient_ids))
    if not ids:
        return 0
    begin_write(session)
    patients = _patients(session, ids)
    keep = [p.id for p in patients]
    gone = sorted(set(ids) - set(keep))
    changed = 0
    if gone:
        rows = session.scalars(select(CaseloadRow).where(CaseloadRow.patient_id.in_(gone))).all()
        for r in rows:
            session.delete(r)
        changed += len(rows)
    if keep:
        session.execute(_insert(session)(CaseloadRow).values([{"patient_id": pid, **EMPTY} for pid in keep])
                        .on_conflict_do_nothing(index_elements=["patient_id"]))
        stmt = (select(CaseloadRow).where(CaseloadRow.patient_id.in_(keep)).order_by(CaseloadRow.patient_id)
                .execution_options(populate_existing=True))
        if session.get_bind().dialect.name == "postgresql":
            stmt = stmt.with_for_update()
        rows = {r.patient_id: r for r in session.scalars(stmt)}
        for pid, values in compute(session, patients).items():   # read after the lock: never stale
            row = rows[pid]
            if values_of(row) != values:
                for k, v in values.items():
                    setattr(row, k, v)
                changed += 1
    session.flush()
    return changed


@dataclass
class RebuildResult:
    patients: int = 0
    changed: int = 0
    removed: int = 0


def rebuild(open_session: Callable[[], Session], *, check: bool = False, batch: int = BATCH) -> RebuildResult:
    """Every patient's row recomputed (upgrades, repair), a batch per transaction; idempotent.
    check=True writes nothing and counts the rows that differ (or are missing or left over)."""
    from app.accounts.models import Role, User

    result = RebuildResult()
    after: uuid.UUID | None = None
    while True:
        with open_session() as s:
            stmt = select(User.id).where(User.role == Role.patient).order_by(User.id).limit(batch)
            if after is not None:
                stmt = stmt.where(User.id > after)
            ids = list(s.scalars(stmt))
            if not ids:
                break
            after = ids[-1]
            result.patients += len(ids)
            if check:
                stored = {r.patient_id: values_of(r) for r in
                          s.scalars(select(CaseloadRow).where(CaseloadRow.patient_id.in_(ids)))}
                fresh = compute(s, _patients(s, ids))
                result.changed += sum(stored.get(pid) != v for pid, v in fresh.items())
                s.rollback()
            else:
                result.changed += recompute(s, ids)
                s.commit()
    with open_session() as s:   # rows of accounts that are not patients (none are ever made)
        ids = list(s.scalars(select(CaseloadRow.patient_id).where(~CaseloadRow.patient_id.in_(
            select(User.id).where(User.role == Role.patient)))))
        result.removed = len(ids)
        if ids and not check:
            result.removed = recompute(s, ids)
            s.commit()
    return result


# ---------------------------------------------------------------- reading


def _assigned_to(clinician_id: uuid.UUID) -> Any:
    """Semi-join on the assignment's unique (patient, clinician) index, so the planner walks
    the caseload index in display order and stops at the page (not: every assignment, sorted)."""
    from app.accounts.models import Assignment
    return select(Assignment.patient_id).where(Assignment.patient_id == CaseloadRow.patient_id,
                                               Assignment.clinician_id == clinician_id).exists()


def filter_clause(filter: str | None, now: datetime) -> list[Any]:
    """The dashboard's filters, on the stored columns."""
    if filter == "reviews_due":
        return [CaseloadRow.review_due_at <= now]
    if filter in TIER_RANKS:
        return [CaseloadRow.top_rank == TIER_RANKS[filter]]
    if filter in ("not_on_track", "disengaged", "checkin_overdue"):
        return [getattr(CaseloadRow, filter).is_(True)]
    if filter == "not_started":
        return [CaseloadRow.started.is_(False)]
    return []


def _page(session: Session, where: list[Any], order: Any, page: int, per_page: int) -> list[CaseloadRow]:
    return list(session.scalars(select(CaseloadRow).where(*where).order_by(*order)
                                .limit(per_page).offset((max(1, page) - 1) * per_page)))


def _count(session: Session, where: list[Any]) -> int:
    return session.scalar(select(func.count()).select_from(CaseloadRow).where(*where)) or 0


def assigned_page(session: Session, clinician_id: uuid.UUID, *, filter: str | None = None,
                  only: list[uuid.UUID] | None = None, now: datetime, page: int = 1,
                  per_page: int = 50) -> tuple[list[CaseloadRow], int]:
    """One page of a clinician's assigned patients (highest open tier, then active before
    never active, most recent activity first), and how many match."""
    from app.accounts.models import Assignment

    settle(session)
    where = [_assigned_to(clinician_id), *filter_clause(filter, now)]
    if only is not None:
        where.append(CaseloadRow.patient_id.in_(only))
    rows = _page(session, where, _ORDER, page, per_page)
    if len(where) > 1:
        return rows, _count(session, where)
    # All of them: count the assignments (an index-only count) and make sure none is missing
    # from the caseload (each write path refreshes its patient; should a row be missing all
    # the same, say after rows were written by hand, the page comes back short: repair it).
    total = session.scalar(select(func.count()).select_from(Assignment)
                           .where(Assignment.clinician_id == clinician_id)) or 0
    if len(rows) < min(per_page, total - (max(1, page) - 1) * per_page):
        if fill_missing(session, clinician_id):
            rows = _page(session, where, _ORDER, page, per_page)
    return rows, total


def fill_missing(session: Session, clinician_id: uuid.UUID | None = None) -> int:
    """Make the rows of patients (of this clinician, or everyone) who have none. Run by the
    monitor's schedule; none are missing while every write path refreshes its patient."""
    from app.accounts.models import Assignment, Role, User

    no_row = ~select(CaseloadRow.patient_id).where(CaseloadRow.patient_id == User.id).exists()
    stmt = select(User.id).where(User.role == Role.patient, no_row)
    if clinician_id is not None:
        stmt = stmt.where(User.id.in_(select(Assignment.patient_id).where(Assignment.clinician_id == clinician_id)))
    ids = list(session.scalars(stmt))
    if ids:
        log.warning("caseload: %d patients had no caseload row; made now (see icbt rebuild-caseload)", len(ids))
        recompute(session, ids)
    return len(ids)


UNASSIGNED = text("caseload_rows.clinicians = 0")   # literally the partial index's condition


def unassigned_page(session: Session, *, page: int = 1, per_page: int = 50) -> tuple[list[CaseloadRow], int, int]:
    """Patients nobody is assigned to who have an unresolved alert (highest open tier
    first), how many those are, and how many patients are unassigned in all."""
    settle(session)
    where = [UNASSIGNED, CaseloadRow.active_alerts > 0]
    return _page(session, where, _ORDER, page, per_page), _count(session, where), _count(session, [UNASSIGNED])


def reviews_due_page(session: Session, clinician_id: uuid.UUID, *, now: datetime, page: int = 1,
                     per_page: int = 50) -> tuple[list[CaseloadRow], int]:
    """A clinician's patients whose review is due (ended episodes never are), most overdue first."""
    settle(session)
    where = [_assigned_to(clinician_id), CaseloadRow.review_due_at <= now]
    return _page(session, where, (CaseloadRow.review_due_at, CaseloadRow.patient_id), page, per_page), \
        _count(session, where)
