"""PHQ-9 and GAD-7 check-ins: submit, read back, change since baseline, when the next is due.

Scoring is pure (`scoring.py`, `change.py`); this module stores, seals and reads. Every
submission runs the deterioration monitor (`monitoring.hooks.on_checkin`) in the same
transaction and keeps the flags it raised with the check-in (sealed), so the result page
and a replayed request show the same escalation as the first answer did.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Final

from sqlalchemy import bindparam, func, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from app import clock
from app.accounts import service as accounts
from app.accounts.models import User
from app.assessments import change, languages, scoring
from app.assessments.due import Due, Overview, due, is_due, last_taken, next_due, overview  # noqa: F401 - contract
from app.assessments.models import Assessment
from app.errors import Conflict, InvalidInput, NotFound
from app.escalation import service as escalation
from app.escalation.schemas import PathwayOut
from app.monitoring import hooks, rules
from app.monitoring.rules import Flag, ScorePoint, Tier, sort_flags
from app.security import crypto
from app.i18n import N_, _t  # noqa: F401 - interface text (app.i18n)

INSTRUMENT_KEYS: Final = tuple(scoring.INSTRUMENTS)


@dataclass(frozen=True, slots=True)
class AssessmentView:
    id: uuid.UUID
    patient_id: uuid.UUID
    instrument: str
    total: int | None          # prorated when 1-2 items are missing; None with 3 or more
    severity: str | None       # band API value, e.g. "moderately_severe"
    item9: int | None          # PHQ-9 only; None when missing (risk unknown) or GAD-7
    answers: list[int | None]
    difficulty: int | None
    taken_at: datetime
    flags: list[Flag] = field(default_factory=list)
    imported: bool = False     # from `icbt import-scores` (an earlier service's record)

    @property
    def score(self) -> scoring.Score:
        return scoring.score(self.instrument, self.answers)

    @property
    def prorated(self) -> bool:
        return self.score.prorated

    @property
    def missing(self) -> tuple[int, ...]:
        return tuple(i for i, a in enumerate(self.answers, start=1) if a is None)

    @property
    def item9_risk(self) -> str | None:
        return scoring.item9_risk(self.item9) if self.instrument == "phq9" else None

    @property
    def ask_item9_again(self) -> bool:
        """PHQ-9 with item 9 missing: it is never imputed, so the patient is asked again."""
        return self.instrument == "phq9" and self.item9 is None

    @property
    def escalation(self) -> PathwayOut | None:
        return escalation_for(self.flags)


@dataclass(frozen=True, slots=True)
class SubmitResult:
    assessment: AssessmentView
    score: scoring.Score
    flags: list[Flag]
    escalation: PathwayOut | None
    #: True when the idempotency key had been used: the original check-in is returned.
    replayed: bool = False


def escalation_for(flags: list[Flag]) -> PathwayOut | None:
    """The pathway for the highest tier raised, or None."""
    ordered = sort_flags(flags)
    return escalation.pathway_out(ordered[0].tier.value) if ordered else None


def monitoring_config() -> rules.MonitoringConfig:
    """The deployment's monitor settings (app/monitoring/config.py), or the defaults."""
    try:
        from app.monitoring.config import get_config
    except ModuleNotFoundError as e:
        if e.name != "app.monitoring.config":
            raise
        return rules.DEFAULT_CONFIG
    return get_config()


# ---------------------------------------------------------------- sealing


def _seal(session: Session, row: Assessment, column: str, value: Any) -> None:
    # JSON always, nulls included: which values are missing must not show either.
    crypto.seal(session, row, column, json.dumps(value, separators=(",", ":")))


def _unseal(session: Session, row: Assessment, column: str) -> Any:
    return crypto.unseal_json(session, row, column)  # an unreadable value reads as absent (logged)


def _view(session: Session, row: Assessment) -> AssessmentView:
    answers = _unseal(session, row, "answers_enc")
    total = _unseal(session, row, "total_enc")
    return AssessmentView(
        id=row.id, patient_id=row.patient_id, instrument=row.instrument, total=total,
        severity=scoring.severity_band(row.instrument, total),
        item9=answers[scoring.PHQ9_SUICIDE_ITEM - 1] if row.instrument == "phq9" else None,
        answers=answers, difficulty=_unseal(session, row, "difficulty_enc"), taken_at=row.taken_at,
        flags=[Flag(d["rule"], Tier(d["tier"]), None, "stored") for d in _unseal(session, row, "flags_enc") or []],
        imported=row.imported_at is not None,
    )


# ---------------------------------------------------------------- validation


def validate(instrument: str, answers: list[int | None], difficulty: int | None = None, *,
             difficulty_required: bool = False) -> scoring.Score:
    """Score the answers or raise InvalidInput naming the field (answers.<0-based index>,
    difficulty, instrument). `difficulty_required`: the web form, where the difficulty
    question (both instruments) must be answered when the total is above 0."""
    try:
        scoring.get_instrument(instrument)
    except scoring.ScoringInputError:
        raise InvalidInput(_t('Unknown questionnaire %(instrument)s: use phq9 or gad7.', instrument=repr(instrument)), field="instrument") from None
    try:
        result = scoring.score(instrument, answers)
    except scoring.ScoringInputError as e:
        where = f"answers.{e.item - 1}" if e.item is not None else "answers"
        raise InvalidInput(str(e), field=where) from None
    if result.answered == 0:
        raise InvalidInput(_t('Answer at least one question.'), field="answers")
    try:
        scoring.validate_difficulty(
            difficulty, required=difficulty_required and scoring.difficulty_required(result))
    except scoring.ScoringInputError as e:
        raise InvalidInput(str(e), field="difficulty") from None
    return result


# ---------------------------------------------------------------- writing


def _insert_once(session: Session, row: Assessment) -> bool:
    """INSERT .. ON CONFLICT (patient_id, idempotency_key) DO NOTHING: True if inserted."""
    table = Assessment.__table__
    values = {c.name: getattr(row, c.key) for c in Assessment.__mapper__.columns}
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = (insert(table).values(**values)
            .on_conflict_do_nothing(index_elements=["patient_id", "idempotency_key"])
            .returning(table.c.id))
    return session.execute(stmt).first() is not None


def submit(session: Session, patient: User, instrument: str, answers: list[int | None],
           difficulty: int | None = None, *, idempotency_key: str | None = None,
           difficulty_required: bool = False) -> SubmitResult:
    """Validate, score, store (sealed) and run the monitor in the caller's transaction.

    With an idempotency key this patient has used before, nothing new is stored: the
    original check-in is returned (`replayed=True`) with the flags it raised then."""
    result = validate(instrument, answers, difficulty, difficulty_required=difficulty_required)
    now = clock.now()
    row = Assessment(id=uuid.uuid4(), patient_id=patient.id, instrument=instrument, taken_at=now,
                     idempotency_key=idempotency_key, created_at=now, updated_at=now,
                     locale=languages.asked_in(instrument))
    _seal(session, row, "answers_enc", list(result.answers))
    _seal(session, row, "total_enc", result.total)
    _seal(session, row, "difficulty_enc", difficulty)
    _seal(session, row, "flags_enc", [])
    if not _insert_once(session, row):
        existing = session.scalars(select(Assessment).where(
            Assessment.patient_id == patient.id, Assessment.idempotency_key == idempotency_key)).one()
        view = _view(session, existing)
        return SubmitResult(view, view.score, view.flags, view.escalation, replayed=True)
    stored = session.get(Assessment, row.id)
    assert stored is not None
    return _monitor(session, stored)


def _monitor(session: Session, row: Assessment) -> SubmitResult:
    view = _view(session, row)
    flags = sort_flags(hooks.on_checkin(session, row.patient_id, view) or [])
    _seal(session, row, "flags_enc", [{"rule": f.rule, "tier": f.tier.value} for f in flags])
    session.flush()
    view = replace(view, flags=flags)
    return SubmitResult(view, view.score, flags, escalation_for(flags))


def answer_item9(session: Session, patient: User, assessment_id: uuid.UUID, value: int) -> SubmitResult:
    """The patient's answer to PHQ-9 item 9 when it was missing (asked again before the
    result). Rescored, stored, and the monitor runs again. Answering again with the same
    value changes nothing; a different value is refused (409)."""
    row = _row(session, patient.id, assessment_id)
    view = _view(session, row)
    if row.instrument != "phq9":
        raise InvalidInput(_t('Only the PHQ-9 has question 9 about these thoughts.'), field="item9")
    if type(value) is not int or not scoring.ITEM_MIN <= value <= scoring.ITEM_MAX:
        raise InvalidInput(_t('Choose one answer (a whole number from %(ITEM_MIN)s to %(ITEM_MAX)s).', ITEM_MIN=scoring.ITEM_MIN, ITEM_MAX=scoring.ITEM_MAX), field="item9")
    if view.item9 is not None:
        if view.item9 == value:
            return SubmitResult(view, view.score, view.flags, view.escalation, replayed=True)
        raise Conflict(_t('Question 9 of this check-in has already been answered.'), code="already_answered")
    answers = list(view.answers)
    answers[scoring.PHQ9_SUICIDE_ITEM - 1] = value
    result = scoring.score("phq9", answers)
    _seal(session, row, "answers_enc", list(result.answers))
    _seal(session, row, "total_enc", result.total)
    row.updated_at = clock.now()
    session.flush()
    outcome = _monitor(session, row)
    # The item9_unknown alert's reason is gone once no PHQ-9 of this patient lacks item 9;
    # the monitor has just judged the actual answer (item9_any / item9_high if positive).
    if not any(v.item9 is None for v in history(session, patient.id, "phq9")):
        from app.alerts import service as alerts
        alerts.resolve_by_system(session, patient.id, rules.ITEM9_UNKNOWN,
                                 "Question 9 was answered by the patient after all.")
    return outcome


# ---------------------------------------------------------------- reading


def _row(session: Session, patient_id: uuid.UUID, assessment_id: uuid.UUID) -> Assessment:
    """The patient's own check-in; someone else's is NotFound, like a missing one."""
    row = session.scalars(select(Assessment).where(
        Assessment.id == assessment_id, Assessment.patient_id == patient_id)).first()
    if row is None:
        raise NotFound(_t('We could not find that check-in.'))
    return row


def get(session: Session, patient_id: uuid.UUID, assessment_id: uuid.UUID) -> AssessmentView:
    return _view(session, _row(session, patient_id, assessment_id))


def history(session: Session, patient_id: uuid.UUID, instrument: str | None = None,
            *, until: datetime | None = None) -> list[AssessmentView]:
    """The patient's check-ins, oldest first; one instrument, or both when None;
    optionally only those taken at or before `until`."""
    stmt = select(Assessment).where(Assessment.patient_id == patient_id)
    if instrument is not None:
        stmt = stmt.where(Assessment.instrument == instrument)
    if until is not None:
        stmt = stmt.where(Assessment.taken_at <= until)
    stmt = stmt.order_by(Assessment.taken_at, Assessment.created_at)
    return [_view(session, r) for r in session.scalars(stmt)]


def _newest(instrument: str) -> Any:
    return (select(Assessment.id).where(Assessment.patient_id == bindparam("patient_id"),
                                        Assessment.instrument == instrument)
            .order_by(Assessment.taken_at.desc(), Assessment.created_at.desc()).limit(1).scalar_subquery())


# Built once (the home page; a statement built anew costs more to find in SQLAlchemy's cache
# than to run, issue 18): the newest row of each weekly instrument.
_NEWEST_WEEKLY = select(Assessment).where(or_(*(Assessment.id == _newest(i) for i in rules.WEEKLY_INSTRUMENTS)))


def latest(session: Session, patient_id: uuid.UUID, instrument: str) -> AssessmentView | None:
    row = session.scalars(select(Assessment).where(
        Assessment.patient_id == patient_id, Assessment.instrument == instrument)
        .order_by(Assessment.taken_at.desc(), Assessment.created_at.desc()).limit(1)).first()
    return _view(session, row) if row is not None else None


def _latest_rows(session: Session, patient_id: uuid.UUID) -> dict[str, Assessment]:
    """The newest check-in of each weekly instrument, in one statement."""
    return {r.instrument: r for r in session.scalars(_NEWEST_WEEKLY, {"patient_id": patient_id})}


def count(session: Session, patient_id: uuid.UUID) -> int:
    return session.scalar(select(func.count()).select_from(Assessment)
                          .where(Assessment.patient_id == patient_id)) or 0


def score_points(session: Session, patient_id: uuid.UUID) -> list[ScorePoint]:
    """Both instruments, oldest first, for the deterioration monitor."""
    return [ScorePoint(v.instrument, v.total, v.item9, v.taken_at)
            for v in history(session, patient_id)]


def last_taken_at(session: Session, patient_id: uuid.UUID, instrument: str = "phq9") -> datetime | None:
    row = session.scalars(select(Assessment.taken_at).where(
        Assessment.patient_id == patient_id, Assessment.instrument == instrument)
        .order_by(Assessment.taken_at.desc()).limit(1)).first()
    return row


def start_end_of_treatment(session: Session, patient_id: uuid.UUID, at: datetime | None = None,
                           reason: str = "episode_closed") -> Any:
    """Contract: the end of treatment (module 7 finished, or the episode closed by a
    clinician): the end-of-treatment check-in is due from `at`, follow-ups 4 and 12 weeks
    later (followup.py). Idempotent; only flushes."""
    from app.assessments import followup
    return followup.start_end_of_treatment(session, patient_id, at, reason)


def episode_outcome(session: Session, patient: User) -> change.EpisodeOutcome:
    """The outcome of the patient's episode (since enrolment): change.episode_outcome over
    every valid score of each instrument, imported ones included."""
    since = accounts.enrolled_at(patient)
    views = [v for v in history(session, patient.id) if v.taken_at >= since and v.total is not None]
    return change.episode_outcome([v.total for v in views if v.instrument == "phq9"],  # type: ignore[misc]
                                  [v.total for v in views if v.instrument == "gad7"])  # type: ignore[misc]


# ---------------------------------------------------------------- change since baseline


def _valid_ends(session: Session, patient_id: uuid.UUID, instrument: str, since: datetime,
                until: datetime | None = None) -> list[AssessmentView]:
    """The first and the last check-in with a valid total of one instrument taken between
    `since` and `until`, oldest first: [] if none, one if there is only one. That is all the
    change rules read (baseline = the first; latest = the last once there are two), so only
    the rows at each end are decrypted, not the patient's whole history."""
    stmt = select(Assessment.id).where(Assessment.patient_id == patient_id, Assessment.instrument == instrument,
                                       Assessment.taken_at >= since)
    if until is not None:
        stmt = stmt.where(Assessment.taken_at <= until)
    ids = list(session.scalars(stmt.order_by(Assessment.taken_at, Assessment.created_at)))

    def first_valid(order: list[int]) -> tuple[int, AssessmentView] | None:
        for i in order:
            row = session.get(Assessment, ids[i])
            assert row is not None
            if _unseal(session, row, "total_enc") is not None:
                return i, _view(session, row)
        return None

    first = first_valid(list(range(len(ids))))
    if first is None:
        return []
    last = first_valid(list(range(len(ids) - 1, first[0], -1)))
    return [first[1]] if last is None else [first[1], last[1]]


def change_summary(session: Session, patient: User, until: datetime | None = None) -> change.ChangeSummary:
    """clinical-rules.md §3 over valid scores since enrolment (up to `until`, e.g. the time
    of the check-in being shown). Baseline = the first valid score of each instrument."""
    since = accounts.enrolled_at(patient)
    phq, gad = (_valid_ends(session, patient.id, i, since, until) for i in ("phq9", "gad7"))
    return change.summarise_change([v.total for v in phq if v.total is not None],
                                   [v.total for v in gad if v.total is not None])


def baseline(session: Session, patient: User, instrument: str) -> AssessmentView | None:
    """The first valid score of this instrument since enrolment."""
    ends = _valid_ends(session, patient.id, instrument, accounts.enrolled_at(patient))
    return ends[0] if ends else None
