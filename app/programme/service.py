"""The programme: which modules a patient can open, where they are in each, quiz answers.

Content comes from `app.programme.content` (files, validated at start-up); the release rule is
the pure `app.programme.schedule.compute`; this module joins them with the patient's rows.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app import clock, memo
from app.accounts import service as accounts
from app.accounts.models import User
from app.errors import Forbidden, InvalidInput, NotFound
from app.programme import schedule, words
from app.programme.shaped import Shaped, default_interval, read as _shaped
from app.programme.content import Exercise, Module, Page, Programme, get_programme
from app.programme.models import ModuleProgress, QuizResponse
from app.security import crypto
from app.i18n import N_, _t  # noqa: F401 - interface text (app.i18n)

QUIZ_STEP = "#quiz"            # last_page marker for the "check your understanding" step
CHECKIN_FRESH_FOR = timedelta(days=6)


class ModuleLocked(Forbidden):
    code, title = "module_locked", _t('This module is not open yet.')

    def __init__(self, status: ModuleStatus) -> None:
        super().__init__(status.opens_text(clock.now()))
        self.status = status


@dataclass(frozen=True)
class ModuleStatus:
    slug: str
    number: int
    title: str
    summary: str
    status: schedule.Status
    available_at: datetime | None
    completed_at: datetime | None
    estimated_minutes: int
    content_version: int
    steps_total: int                 # lesson pages + the "check your understanding" step
    furthest_step: int               # 0-based, -1 before the first page is opened
    last_page: str | None            # page slug (or QUIZ_STEP) to resume at
    last_step: int                   # 0-based position of last_page, -1 if none
    started_at: datetime | None
    waiting_for: int | None          # locked: the module number to finish first
    content_version_read: int | None
    content_version_completed: int | None
    opened_by_care_team: bool = False  # a clinician opened it early for this patient (app/guided)
    held: bool = False                 # locked because a clinician is holding it (app/guided/shaping.py)
    hold_message: str | None = None    # the clinician's words for the patient about the hold
    interval_days: int | None = None   # the release interval that sets its time (this patient's)

    @property
    def is_open(self) -> bool:
        return self.status != schedule.LOCKED

    @property
    def steps_done(self) -> int:
        return self.steps_total if self.completed_at else self.furthest_step + 1

    @property
    def resume_href(self) -> str:
        """Where "carry on" goes: the page last read, else the module's overview."""
        if self.last_page == QUIZ_STEP:
            return f"/modules/{self.slug}/quiz"
        if self.last_page and self.status != schedule.LOCKED:
            return f"/modules/{self.slug}/pages/{self.last_page}"
        return f"/modules/{self.slug}"

    @property
    def current_step(self) -> int:
        """1-based page the patient is on (where they will carry on)."""
        return max(self.last_step, 0) + 1

    @property
    def percent(self) -> int:
        return round(100 * self.steps_done / self.steps_total) if self.steps_total else 0

    def opens_text(self, now: datetime) -> str:
        """Plain words (UTC) for when a locked module opens, e.g. "Module 2 opens on Monday 9
        March, once you have finished module 1." (the API's `opens`; see words.why for pages)."""
        return words.legacy_opens(self, now)


@dataclass(frozen=True)
class ProgressSummary:
    completed: int
    total: int
    current: ModuleStatus | None      # the open module to work on (lowest number not completed)
    next_opens_at: datetime | None    # when the next locked module opens, if known
    next_locked: ModuleStatus | None
    interval_days: int = 7            # this patient's release interval now
    modules: tuple[ModuleStatus, ...] = ()   # every module's status, in order (module_statuses)


# ---------------------------------------------------------------- content


def programme() -> Programme:
    return get_programme()


def module_or_404(slug: str) -> Module:
    m = programme().module(slug)
    if m is None:
        raise NotFound(_t('We could not find that module.'))
    return m


def exercise(slug: str) -> tuple[Module, Exercise] | None:
    """The exercise (homework task) with this slug and its module, or None."""
    return programme().exercise(slug)


def steps(module: Module) -> list[str]:
    """The module's steps in order: its page slugs, then the quiz."""
    return [p.slug for p in module.pages] + [QUIZ_STEP]


# ---------------------------------------------------------------- statuses


# Built once: statements every programme page runs (a statement built anew costs more to
# find in SQLAlchemy's cache than to run; issue 18).
_PROGRESS = select(ModuleProgress).where(ModuleProgress.patient_id == bindparam("patient_id"))
_LAST_QUIZ = select(func.max(QuizResponse.answered_at)).where(QuizResponse.patient_id == bindparam("patient_id"))


def _rows(session: Session, patient_id: uuid.UUID) -> dict[str, ModuleProgress]:
    """slug -> the patient's progress row; read once per transaction (app.memo): a page asks
    for the statuses, then records the view or the last activity, from the same rows."""
    def read() -> dict[str, ModuleProgress]:
        return {r.module_slug: r for r in session.scalars(_PROGRESS, {"patient_id": patient_id})}
    return memo.get(session, ("programme.progress", patient_id), read)


def _shaped_for(session: Session, patient_id: uuid.UUID) -> Shaped:
    """What a clinician changed in this patient's programme (app/guided), once per transaction."""
    return memo.get(session, ("programme.shaped", patient_id), lambda: _shaped(session, patient_id))


def _statuses(patient: User, rows: dict[str, ModuleProgress], now: datetime,
              shaped: Shaped | None = None) -> list[ModuleStatus]:
    prog = programme()
    shaped = shaped or Shaped()
    early, numbers = shaped.opened, {m.slug: m.number for m in prog.modules}
    by_number = {m.number: rows.get(m.slug) for m in prog.modules}
    slots = schedule.compute(
        [m.number for m in prog.modules], enrolled_at=accounts.enrolled_at(patient),
        completed={n: r.completed_at for n, r in by_number.items() if r and r.completed_at},
        started={n: r.started_at for n, r in by_number.items() if r},
        interval=default_interval(), now=now,
        opened={m.number: early[m.slug] for m in prog.modules if m.slug in early},
        holds={numbers[s]: h for s, h in shaped.holds.items() if s in numbers},
        interval_changes=shaped.interval_changes)
    out = []
    for m, slot in zip(prog.modules, slots, strict=True):
        r = rows.get(m.slug)
        order = steps(m)
        out.append(ModuleStatus(
            slug=m.slug, number=m.number, title=m.title, summary=m.summary, status=slot.status,
            available_at=slot.available_at, completed_at=r.completed_at if r else None,
            estimated_minutes=m.estimated_minutes, content_version=m.content_version,
            steps_total=len(m.pages) + 1, furthest_step=r.furthest_page if r else -1,
            last_page=r.last_page if r else None, started_at=r.started_at if r else None,
            last_step=order.index(r.last_page) if r and r.last_page in order else -1,
            waiting_for=slot.waiting_for, content_version_read=r.content_version_read if r else None,
            content_version_completed=r.content_version_completed if r else None,
            opened_by_care_team=m.slug in early and slot.is_open and slot.available_at == early[m.slug],
            held=slot.held, hold_message=shaped.messages.get(m.slug) if slot.held else None,
            interval_days=slot.interval.days if slot.interval is not None else None))
    return out


def module_statuses(session: Session, patient: User) -> list[ModuleStatus]:
    """Every module with its status for this patient, in order."""
    return _statuses(patient, _rows(session, patient.id), clock.now(), _shaped_for(session, patient.id))


def status_of(session: Session, patient: User, slug: str) -> ModuleStatus:
    module_or_404(slug)
    return next(s for s in module_statuses(session, patient) if s.slug == slug)


def open_module(session: Session, patient: User, slug: str) -> tuple[Module, ModuleStatus]:
    """The module if it is open for this patient; NotFound / ModuleLocked otherwise."""
    module = module_or_404(slug)
    status = status_of(session, patient, slug)
    if not status.is_open:
        raise ModuleLocked(status)
    return module, status


def progress_summary(session: Session, patient: User) -> ProgressSummary:
    """Where the patient is; `.modules` has every module's status (no need to ask again)."""
    shaped = _shaped_for(session, patient.id)
    statuses = _statuses(patient, _rows(session, patient.id), clock.now(), shaped)
    current = next((s for s in statuses if s.is_open and s.status != schedule.COMPLETED), None)
    locked = next((s for s in statuses if not s.is_open), None)
    return ProgressSummary(completed=sum(s.status == schedule.COMPLETED for s in statuses),
                           total=len(statuses), current=current,
                           next_opens_at=locked.available_at if locked else None, next_locked=locked,
                           interval_days=shaped.days_now, modules=tuple(statuses))


def last_activity_at(session: Session, patient_id: uuid.UUID) -> datetime | None:
    """The latest lesson, quiz or homework activity (for the disengagement rule). The lesson
    times come from the progress rows the page has read already (_rows)."""
    rows = _rows(session, patient_id).values()
    times = [
        max((r.last_viewed_at for r in rows if r.last_viewed_at is not None), default=None),
        max((r.completed_at for r in rows if r.completed_at is not None), default=None),
        session.scalar(_LAST_QUIZ, {"patient_id": patient_id}),
    ]
    try:
        from app.homework import service as homework
        times.append(homework.last_activity_at(session, patient_id))
    except ModuleNotFoundError as e:
        if e.name not in ("app.homework", "app.homework.service"):
            raise
    known = [t for t in times if t is not None]
    return max(known) if known else None


# ---------------------------------------------------------------- reading and completing


def _progress_row(session: Session, patient_id: uuid.UUID, module: Module) -> ModuleProgress:
    row = _rows(session, patient_id).get(module.slug)
    if row is not None:
        return row
    now = clock.now()
    row = ModuleProgress(patient_id=patient_id, module_slug=module.slug, started_at=now, furthest_page=0,
                         last_viewed_at=now, content_version_read=module.content_version)
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:  # a parallel request created it first
        row = session.scalars(select(ModuleProgress).where(
            ModuleProgress.patient_id == patient_id, ModuleProgress.module_slug == module.slug)).one()
    return row


def record_view(session: Session, patient: User, module: Module, step: str) -> ModuleProgress:
    """The patient opened a page (or the quiz step) of an open module: remember it for resuming."""
    order = steps(module)
    if step not in order:
        raise NotFound(_t('We could not find that page.'))
    row = _progress_row(session, patient.id, module)
    row.last_page = step
    row.furthest_page = max(row.furthest_page or 0, order.index(step))
    row.last_viewed_at = clock.now()
    row.content_version_read = module.content_version
    session.flush()
    return row


def resume_step(module: Module, status: ModuleStatus) -> str:
    """Where to carry on: the last page viewed, else the first page."""
    if status.last_page in steps(module):
        return status.last_page  # type: ignore[return-value]
    return module.pages[0].slug


def complete(session: Session, patient: User, slug: str) -> ModuleStatus:
    """Mark an open module as finished (idempotent: the first completion time is kept)."""
    module, _ = open_module(session, patient, slug)
    row = _progress_row(session, patient.id, module)
    now = clock.now()
    if row.completed_at is None:
        row.completed_at = now
        from app.caseload import service as caseload
        caseload.refresh(session, patient.id)   # modules completed (app.caseload)
        if module.number == LAST_MODULE_NUMBER:  # the end of treatment: end-of-treatment check-in
            _end_of_treatment(session, patient, now)
    row.content_version_completed = module.content_version
    row.content_version_read = module.content_version
    row.last_viewed_at = now
    session.flush()
    return status_of(session, patient, slug)


# ---------------------------------------------------------------- the weekly check-in

#: Finishing this module ends treatment (clinical-rules.md §5: the end-of-treatment check-in).
LAST_MODULE_NUMBER = 7


def _end_of_treatment(session: Session, patient: User, at: datetime) -> None:
    try:
        from app.assessments import service as assessments
    except ModuleNotFoundError as e:
        if e.name in ("app.assessments", "app.assessments.service"):
            return
        raise
    assessments.start_end_of_treatment(session, patient.id, at, reason="module7_completed")


def checkin_needed(session: Session, patient: User) -> bool:
    """True when the PHQ-9 or the GAD-7 of the weekly check-in was not done in the last 6
    days (each week's module starts with the check-in, both parts).

    If the check-in domain is not installed there is nothing to send the patient to."""
    try:
        from app.assessments import service as assessments
    except ModuleNotFoundError as e:
        if e.name in ("app.assessments", "app.assessments.service"):
            return False
        raise
    due = assessments.due(session, patient)
    last = assessments.last_taken(session, patient.id)
    for instrument in due.instruments:
        taken = last.get(instrument)
        if taken is None or taken <= clock.now() - CHECKIN_FRESH_FOR:
            return True
    return False


# ---------------------------------------------------------------- check your understanding


@dataclass(frozen=True)
class QuizFeedback:
    question: str
    chosen: int
    chosen_text: str
    correct: bool
    correct_text: str
    feedback: str


def _quiz_row(session: Session, patient_id: uuid.UUID, slug: str) -> QuizResponse | None:
    return session.scalars(select(QuizResponse).where(
        QuizResponse.patient_id == patient_id, QuizResponse.module_slug == slug)).first()


def quiz_feedback(module: Module, answers: list[int]) -> list[QuizFeedback]:
    out = []
    for q, a in zip(module.quiz, answers, strict=False):
        if not 0 <= a < len(q.options):
            continue
        out.append(QuizFeedback(question=q.question, chosen=a, chosen_text=q.options[a].text,
                                correct=q.options[a].correct, correct_text=q.options[q.correct_index].text,
                                feedback=q.options[a].feedback))
    return out


def validate_quiz(module: Module, answers: list[object]) -> list[int]:
    """Exactly one answer per question, each an option number. Raises InvalidInput naming it."""
    if len(answers) != len(module.quiz):
        raise InvalidInput(_t('Please answer all %(quiz)s questions.', quiz=len(module.quiz)), field="answers")
    clean = []
    for i, (q, a) in enumerate(zip(module.quiz, answers, strict=True)):
        if isinstance(a, bool) or not isinstance(a, int) or not 0 <= a < len(q.options):
            raise InvalidInput(_t('Choose one of the %(options)s answers (0 to %(options2)s).', options=len(q.options), options2=len(q.options) - 1),
                               field=f"answers.{i}")
        clean.append(a)
    return clean


def save_quiz(session: Session, patient: User, slug: str, answers: list[object]) -> list[QuizFeedback]:
    module, _ = open_module(session, patient, slug)
    clean = validate_quiz(module, answers)
    row = _quiz_row(session, patient.id, slug)
    now = clock.now()
    if row is None:
        row = QuizResponse(id=uuid.uuid4(), patient_id=patient.id, module_slug=slug,
                           content_version=module.content_version, answered_at=now)
        crypto.seal_json(session, row, "answers_enc", clean)
        try:
            with session.begin_nested():
                session.add(row)
        except IntegrityError:  # answered twice at the same moment: keep one row, update it
            row = _quiz_row(session, patient.id, slug)  # type: ignore[assignment]
            assert row is not None
    row.content_version = module.content_version
    row.answered_at = now
    crypto.seal_json(session, row, "answers_enc", clean)
    session.flush()
    return quiz_feedback(module, clean)


def quiz_answers(session: Session, patient: User, module: Module) -> list[int] | None:
    row = _quiz_row(session, patient.id, module.slug)
    if row is None:
        return None
    answers = crypto.unseal_json(session, row, "answers_enc")
    return answers if isinstance(answers, list) else None


def page_of(module: Module, slug: str) -> Page:
    page = module.page(slug)
    if page is None:
        raise NotFound(_t('We could not find that page.'))
    return page


def completed_counts(session: Session, patient_ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    """Completed modules per patient, for a page of the caseload (one query)."""
    if not patient_ids:
        return {}
    rows = session.execute(select(ModuleProgress.patient_id, func.count())
                           .where(ModuleProgress.patient_id.in_(patient_ids), ModuleProgress.completed_at.is_not(None))
                           .group_by(ModuleProgress.patient_id)).all()
    return {pid: n for pid, n in rows}
