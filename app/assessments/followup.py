"""The end of treatment and the follow-ups (clinical-rules.md §5).

When the patient finishes module 7 or a clinician closes the episode, the patient is asked
for an end-of-treatment check-in (the PHQ-9 and the GAD-7, like the weekly one); follow-up
check-ins are due 4 and 12 weeks later [design: FOLLOW_UP_WEEKS]. After the end of treatment
the weekly cadence stops and these take its place in `service.due` (so they are reminded and
counted as missed like the weekly one). A check-in point is done when both instruments were
taken at or after its due time.
"""

from __future__ import annotations

import functools
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from sqlalchemy import bindparam, case, func, select
from sqlalchemy.orm import Session

from app import clock
from app.assessments.models import Assessment, TreatmentEnd
from app.errors import InvalidInput
from app.i18n import N_, _t  # noqa: F401 - interface text (app.i18n)

#: [design] Follow-ups after the end of treatment, in weeks (clinical-rules.md §5).
FOLLOW_UP_WEEKS: Final = (4, 12)
REASONS: Final = ("module7_completed", "episode_closed")
END_OF_TREATMENT: Final = "end_of_treatment"
#: Plain names of the check-in points, for patients and clinicians.
POINT_NAMES: Final = {END_OF_TREATMENT: "End-of-treatment check-in",
                      **{f"follow_up_{w}w": f"Follow-up check-in, {w} weeks after the end" for w in FOLLOW_UP_WEEKS}}


@dataclass(frozen=True, slots=True)
class CheckinPoint:
    kind: str            # "end_of_treatment" | "follow_up_4w" | "follow_up_12w"
    due_at: datetime
    done_at: datetime | None  # when its second instrument was taken; None while not done

    @property
    def name(self) -> str:
        return POINT_NAMES[self.kind]


_ENDED = select(TreatmentEnd).where(TreatmentEnd.patient_id == bindparam("patient_id"))  # built once: due() asks


def ended(session: Session, patient_id: uuid.UUID) -> TreatmentEnd | None:
    return session.scalars(_ENDED, {"patient_id": patient_id}).first()


def start_end_of_treatment(session: Session, patient_id: uuid.UUID, at: datetime | None = None,
                           reason: str = "episode_closed") -> TreatmentEnd:
    """Record the end of treatment at `at` (default now): the end-of-treatment check-in is
    due from then, the follow-ups 4 and 12 weeks later. Called when module 7 is finished
    (reason "module7_completed") and when a clinician closes the episode ("episode_closed").
    Idempotent: a second call keeps the first end, unless `at` is later than a completed
    follow-up schedule (a new episode ended), which moves it. Only flushes."""
    if reason not in REASONS:
        raise InvalidInput(_t('reason must be one of %(REASONS)s', REASONS=', '.join(REASONS)), field="reason")
    at = at or clock.now()
    row = ended(session, patient_id)
    if row is None:
        row = TreatmentEnd(id=uuid.uuid4(), patient_id=patient_id, ended_at=at, reason=reason)
        session.add(row)
    elif at > row.ended_at + timedelta(weeks=max(FOLLOW_UP_WEEKS)):
        row.ended_at, row.reason = at, reason
    session.flush()
    return row


@functools.cache
def _firsts_stmt(n: int) -> Any:
    firsts = [func.min(case((Assessment.taken_at >= bindparam(f"t{k}"), Assessment.taken_at))) for k in range(n)]
    return select(Assessment.instrument, *firsts).where(
        Assessment.patient_id == bindparam("patient_id"), Assessment.instrument.in_(("phq9", "gad7")),
        Assessment.taken_at >= bindparam("since")).group_by(Assessment.instrument)


def _firsts(session: Session, patient_id: uuid.UUID, since: list[datetime]) -> dict[str, list[datetime | None]]:
    """Per instrument, the first time it was taken at or after each of `since` (one statement)."""
    params = {"patient_id": patient_id, "since": min(since), **{f"t{k}": t for k, t in enumerate(since)}}
    found = {row[0]: list(row[1:]) for row in session.execute(_firsts_stmt(len(since)), params)}
    return {i: found.get(i, [None] * len(since)) for i in ("phq9", "gad7")}


def schedule(session: Session, patient_id: uuid.UUID) -> list[CheckinPoint]:
    """The end-of-treatment and follow-up check-ins of this patient, in order; [] while in
    treatment. A point is done when both instruments were taken at or after its due time."""
    row = ended(session, patient_id)
    if row is None:
        return []
    dues = [(END_OF_TREATMENT, row.ended_at),
            *[(f"follow_up_{w}w", row.ended_at + timedelta(weeks=w)) for w in FOLLOW_UP_WEEKS]]
    firsts = _firsts(session, patient_id, [due_at for _, due_at in dues])
    points = []
    for n, (kind, due_at) in enumerate(dues):
        times = [firsts[i][n] for i in ("phq9", "gad7")]
        done = None if None in times else max(t for t in times if t is not None)
        points.append(CheckinPoint(kind, due_at, done))
    return points
