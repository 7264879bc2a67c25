"""The dashboard's logic as it was before the stored caseload (correlated subqueries per
patient), kept as the oracle the stored rows and the new queries are checked against.

Copied from app/clinician/service.py `my_patients` / `_caseload_where`, app/alerts/service.py
`open_rank_for` / `open_rule_exists` / `open_counts`, app/guided/service.py `reviews_due` /
`_ensure_states` / `review_due_exists` / `next_reviews` and app/programme `completed_counts`
as they were. The only liberty: the old reviews-due list created the missing guided_states
rows the first time it was read (a write on a GET); here they are made in a session that is
rolled back afterwards, and both the dashboard filter and the list see them (the old
dashboard filter missed patients nobody had opened the list for)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import Session

from app.accounts.models import Assignment, Role, User
from app.alerts.models import OPEN, RESOLVED, Alert
from app.guided.models import GuidedState
from app.guided.service import ENDED, interval
from app.monitoring import rules
from app.monitoring.models import MonitorState
from app.programme.models import ModuleProgress

RANK = {"emergency": 3, "urgent": 2, "routine": 1}


def _tier_rank() -> Any:
    from sqlalchemy import case
    return case(RANK, value=Alert.tier, else_=0)


def open_rank_for(col: Any) -> Any:
    return (select(func.max(_tier_rank())).where(Alert.patient_id == col, Alert.status == OPEN)
            .correlate_except(Alert).scalar_subquery())


def open_rule_exists(col: Any, rule: str) -> Any:
    return exists().where(Alert.patient_id == col, Alert.rule == rule, Alert.status != RESOLVED).correlate_except(Alert)


def review_due_exists(col: Any, now: datetime) -> Any:
    return exists().where(GuidedState.patient_id == col, GuidedState.next_review_at <= now,
                          GuidedState.episode_status.not_in(ENDED)).correlate_except(GuidedState)


def ensure_states(session: Session) -> None:
    """Every patient gets the guided_states row the old reviews list would have made."""
    missing = session.execute(select(User.id, User.enrolled_at).outerjoin(GuidedState, GuidedState.patient_id == User.id)
                              .where(User.role == Role.patient, GuidedState.patient_id.is_(None))).all()
    for pid, enrolled in missing:
        session.add(GuidedState(patient_id=pid, next_review_at=enrolled + interval(), episode_status="active"))
    session.flush()


def my_patients(session: Session, clinician_id: uuid.UUID, filter: str | None, now: datetime) -> tuple[list[dict], int]:
    where: list[Any] = []
    if filter == "reviews_due":
        where.append(review_due_exists(User.id, now))
    elif filter in RANK:
        where.append(open_rank_for(User.id) == RANK[filter])
    elif filter in ("not_on_track", "disengaged", "checkin_overdue"):
        rule = {"not_on_track": rules.NOT_ON_TRACK, "disengaged": rules.DISENGAGED,
                "checkin_overdue": rules.MISSED_CHECKIN}[filter]
        where.append(open_rule_exists(User.id, rule))
    elif filter == "not_started":
        where.append(MonitorState.last_activity_at.is_(None))
    top = open_rank_for(User.id)
    base = (select(User.id)
            .join(Assignment, and_(Assignment.patient_id == User.id, Assignment.clinician_id == clinician_id))
            .outerjoin(MonitorState, MonitorState.patient_id == User.id)
            .where(User.role == Role.patient, *where))
    total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    rows = session.execute(
        select(User.id, MonitorState.last_activity_at, top.label("top_rank"))
        .join(Assignment, and_(Assignment.patient_id == User.id, Assignment.clinician_id == clinician_id))
        .outerjoin(MonitorState, MonitorState.patient_id == User.id)
        .where(User.role == Role.patient, *where)
        .order_by(func.coalesce(top, 0).desc(), MonitorState.last_activity_at.desc().nulls_last(), User.id)).all()
    ids = [r[0] for r in rows]
    counts = {pid: {"emergency": 0, "urgent": 0, "routine": 0} for pid in ids}
    if ids:
        for pid, tier, n in session.execute(select(Alert.patient_id, Alert.tier, func.count()).where(
                Alert.patient_id.in_(ids), Alert.status == OPEN).group_by(Alert.patient_id, Alert.tier)):
            counts[pid][tier] = n
    nxt = dict(session.execute(select(GuidedState.patient_id, GuidedState.next_review_at)
                               .where(GuidedState.patient_id.in_(ids))).all()) if ids else {}
    done = dict(session.execute(select(ModuleProgress.patient_id, func.count()).where(
        ModuleProgress.patient_id.in_(ids), ModuleProgress.completed_at.is_not(None))
        .group_by(ModuleProgress.patient_id)).all()) if ids else {}
    tier_of = {3: "emergency", 2: "urgent", 1: "routine"}
    return [{"id": pid, "open_alerts": counts[pid], "top_tier": tier_of.get(int(rank or 0)),
             "last_activity_at": last, "next_review_at": nxt.get(pid), "modules_completed": done.get(pid, 0)}
            for pid, last, rank in rows], total


def reviews_due(session: Session, clinician_id: uuid.UUID, now: datetime) -> tuple[list[uuid.UUID], int]:
    where = and_(Assignment.clinician_id == clinician_id, GuidedState.next_review_at <= now,
                 or_(GuidedState.episode_status.is_(None), GuidedState.episode_status.not_in(ENDED)))
    base = select(GuidedState).join(Assignment, Assignment.patient_id == GuidedState.patient_id).where(where)
    total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    rows = session.scalars(base.order_by(GuidedState.next_review_at, GuidedState.patient_id)).all()
    return [r.patient_id for r in rows], total


def unassigned(session: Session) -> tuple[list[uuid.UUID], int]:
    """Patients with no assignment and an unresolved alert, in the dashboard's order; and
    how many patients have no assignment at all (the alerts' `_oncall_clause` definition)."""
    nobody = ~exists().where(Assignment.patient_id == User.id)
    has_alert = exists().where(Alert.patient_id == User.id, Alert.status != RESOLVED)
    top = open_rank_for(User.id)
    rows = session.execute(select(User.id).outerjoin(MonitorState, MonitorState.patient_id == User.id)
                           .where(User.role == Role.patient, nobody, has_alert)
                           .order_by(func.coalesce(top, 0).desc(), MonitorState.last_activity_at.desc().nulls_last(),
                                     User.id)).all()
    everyone = session.scalar(select(func.count()).select_from(User).where(User.role == Role.patient, nobody)) or 0
    return [r[0] for r in rows], everyone


def open_alert_counts(session: Session, clinician_id: uuid.UUID) -> dict[str, int]:
    """The dashboard's "waiting for acknowledgement" counts as they were computed before
    issue 18: every open alert the clinician may see (`visible_clause`), counted one by one."""
    from app.alerts.models import OPEN
    from app.alerts.views import visible_clause
    rows = session.execute(select(Alert.tier, func.count()).where(
        Alert.status == OPEN, visible_clause(clinician_id)).group_by(Alert.tier)).all()
    return {tier: n for tier, n in rows}


def open_inbox(session: Session, clinician_id: uuid.UUID) -> list[uuid.UUID]:
    """The inbox's Open list as it was read before issue 18: every open alert the clinician
    may see, sorted (highest tier, then the oldest, then the id)."""
    from app.alerts.models import OPEN, tier_rank_expr
    from app.alerts.views import visible_clause
    return list(session.scalars(select(Alert.id).where(Alert.status == OPEN, visible_clause(clinician_id))
                                .order_by(tier_rank_expr().desc(), Alert.created_at, Alert.id)))
