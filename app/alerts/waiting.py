"""Open alerts waiting for acknowledgement, at the size of a large caseload: how many a
clinician sees by tier (the line on My patients and the inbox's Waiting tab) and one page of
the inbox's Waiting list, both read from the stored caseload rows and indexes instead of
every open alert (issue 18). Reads only; who may see which alert is `views.visible_clause`."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from app.alerts.models import OPEN, TIER_RANK, Alert, tier_rank_expr
from app.alerts.views import visible_clause
from app.monitoring.rules import Tier

#: The "waiting for acknowledgement" line counts routine alerts up to this many, then says
#: "99+": a clinician reads the number, not the digits past a hundred, and counting them
#: would cost a probe per patient of a large caseload. Emergency and urgent are always exact.
ROUTINE_SHOWN_UP_TO = 99


@dataclass(frozen=True)
class OpenCounts:
    """Open alerts a clinician sees, by tier. `more`: there are more routine alerts than
    `routine` (which is then ROUTINE_SHOWN_UP_TO)."""
    emergency: int = 0
    urgent: int = 0
    routine: int = 0
    more: bool = False

    def get(self, tier: str, default: int = 0) -> int:
        return getattr(self, tier, default) if tier in TIER_RANK else default

    def shown(self, tier: str) -> str:
        """The number as the page shows it ("99+" past the cap)."""
        n = self.get(tier)
        return f"{n}+" if tier == "routine" and self.more else str(n)

    @property
    def total(self) -> int:
        return self.emergency + self.urgent + self.routine

    @property
    def total_shown(self) -> str:
        return f"{self.total}+" if self.more else str(self.total)

    def as_dict(self) -> dict[str, int]:
        """The tiers that have open alerts (exact only when not `more`)."""
        return {t: n for t in ("emergency", "urgent", "routine") if (n := self.get(t))}


def open_count_for_clinician(session: Session, clinician_id: uuid.UUID) -> OpenCounts:
    """How many open alerts this clinician sees, by tier (once per transaction: the inbox
    shows it in its Open tab and as the Open list's total). See `_open_counts`."""
    from app import memo
    return memo.get(session, ("alerts.open_counts", clinician_id), lambda: _open_counts(session, clinician_id))


def _own_patients(clinician_id: uuid.UUID) -> Any:
    """Caseload rows of this clinician's patients and of patients nobody is assigned to."""
    from app.accounts.models import Assignment
    from app.caseload import service as caseload
    from app.caseload.models import CaseloadRow
    mine = select(Assignment.patient_id).where(Assignment.patient_id == CaseloadRow.patient_id,
                                               Assignment.clinician_id == clinician_id).exists()
    return or_(mine, caseload.UNASSIGNED)


def _open_counts(session: Session, clinician_id: uuid.UUID) -> OpenCounts:
    """How many open alerts this clinician sees (`visible_clause`), by tier: the dashboard's
    "waiting for acknowledgement" line and the inbox's Open tab.

    Counted from the stored caseload rows (app/caseload: open alerts per tier, kept in the
    transaction of every alert change), not alert by alert, so the count does not grow with
    the open alerts of a large caseload (issue 18). The same alerts as `visible_clause`:
      - every open emergency alert (on-call cover sees them all): the caseload rows whose
        highest open tier is emergency;
      - the open alerts of the clinician's own patients and of patients nobody is assigned to:
        their caseload rows, walked by the index on the highest open tier (routine: the first
        ROUTINE_SHOWN_UP_TO + 1 rows that have any);
      - escalated alerts of other clinicians' patients: from the alerts themselves, only those
        with an acknowledgement deadline (an alert is escalated only past its deadline; a
        raise or reopen clears both), a range of the (status, deadline) index.
    tests/caseload/test_property.py holds this equal to counting `visible_clause` alert by
    alert after random events (tests/caseload/oracle.py)."""
    from app.accounts.models import Assignment
    from app.caseload import service as caseload
    from app.caseload.models import CaseloadRow

    caseload.settle(session)
    own, ranks = _own_patients(clinician_id), caseload.TIER_RANKS
    emergency = session.scalar(select(func.sum(CaseloadRow.open_emergency))
                               .where(CaseloadRow.top_rank == ranks["emergency"])) or 0
    urgent = session.scalar(select(func.sum(CaseloadRow.open_urgent))
                            .where(CaseloadRow.top_rank >= ranks["urgent"], own)) or 0
    first = (select(CaseloadRow.open_routine.label("n"))
             .where(CaseloadRow.top_rank >= ranks["routine"], CaseloadRow.open_routine > 0, own)
             .limit(ROUTINE_SHOWN_UP_TO + 1).subquery())
    routine = session.scalar(select(func.sum(first.c.n))) or 0
    assigned = select(Assignment.patient_id).where(Assignment.patient_id == Alert.patient_id)
    for tier, n in session.execute(
            select(Alert.tier, func.count())
            .where(Alert.status == OPEN, Alert.ack_due_at.is_not(None), Alert.escalated_at.is_not(None),
                   Alert.tier != Tier.EMERGENCY.value, assigned.exists(),
                   ~assigned.where(Assignment.clinician_id == clinician_id).exists())
            .group_by(Alert.tier)).all():
        if tier == Tier.URGENT.value:
            urgent += n
        else:
            routine += n
    more = routine > ROUTINE_SHOWN_UP_TO
    return OpenCounts(int(emergency), int(urgent), min(int(routine), ROUTINE_SHOWN_UP_TO), more)


_HIGH_TIERS = (Tier.EMERGENCY.value, Tier.URGENT.value)


def _open_page(session: Session, clinician_id: uuid.UUID, page: int, per_page: int) -> list[Alert]:
    """One page of the Open list in the inbox's order (highest tier, then the longest
    waiting) without sorting every open alert: the emergency and urgent ones are found from
    the caseload rows whose highest open tier is urgent or above (a small set), the rest
    are read oldest first along the (status, created_at, id) index, stopping at the page."""
    from app.caseload import service as caseload
    from app.caseload.models import CaseloadRow

    caseload.settle(session)
    offset = (page - 1) * per_page
    visible = visible_clause(clinician_id)
    candidates = select(CaseloadRow.patient_id).where(CaseloadRow.top_rank >= caseload.TIER_RANKS["urgent"])
    high_where = (Alert.status == OPEN, Alert.tier.in_(_HIGH_TIERS), Alert.patient_id.in_(candidates), visible)
    high = list(session.scalars(select(Alert.id).where(*high_where)
                                .order_by(tier_rank_expr().desc(), Alert.created_at, Alert.id)
                                .limit(per_page).offset(offset)))
    ids = high
    if len(high) < per_page:
        n_high = offset + len(high) if high or not offset else (session.scalar(
            select(func.count()).select_from(Alert).where(*high_where)) or 0)
        ids = high + list(session.scalars(
            select(Alert.id).where(Alert.status == OPEN, Alert.tier.not_in(_HIGH_TIERS), visible)
            .order_by(Alert.created_at, Alert.id)
            .limit(per_page - len(high)).offset(max(0, offset - n_high))))
    if not ids:
        return []
    by_id = {a.id: a for a in session.scalars(select(Alert).where(Alert.id.in_(ids)))}
    return [by_id[i] for i in ids]
