"""Programme JSON API: the modules, their pages and homework, completion, quiz answers."""

from __future__ import annotations

from datetime import tzinfo

from fastapi import APIRouter

from app import clock
from app.accounts.dependencies import CurrentPatient
from app.accounts.models import User
from app.db import SessionDep
from app.programme import service, words
from app.programme.content import FieldDef, Module
from app.programme.schemas import (FieldOut, HomeworkOut, ModuleDetailOut, ModuleOut, PageOut, ProgressIn,
                                   QuizFeedbackOut, QuizIn, QuizQuestionOut)

router = APIRouter(tags=["programme"])


def _zone(session: SessionDep, patient: User) -> tzinfo | None:
    """The patient's time zone (app.reminders), for the dates in `why`."""
    try:
        from app.reminders import service as reminders
    except ModuleNotFoundError:  # pragma: no cover
        return None
    return reminders.zone_of(session, patient.id)


def _module_out(s: service.ModuleStatus, tz: tzinfo | None = None) -> ModuleOut:
    now = clock.now()
    why = words.why(s, now, tz)
    return ModuleOut(slug=s.slug, number=s.number, title=s.title, summary=s.summary, status=s.status,
                     available_at=s.available_at, opens=None if s.is_open else s.opens_text(now),
                     completed_at=s.completed_at, estimated_minutes=s.estimated_minutes,
                     content_version=s.content_version, opens_at=why.opens_at, why=why.text, why_code=why.code,
                     held=s.held, opened_by_care_team=s.opened_by_care_team)


def field_out(f: FieldDef) -> FieldOut:
    return FieldOut(name=f.name, type=f.type, label=f.label, help=f.help, required=f.required,  # type: ignore[arg-type]
                    max_length=f.max_length, min=0 if f.rating_max else None, max=f.rating_max,
                    min_label=f.min_label, max_label=f.max_label, choices=f.choices,
                    options=f.options,
                    columns=[field_out(c) for c in f.columns] if f.columns else None,
                    min_rows=f.min_rows, max_rows=f.max_rows)


def _detail(m: Module, s: service.ModuleStatus, tz: tzinfo | None) -> ModuleDetailOut:
    return ModuleDetailOut(
        **_module_out(s, tz).model_dump(), learning_goals=list(m.learning_goals),
        pages=[PageOut(slug=p.slug, title=p.title, html=p.html) for p in m.pages],
        homework=[HomeworkOut(slug=e.slug, title=e.title, intro=e.intro, fields=[field_out(f) for f in e.fields])
                  for e in m.exercises],
        quiz=[QuizQuestionOut(question=q.question, options=[o.text for o in q.options]) for q in m.quiz],
        last_page=s.last_page if s.last_page in {p.slug for p in m.pages} else None)


@router.get("/modules", response_model=list[ModuleOut])
def list_modules(patient: CurrentPatient, session: SessionDep) -> list[ModuleOut]:
    """All modules in order, with `status` locked, available, in_progress or completed."""
    tz = _zone(session, patient)
    return [_module_out(s, tz) for s in service.module_statuses(session, patient)]


@router.get("/modules/{slug}", response_model=ModuleDetailOut)
def get_module(slug: str, patient: CurrentPatient, session: SessionDep) -> ModuleDetailOut:
    """The module's pages and homework. 403 `module_locked` (saying when it opens) while locked."""
    module, status = service.open_module(session, patient, slug)
    return _detail(module, status, _zone(session, patient))


@router.post("/modules/{slug}/progress", response_model=ModuleOut)
def record_progress(slug: str, body: ProgressIn, patient: CurrentPatient, session: SessionDep) -> ModuleOut:
    """Remember the page being read (for resuming, and which content version was read)."""
    module, _ = service.open_module(session, patient, slug)
    service.record_view(session, patient, module, service.page_of(module, body.page).slug)
    return _module_out(service.status_of(session, patient, slug), _zone(session, patient))


@router.post("/modules/{slug}/quiz", response_model=list[QuizFeedbackOut])
def answer_quiz(slug: str, body: QuizIn, patient: CurrentPatient, session: SessionDep) -> list[QuizFeedbackOut]:
    """Answer the "check your understanding" questions; the answers are stored encrypted."""
    feedback = service.save_quiz(session, patient, slug, list(body.answers))
    return [QuizFeedbackOut(question=f.question, chosen=f.chosen, correct=f.correct, feedback=f.feedback)
            for f in feedback]


@router.post("/modules/{slug}/complete", response_model=ModuleOut)
def complete_module(slug: str, patient: CurrentPatient, session: SessionDep) -> ModuleOut:
    """Mark the module finished (records when, and the content version read)."""
    return _module_out(service.complete(session, patient, slug), _zone(session, patient))
