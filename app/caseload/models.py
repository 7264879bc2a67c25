"""The caseload row: one per patient, what "My patients" sorts and filters by.

Recomputed from the tables that hold the facts (alerts, monitor_state, guided_states,
module_progress, assignments) in the transaction of every event that changes them
(app/caseload/service.py), so the dashboard reads one indexed row per patient instead of
a subquery per patient. Nothing here is new information: every value is a count, a time or
a flag derived from plain (unencrypted) columns of those tables.

Indexes (security.md item 7): the sort index holds the rank of the highest *open alert*
tier (0-3), the same value as the plain `alerts.tier` the inbox already sorts by; it is an
ordering key for the caseload, not a search on a health measure. No score, band, mood or
item 9 answer is stored here, and the rule flags (not on track, disengaged, check-in
overdue) and alert counts are not indexed.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, SmallInteger, text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime


class CaseloadRow(Base):
    __tablename__ = "caseload_rows"

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    #: highest tier among the patient's open (unacknowledged) alerts: 3 emergency, 2 urgent, 1 routine, 0 none
    top_rank: Mapped[int] = mapped_column(SmallInteger, default=0)
    open_emergency: Mapped[int] = mapped_column(Integer, default=0)
    open_urgent: Mapped[int] = mapped_column(Integer, default=0)
    open_routine: Mapped[int] = mapped_column(Integer, default=0)
    #: open or acknowledged (not yet resolved) alerts of any tier
    active_alerts: Mapped[int] = mapped_column(Integer, default=0)
    #: an unresolved alert of these rules (the dashboard's filters)
    not_on_track: Mapped[bool] = mapped_column(Boolean, default=False)
    disengaged: Mapped[bool] = mapped_column(Boolean, default=False)
    checkin_overdue: Mapped[bool] = mapped_column(Boolean, default=False)
    #: monitor_state.last_activity_at; `started` is "has any activity" (sorts before never-active)
    started: Mapped[bool] = mapped_column(Boolean, default=False)
    last_activity_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: the next weekly review as shown; `review_due_at` is the same unless the episode ended (then None)
    next_review_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    review_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    modules_completed: Mapped[int] = mapped_column(Integer, default=0)
    #: assignments of this patient (0: nobody looks after them, the on-call "Unassigned" list)
    clinicians: Mapped[int] = mapped_column(Integer, default=0)


_ORDER = (CaseloadRow.top_rank.desc(), CaseloadRow.started.desc(), CaseloadRow.last_activity_at.desc(),
          CaseloadRow.patient_id)
#: "My patients": highest open tier, then active before never active, most recent first (forward scan)
Index("ix_caseload_rows_order", *_ORDER)
#: "Reviews due": most overdue first
Index("ix_caseload_rows_review_due", CaseloadRow.review_due_at, CaseloadRow.patient_id)
#: the on-call "Unassigned" list: only patients nobody is assigned to (a small partial index)
Index("ix_caseload_rows_unassigned", *_ORDER, sqlite_where=text("clinicians = 0"),
      postgresql_where=text("clinicians = 0"))
