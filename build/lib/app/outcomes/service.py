"""Collect each patient's episode for the service report, and the caseload scores CSV.

[design] Until episodes are their own records, a patient's episode is everything since
enrolment: its outcome is `change.episode_outcome` over their valid totals (the function a
patient's record uses), reported in the month of their last check-in (or of enrolment).
"Check-ins done" counts weekly check-ins: a PHQ-9 and GAD-7 pair is one, as is either alone,
so it is the larger of the two counts.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts import service as accounts
from app.accounts.models import Role, User
from app.assessments import change
from app.assessments import service as assessments
from app.audit import service as audit
from app.outcomes.rates import EpisodeRecord, ServiceRates, service_rates
from app.programme import service as programme

#: The header of `icbt import-scores` (api.md), so an export can be imported elsewhere.
SCORES_HEADER = ["email", "instrument", "taken_at", *[f"q{i}" for i in range(1, 10)], "difficulty"]


def _patients(session: Session, clinician_id: uuid.UUID | None = None) -> list[User]:
    stmt = select(User).where(User.role == Role.patient).order_by(User.created_at, User.id)
    if clinician_id is not None:
        stmt = stmt.where(User.id.in_(accounts.patient_ids_for(session, clinician_id)))
    return list(session.scalars(stmt))


def episode_of(session: Session, patient: User) -> EpisodeRecord:
    phq = assessments.history(session, patient.id, "phq9")
    gad = assessments.history(session, patient.id, "gad7")
    outcome = change.episode_outcome([a.total for a in phq if a.total is not None],
                                     [a.total for a in gad if a.total is not None])
    taken = [a.taken_at for a in (*phq, *gad)]
    last = max(taken) if taken else accounts.enrolled_at(patient)
    return EpisodeRecord(month=last.strftime("%Y-%m"), outcome=outcome,
                         modules_completed=programme.progress_summary(session, patient).completed,
                         checkins=max(len(phq), len(gad)))


def report(session: Session, admin: User) -> ServiceRates:
    rates = service_rates(episode_of(session, p) for p in _patients(session))
    audit.record(session, action="outcomes.report", actor_id=admin.id, actor_role=admin.role.value,
                 record_type="outcomes")
    return rates


def rates_csv(rates: ServiceRates) -> str:
    rows = [rates.overall.as_dict(), *[r.as_dict() for r in rates.by_month]]
    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({k: "" if v is None else v for k, v in r.items()})
    return out.getvalue()


def _cell(v: int | None) -> str:
    return "" if v is None else str(v)


def score_rows(session: Session, patients: Iterable[User]) -> Iterable[list[str]]:
    for p in patients:
        email = accounts.email_of(session, p)
        for instrument in assessments.INSTRUMENT_KEYS:
            for a in assessments.history(session, p.id, instrument):
                answers = list(a.answers) + [None] * (9 - len(a.answers))  # q8, q9 empty for the GAD-7
                yield [email, instrument, a.taken_at.isoformat(), *map(_cell, answers), _cell(a.difficulty)]


def scores_csv(session: Session, admin: User, *, clinician_id: uuid.UUID | None = None) -> str:
    """Every check-in of the caseload (one clinician's patients, or everyone), in the format
    `icbt import-scores` reads. Each patient included is audited."""
    patients = _patients(session, clinician_id)
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(SCORES_HEADER)
    w.writerows(score_rows(session, patients))
    for p in patients:
        audit.record(session, action="export.scores_csv", actor_id=admin.id, actor_role=admin.role.value,
                     patient_id=p.id, record_type="user", record_id=p.id)
    return out.getvalue()


def clinicians(session: Session) -> list[User]:
    return list(session.scalars(select(User).where(User.role == Role.clinician).order_by(User.created_at)))
