"""Homework pages: exercise forms built from the content's field definitions, and My workbook.

A form posts back to itself with one of three buttons: "Save draft", "Submit" (or "Save
changes" once submitted) and "Add another row" (re-shows the form with one more row, saving
nothing). Bad answers show the form again, status 422, each message beside its field."""

from __future__ import annotations

import secrets
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from app.accounts.dependencies import PagePatient
from app.accounts.models import User
from app.db import SessionDep
from app.homework import forms, service
from app.homework.models import DRAFT, SUBMITTED
from app.programme import service as programme
from app.programme.content import Exercise, Module
from app.web import redirect, render
from app.i18n import N_, _t  # noqa: F401 - interface text (app.i18n)

router = APIRouter(include_in_schema=False)

NOTICES = {
    "draft": N_("Your draft is saved. You can come back and finish it at any time."),
    "saved": N_("Saved. Well done for doing your practice."),
    "updated": N_("Your changes are saved."),
}
#: ?notice= values shown by the template itself (they carry a link).
RESUMED = "resumed"


async def _form_fields(request: Request) -> dict[str, Any]:
    """The posted form as plain strings (already parsed and cached by the CSRF check). An
    answer sent more than once (the ticked boxes of a "choices" field) becomes a list."""
    form = await request.form()
    out: dict[str, Any] = {}
    for k in form.keys():
        values = [v for v in form.getlist(k) if isinstance(v, str)]
        if values:
            out[k] = values if len(values) > 1 and k.startswith(forms.FORM_PREFIX) else values[-1]
    return out


FormFields = Annotated[dict[str, Any], Depends(_form_fields)]


def _labels(exercise: Exercise) -> dict[str, str]:
    """Error key -> the question's label, for the error summary."""
    out: dict[str, str] = {}
    for f in exercise.fields:
        out[f.name] = f.label
        for c in f.columns or []:
            for i in range(f.max_rows or 0):
                out[f"{f.name}.{i}.{c.name}"] = f"{c.label} (row {i + 1})"
    return out


def _form_page(request: Request, *, module: Module, exercise: Exercise, values: dict[str, Any],
               errors: dict[str, str], requested: dict[str, int] | None = None,
               entry: service.EntryView | None = None, form_key: str = "",
               notice: str | None = None, resumed: bool = False, status_code: int = 200) -> Response:
    counts = {f.name: forms.rows_to_show(f, values.get(f.name), (requested or {}).get(f.name))
              for f in exercise.fields if f.type == "rows"}
    action = f"/homework/entries/{entry.id}" if entry else f"/homework/{exercise.slug}"
    return render(request, "patient/homework_form.html", {
        "page_title": exercise.title, "module": module, "exercise": exercise, "values": values,
        "errors": errors, "labels": _labels(exercise), "row_counts": counts, "entry": entry,
        "action": action, "form_key": form_key, "notice": notice, "resumed": resumed}, status_code=status_code)


def _locked(request: Request, session: SessionDep, patient: User, e: programme.ModuleLocked) -> Response:
    """The same friendly 403 page as the lessons: when the module opens, what to do now."""
    return render(request, "patient/module_locked.html", {
        "page_title": _t('Module %(number)s is not open yet', number=e.status.number), "locked": e.status, "opens": e.detail,
        "current": programme.progress_summary(session, patient).current}, status_code=403)


def _open(request: Request, session: SessionDep, patient: User, module: Module) -> Response | None:
    try:
        programme.open_module(session, patient, module.slug)
    except programme.ModuleLocked as e:
        return _locked(request, session, patient, e)
    return None


def _action(form: dict[str, Any]) -> tuple[str, str | None]:
    """("draft" | "submit" | "add_row", field name for add_row)."""
    action = form.get("action", "submit")
    if action.startswith("add_row:"):
        return "add_row", action[len("add_row:"):]
    return ("draft" if action == "draft" else "submit"), None


def _save(request: Request, session: SessionDep, patient: User, module: Module, exercise: Exercise,
          form: dict[str, Any], entry: service.EntryView | None) -> Response:
    action, add_to = _action(form)
    raw, problems = forms.parse_form(exercise, form)
    form_key = form.get("form_key", "")[:64]
    if action == "add_row":
        return _form_page(request, module=module, exercise=exercise, values=raw, errors={}, entry=entry,
                          requested=forms.requested_rows(form, exercise, add_to), form_key=form_key)
    status = DRAFT if action == "draft" else SUBMITTED
    try:
        if problems:
            raise service.HomeworkInvalid(problems)
        if entry is None:
            saved = service.create(session, patient, exercise.slug, raw, status=status,
                                   idempotency_key=form_key or None)
        else:
            saved = service.update(session, patient, entry.id, answers=raw,
                                   status=SUBMITTED if status == SUBMITTED else None)
    except service.HomeworkInvalid as e:
        errors: dict[str, str] = {}
        for p in e.problems:
            errors.setdefault(p.key or "answers", p.msg)
        return _form_page(request, module=module, exercise=exercise, values=raw, errors=errors, entry=entry,
                          requested=forms.requested_rows(form, exercise, None), form_key=form_key,
                          status_code=422)
    except programme.ModuleLocked as e:
        return _locked(request, session, patient, e)
    notice = "draft" if saved.status == DRAFT else ("updated" if entry is not None else "saved")
    if saved.status == DRAFT:
        return redirect(f"/homework/entries/{saved.id}?notice={notice}")
    return redirect(f"/workbook?notice={notice}#entry-{saved.id}")


@router.get("/homework/{task_slug}")
def new_entry(request: Request, session: SessionDep, patient: PagePatient, task_slug: str,
              new: str = "") -> Response:
    """The exercise's form. With a draft saved, the module's link carries on from that draft
    (the newest one); `?new=1` asks for a blank form (a second entry)."""
    module, exercise = service.task_or_404(task_slug)
    locked = _open(request, session, patient, module)
    if locked is not None:
        return locked
    if not new:
        draft = service.latest_draft(session, patient.id, task_slug)
        if draft is not None:
            return redirect(f"/homework/entries/{draft.id}?notice={RESUMED}")
    return _form_page(request, module=module, exercise=exercise, values={}, errors={},
                      form_key=secrets.token_urlsafe(24))


@router.post("/homework/{task_slug}")
def create_entry(request: Request, session: SessionDep, patient: PagePatient, task_slug: str,
                 form: FormFields) -> Response:
    module, exercise = service.task_or_404(task_slug)
    locked = _open(request, session, patient, module)
    if locked is not None:
        return locked
    return _save(request, session, patient, module, exercise, form, None)


@router.get("/homework/entries/{entry_id}")
def edit_entry(request: Request, session: SessionDep, patient: PagePatient, entry_id: uuid.UUID,
               notice: str | None = None) -> Response:
    entry = service.get(session, patient.id, entry_id)
    module, exercise = service.task_or_404(entry.task_slug)
    locked = _open(request, session, patient, module)
    if locked is not None:
        return locked
    from app.guided import service as guided  # the care team's feedback on this entry (marked seen)
    request.state.homework_feedback = guided.feedback_for_entry(session, patient.id, entry.id, mark_seen=True)
    return _form_page(request, module=module, exercise=exercise, values=entry.answers, errors={}, entry=entry,
                      notice=NOTICES.get(notice or ""), resumed=notice == RESUMED and entry.status == DRAFT)


@router.post("/homework/entries/{entry_id}")
def update_entry(request: Request, session: SessionDep, patient: PagePatient, entry_id: uuid.UUID,
                 form: FormFields) -> Response:
    entry = service.get(session, patient.id, entry_id)
    module, exercise = service.task_or_404(entry.task_slug)
    return _save(request, session, patient, module, exercise, form, entry)


# ---------------------------------------------------------------- My workbook


def _workbook(session: SessionDep, patient: User) -> list[dict[str, Any]]:
    """Per module: its status and each exercise with its entries (newest first)."""
    statuses = {s.slug: s for s in programme.module_statuses(session, patient)}
    entries = service.entries_for(session, patient.id)
    out = []
    for m in programme.programme().modules:
        exercises = []
        for ex in m.exercises:
            mine = [e for e in entries if e.task_slug == ex.slug]
            state = ("done" if any(e.status == SUBMITTED for e in mine)
                     else "draft" if mine else "not_started")
            exercises.append({"exercise": ex, "entries": mine, "state": state})
        out.append({"module": m, "status": statuses[m.slug], "exercises": exercises})
    return out


@router.get("/workbook")
def workbook(request: Request, session: SessionDep, patient: PagePatient, notice: str | None = None) -> Response:
    from app.guided import service as guided
    return render(request, "patient/workbook.html", {
        "page_title": _t('My workbook'), "groups": _workbook(session, patient), "notice": NOTICES.get(notice or ""),
        "new_feedback": guided.unseen_feedback_entries(session, patient.id)})


@router.get("/workbook/print")
def workbook_print(request: Request, session: SessionDep, patient: PagePatient) -> Response:
    groups = [g for g in _workbook(session, patient) if any(x["entries"] for x in g["exercises"])]
    return render(request, "patient/workbook_print.html", {"page_title": _t('My workbook (print)'), "groups": groups})
