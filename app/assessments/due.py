"""When the check-in is due (clinical-rules.md §5): the weekly pair in treatment, the
end-of-treatment and follow-up check-ins after it (followup.py). Part of the service's
contract: `app.assessments.service` re-exports every public name here."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from app import clock, memo
from app.accounts import service as accounts
from app.accounts.models import User
from app.assessments.models import Assessment
from app.monitoring import rules

if TYPE_CHECKING:
    from app.assessments.service import AssessmentView


_LAST_TAKEN = (select(Assessment.instrument, func.max(Assessment.taken_at))
               .where(Assessment.patient_id == bindparam("patient_id"),
                      Assessment.instrument.in_(rules.WEEKLY_INSTRUMENTS)).group_by(Assessment.instrument))


def last_taken(session: Session, patient_id: uuid.UUID) -> dict[str, datetime | None]:
    """last_taken_at of each weekly instrument, in one statement, once per transaction (due()
    and then a page asking the same: app.memo)."""
    def read() -> dict[str, datetime | None]:
        found = dict(session.execute(_LAST_TAKEN, {"patient_id": patient_id}).all())
        return {i: found.get(i) for i in rules.WEEKLY_INSTRUMENTS}
    return dict(memo.get(session, ("assessments.last_taken", patient_id), read))


@dataclass(frozen=True, slots=True)
class Due:
    """The weekly check-in (clinical-rules.md §5): PHQ-9 then GAD-7, due together.

    next_due: when it is (or was) due, 7 days after it was last complete (both done), at
    enrolment if never; due_now: next_due has come; instruments: the weekly pair, in order;
    remaining: those of the pair the patient still has to do for this check-in (each not done
    since its own week came round), in order; empty when nothing is due."""

    next_due: datetime
    due_now: bool
    instruments: tuple[str, ...]
    remaining: tuple[str, ...]
    #: "weekly" in treatment; after the end of treatment (followup.py) "end_of_treatment",
    #: "follow_up_4w", "follow_up_12w", then "none" (all done: next_due is the last one's).
    kind: str = "weekly"


def due(session: Session, patient: User, now: datetime | None = None) -> Due:
    """When the check-in is due and what is still to do: in treatment the weekly pair
    (rules.weekly_done_at and rules.checkin_due_at, with the deployment's monitor settings);
    after the end of treatment the end-of-treatment and follow-up check-ins."""
    return _due(session, patient, now or clock.now(), last_taken(session, patient.id))


def _due(session: Session, patient: User, now: datetime, last: dict[str, datetime | None]) -> Due:
    """due() from the last time each weekly instrument was taken (`last`)."""
    from app.assessments import followup

    points = followup.schedule(session, patient.id)
    if points:
        for p, following in zip(points, [*points[1:], None], strict=True):
            if following is not None and following.due_at <= now:
                continue  # its time has passed: the next one takes its place
            if p.done_at is None:
                remaining = tuple(i for i in rules.WEEKLY_INSTRUMENTS if not _since(last[i], p.due_at))
                return Due(p.due_at, p.due_at <= now, rules.WEEKLY_INSTRUMENTS,
                           remaining if p.due_at <= now else (), p.kind)
        return Due(points[-1].due_at, False, rules.WEEKLY_INSTRUMENTS, (), "none")
    from app.assessments.service import monitoring_config
    config = monitoring_config()
    enrolled = accounts.enrolled_at(patient)
    at = rules.checkin_due_at(enrolled, rules.weekly_done_at(*last.values()), config)
    remaining = tuple(i for i in rules.WEEKLY_INSTRUMENTS
                      if rules.checkin_due_at(enrolled, last[i], config) <= now) if at <= now else ()
    return Due(next_due=at, due_now=at <= now, instruments=rules.WEEKLY_INSTRUMENTS, remaining=remaining)


def _since(last: datetime | None, since: datetime) -> bool:
    return last is not None and last >= since


@dataclass(frozen=True, slots=True)
class Overview:
    """The check-ins at a glance (the home page): what is due, and the latest of each weekly
    instrument (None if never taken)."""

    due: Due
    latest: dict[str, AssessmentView | None]


def overview(session: Session, patient: User, now: datetime | None = None) -> Overview:
    """due() and latest() of both weekly instruments from one read of the newest rows."""
    from app.assessments.service import _latest_rows, _view
    rows = _latest_rows(session, patient.id)
    last = {i: rows[i].taken_at if i in rows else None for i in rules.WEEKLY_INSTRUMENTS}
    return Overview(_due(session, patient, now or clock.now(), last),
                    {i: _view(session, rows[i]) if i in rows else None for i in rules.WEEKLY_INSTRUMENTS})


def next_due(session: Session, patient: User) -> datetime:
    """When the weekly check-in (PHQ-9 and GAD-7) is due: 7 days after it was last complete;
    at enrolment if never (see `due`)."""
    return due(session, patient).next_due


def is_due(session: Session, patient: User) -> bool:
    return due(session, patient).due_now
