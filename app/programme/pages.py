"""Programme pages: the module list, lesson pages with progress, check your understanding,
finishing a module. Locked modules get a friendly 403 page saying when they open."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from app import clock
from app.accounts.dependencies import PagePatient
from app.accounts.models import User
from app.db import SessionDep
from app.errors import InvalidInput
from app.programme import service, words
from app.programme.content import Module
from app.web import redirect, render
from app.i18n import N_, _t  # noqa: F401 - interface text (app.i18n)

router = APIRouter(include_in_schema=False)


async def _form_fields(request: Request) -> dict[str, str]:
    """The posted form as plain strings (already parsed and cached by the CSRF check)."""
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str)}


FormFields = Annotated[dict[str, str], Depends(_form_fields)]

CHECKIN_URL = "/checkins/weekly"  # the PHQ-9 and then the GAD-7


def locked_page(request: Request, session: SessionDep, patient: User, exc: service.ModuleLocked) -> Response:
    """403, in plain words: when it opens, and what to do now."""
    summary = service.progress_summary(session, patient)
    return render(request, "patient/module_locked.html", {
        "page_title": _t('Module %(number)s is not open yet', number=exc.status.number), "locked": exc.status,
        "opens": exc.detail, "current": summary.current}, status_code=403)


def _open(request: Request, session: SessionDep, patient: User, slug: str
          ) -> tuple[Module, service.ModuleStatus] | Response:
    try:
        return service.open_module(session, patient, slug)
    except service.ModuleLocked as e:
        return locked_page(request, session, patient, e)


def _step_links(module: Module, step: str) -> dict[str, Any]:
    order = service.steps(module)
    i = order.index(step)

    def href(s: str) -> str:
        return f"/modules/{module.slug}/quiz" if s == service.QUIZ_STEP else f"/modules/{module.slug}/pages/{s}"

    prev_step = order[i - 1] if i > 0 else None
    next_step = order[i + 1] if i + 1 < len(order) else None
    return {"step_number": i + 1, "steps_total": len(order),
            "prev_href": href(prev_step) if prev_step else f"/modules/{module.slug}",
            "prev_label": _t('Previous page') if prev_step else _t('Module overview'),
            "next_href": href(next_step) if next_step else None,
            "next_label": _t('Check your understanding') if next_step == service.QUIZ_STEP else _t('Next page')}


@router.get("/modules")
def modules(request: Request, session: SessionDep, patient: PagePatient) -> Response:
    summary = service.progress_summary(session, patient)
    statuses = service.module_statuses(session, patient)
    now, tz = clock.now(), getattr(request.state, "time_zone", None)
    return render(request, "patient/modules.html", {
        "page_title": _t('Your modules'), "modules": statuses,
        "why": {s.slug: words.why(s, now, tz) for s in statuses},
        "rhythm": words.rhythm(summary.interval_days), "summary": summary})


@router.get("/modules/{slug}")
def module_overview(request: Request, session: SessionDep, patient: PagePatient, slug: str) -> Response:
    found = _open(request, session, patient, slug)
    if isinstance(found, Response):
        return found
    module, status = found
    resume = service.resume_step(module, status)
    resume_href = (f"/modules/{slug}/quiz" if resume == service.QUIZ_STEP
                   else f"/modules/{slug}/pages/{resume}")
    resume_title = ("Check your understanding" if resume == service.QUIZ_STEP
                    else service.page_of(module, resume).title)
    return render(request, "patient/module.html", {
        "page_title": module.title, "module": module, "status": status,
        "resume_href": resume_href, "resume_title": resume_title,
        "resume_number": service.steps(module).index(resume) + 1})


@router.get("/modules/{slug}/pages/{page_slug}")
def lesson_page(request: Request, session: SessionDep, patient: PagePatient, slug: str, page_slug: str) -> Response:
    found = _open(request, session, patient, slug)
    if isinstance(found, Response):
        return found
    module, status = found
    page = service.page_of(module, page_slug)
    if page.index == 0 and status.status != "completed" and service.checkin_needed(session, patient):
        return render(request, "patient/module_checkin.html", {
            "page_title": _t('Your weekly check-in'), "module": module,
            "checkin_href": f"{CHECKIN_URL}?next=/modules/{slug}"})
    service.record_view(session, patient, module, page.slug)
    return render(request, "patient/lesson.html", {
        "page_title": f"{page.title} · Module {module.number}", "module": module, "page": page,
        "status": status, "is_last_page": page.index == len(module.pages) - 1,
        **_step_links(module, page.slug)})


def _quiz_context(session: SessionDep, patient: User, module: Module, status: service.ModuleStatus,
                  chosen: list[int | None], feedback: list[service.QuizFeedback] | None,
                  errors: dict[str, str]) -> dict[str, Any]:
    return {"page_title": _t('Check your understanding · Module %(number)s', number=module.number), "module": module,
            "status": status, "chosen": chosen, "feedback": feedback, "errors": errors,
            **_step_links(module, service.QUIZ_STEP)}


@router.get("/modules/{slug}/quiz")
def quiz(request: Request, session: SessionDep, patient: PagePatient, slug: str) -> Response:
    found = _open(request, session, patient, slug)
    if isinstance(found, Response):
        return found
    module, status = found
    service.record_view(session, patient, module, service.QUIZ_STEP)
    answers = service.quiz_answers(session, patient, module)
    feedback = service.quiz_feedback(module, answers) if answers else None
    chosen: list[int | None] = list(answers) if answers else [None] * len(module.quiz)
    return render(request, "patient/lesson_quiz.html",
                  _quiz_context(session, patient, module, status, chosen, feedback, {}))


@router.post("/modules/{slug}/quiz")
def answer_quiz(request: Request, session: SessionDep, patient: PagePatient, slug: str,
                form: FormFields) -> Response:
    found = _open(request, session, patient, slug)
    if isinstance(found, Response):
        return found
    module, status = found
    chosen: list[int | None] = []
    errors: dict[str, str] = {}
    for i, q in enumerate(module.quiz):
        v = form.get(f"q{i}", "")
        n = int(v) if v.isdigit() and len(v) < 3 else None
        if n is None or n >= len(q.options):
            errors[f"q{i}"] = _t('Please choose an answer.')
            n = None
        chosen.append(n)
    if errors:
        return render(request, "patient/lesson_quiz.html",
                      _quiz_context(session, patient, module, status, chosen, None, errors), status_code=422)
    try:
        service.save_quiz(session, patient, slug, list(chosen))
    except InvalidInput as e:  # pragma: no cover - the checks above match validate_quiz
        errors["q0"] = e.detail
        return render(request, "patient/lesson_quiz.html",
                      _quiz_context(session, patient, module, status, chosen, None, errors), status_code=422)
    return redirect(f"/modules/{slug}/quiz#feedback")


@router.post("/modules/{slug}/complete")
def complete(request: Request, session: SessionDep, patient: PagePatient, slug: str) -> Response:
    try:
        service.complete(session, patient, slug)
    except service.ModuleLocked as e:
        return locked_page(request, session, patient, e)
    return redirect(f"/modules/{slug}/finished")


@router.get("/modules/{slug}/finished")
def finished(request: Request, session: SessionDep, patient: PagePatient, slug: str) -> Response:
    found = _open(request, session, patient, slug)
    if isinstance(found, Response):
        return found
    module, status = found
    if status.completed_at is None:
        return redirect(f"/modules/{slug}")
    statuses = service.module_statuses(session, patient)
    nxt = next((s for s in statuses if s.number == module.number + 1), None)
    return render(request, "patient/module_finished.html", {
        "page_title": _t('You finished module %(number)s', number=module.number), "module": module, "status": status,
        "next": nxt, "next_opens": words.why(nxt, clock.now(), getattr(request.state, "time_zone", None)).text
        if nxt and not nxt.is_open else None})


# ---------------------------------------------------------------- background reading


@router.get("/learn/depression-and-anxiety")
def about_depression_and_anxiety(request: Request, patient: PagePatient) -> Response:
    """What depression and anxiety are: how common, what keeps them going, what helps."""
    return render(request, "patient/about_depression_anxiety.html",
                  {"page_title": _t('About depression and anxiety')})
