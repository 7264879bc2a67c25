"""Homework: entries for the exercises the module content defines.

Answers are validated against the exercise's fields (app.homework.forms), stored encrypted,
and can be saved as a draft, submitted, and edited afterwards. An exercise belongs to a module;
while that module is locked its exercises refuse entries (403 module_locked).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app import clock
from app.accounts.models import User
from app.errors import InvalidInput, NotFound
from app.homework import forms
from app.homework.models import DRAFT, SUBMITTED, HomeworkEntry
from app.programme import service as programme
from app.programme.content import Exercise, FieldDef, Module
from app.security import crypto
from app.i18n import N_, _t  # noqa: F401 - interface text (app.i18n)

STATUSES = (DRAFT, SUBMITTED)


class HomeworkInvalid(InvalidInput):
    """422 listing every problem, each located under body.answers (e.g. emotions, 0, intensity)."""

    MAX_LISTED = 50

    def __init__(self, problems: list[forms.Problem]) -> None:
        problems = problems[: self.MAX_LISTED]
        super().__init__(problems[0].msg if problems else "Some answers need another look.",
                         field="answers." + problems[0].key if problems else "answers")
        self.problems = problems

    def body(self) -> dict[str, Any]:
        return {"error": "validation_error",
                "detail": [{"loc": ["body", "answers", *p.loc], "msg": p.msg, "type": p.type}
                           for p in self.problems]}


@dataclass(frozen=True)
class Item:
    """One answered question, ready to show: text, or a table for rows."""

    label: str
    text: str = ""
    columns: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)


@dataclass(frozen=True)
class EntryView:
    id: uuid.UUID
    task_slug: str
    title: str
    module_slug: str
    module_number: int
    module_title: str
    status: str
    answers: dict[str, Any]
    content_version: int
    created_at: datetime
    updated_at: datetime
    submitted_at: datetime | None

    @property
    def items(self) -> list[Item]:
        found = programme.exercise(self.task_slug)
        return display_items(found[1], self.answers) if found else []


# ---------------------------------------------------------------- showing answers


def _show(f: FieldDef, v: Any) -> str:
    """A stored answer in the viewer's language: choices are stored in the default language
    (app.programme.locales) and shown in the translated words."""
    from app import i18n
    if v is None or v == "":
        return ""
    if f.type == "choices" and isinstance(v, list):
        return ", ".join(str(f.shown(x)) for x in v)  # (an older entry may hold free text: shown as it is)
    if f.type == "choice":
        return str(f.shown(v))
    if f.type == "rating_100":
        return _t("%(v)s out of 100", v=v)
    if f.type == "rating_10":
        return _t("%(v)s out of 10", v=v)
    if f.type == "date":
        try:
            return i18n.format_when(date.fromisoformat(v), "%A %-d %B %Y")
        except (TypeError, ValueError):
            return str(v)
    if f.type == "datetime":
        try:
            return i18n.format_when(datetime.fromisoformat(v), "%a %-d %b %Y, %H:%M")
        except (TypeError, ValueError):
            return str(v)
    return str(v)


def display_items(exercise: Exercise, answers: dict[str, Any]) -> list[Item]:
    """The answered questions in form order (unanswered ones left out)."""
    out = []
    for f in exercise.fields:
        v = answers.get(f.name)
        if v in (None, "", []):
            continue
        if f.type == "rows" and isinstance(v, list):
            cols = f.columns or []
            out.append(Item(label=f.label, columns=[c.label for c in cols],
                            rows=[[_show(c, r.get(c.name)) for c in cols] for r in v if isinstance(r, dict)]))
        else:
            out.append(Item(label=f.label, text=_show(f, v)))
    return out


# ---------------------------------------------------------------- reading


def task_or_404(task_slug: str) -> tuple[Module, Exercise]:
    found = programme.exercise(task_slug)
    if found is None:
        raise NotFound(_t('We could not find that exercise.'))
    return found


def _view(session: Session, row: HomeworkEntry) -> EntryView:
    found = programme.exercise(row.task_slug)
    module, ex = found if found else (None, None)
    answers = crypto.unseal_json(session, row, "answers_enc") or {}
    return EntryView(id=row.id, task_slug=row.task_slug, title=ex.title if ex else row.task_slug,
                     module_slug=row.module_slug, module_number=module.number if module else 0,
                     module_title=module.title if module else "", status=row.status, answers=answers,
                     content_version=row.content_version, created_at=row.created_at,
                     updated_at=row.updated_at, submitted_at=row.submitted_at)


def _own(session: Session, patient_id: uuid.UUID, entry_id: uuid.UUID) -> HomeworkEntry:
    row = session.scalars(select(HomeworkEntry).where(
        HomeworkEntry.id == entry_id, HomeworkEntry.patient_id == patient_id)).first()
    if row is None:  # missing, or someone else's: the same answer
        raise NotFound(_t('We could not find that entry.'))
    return row


def get(session: Session, patient_id: uuid.UUID, entry_id: uuid.UUID) -> EntryView:
    return _view(session, _own(session, patient_id, entry_id))


def entries_for(session: Session, patient_id: uuid.UUID, *, task_slug: str | None = None) -> list[EntryView]:
    """The patient's entries, most recently changed first."""
    q = select(HomeworkEntry).where(HomeworkEntry.patient_id == patient_id)
    if task_slug is not None:
        q = q.where(HomeworkEntry.task_slug == task_slug)
    rows = session.scalars(q.order_by(HomeworkEntry.updated_at.desc(), HomeworkEntry.id)).all()
    return [_view(session, r) for r in rows]


def latest_draft(session: Session, patient_id: uuid.UUID, task_slug: str) -> HomeworkEntry | None:
    """The patient's most recently changed draft of this exercise, if any."""
    return session.scalars(select(HomeworkEntry).where(
        HomeworkEntry.patient_id == patient_id, HomeworkEntry.task_slug == task_slug,
        HomeworkEntry.status == DRAFT).order_by(HomeworkEntry.updated_at.desc(), HomeworkEntry.id).limit(1)).first()


_LAST_ACTIVITY = select(func.max(HomeworkEntry.updated_at)).where(HomeworkEntry.patient_id == bindparam("patient_id"))


def last_activity_at(session: Session, patient_id: uuid.UUID) -> datetime | None:
    return session.scalar(_LAST_ACTIVITY, {"patient_id": patient_id})  # built once: the home page asks


# ---------------------------------------------------------------- writing


def check(exercise: Exercise, answers: Any, status: str, *, stored: bool = False) -> dict[str, Any]:
    """Clean answers, or HomeworkInvalid listing every problem."""
    clean, problems = forms.validate(exercise, answers, draft=status == DRAFT, stored=stored)
    if problems:
        raise HomeworkInvalid(problems)
    return clean


def _status(status: str) -> str:
    if status not in STATUSES:
        raise InvalidInput(_t('Status must be draft or submitted.'), field="status")
    return status


def create(session: Session, patient: User, task_slug: str, answers: Any, *, status: str = SUBMITTED,
           idempotency_key: str | None = None) -> EntryView:
    """A new entry (or, with an idempotency key already used by this patient, that entry updated)."""
    module, exercise = task_or_404(task_slug)
    programme.open_module(session, patient, module.slug)
    status = _status(status)
    clean = check(exercise, answers, status)
    if idempotency_key:
        existing = session.scalars(select(HomeworkEntry).where(
            HomeworkEntry.patient_id == patient.id, HomeworkEntry.idempotency_key == idempotency_key)).first()
        if existing is not None:
            if existing.task_slug != task_slug:
                raise InvalidInput(_t('This form was already used for another exercise.'), field="idempotency_key")
            return _write(session, existing, module, clean, status)
    now = clock.now()
    row = HomeworkEntry(id=uuid.uuid4(), patient_id=patient.id, task_slug=task_slug, module_slug=module.slug,
                        status=status, content_version=module.content_version, idempotency_key=idempotency_key,
                        submitted_at=now if status == SUBMITTED else None)
    crypto.seal_json(session, row, "answers_enc", clean)
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:  # the same form arrived twice at once: update the first one
        existing = session.scalars(select(HomeworkEntry).where(
            HomeworkEntry.patient_id == patient.id, HomeworkEntry.idempotency_key == idempotency_key)).one()
        return _write(session, existing, module, clean, status)
    if status == SUBMITTED:
        from app.homework import mood_feed
        mood_feed.feed(session, patient, row.id, task_slug, clean)
    return _view(session, row)


def update(session: Session, patient: User, entry_id: uuid.UUID, *, answers: Any = None,
           status: str | None = None) -> EntryView:
    """Edit an entry: replace its answers and/or submit a draft. A submitted entry stays submitted."""
    row = _own(session, patient.id, entry_id)
    module, exercise = task_or_404(row.task_slug)
    programme.open_module(session, patient, module.slug)
    new_status = _status(status) if status is not None else row.status
    if row.status == SUBMITTED and new_status == DRAFT:
        raise InvalidInput(_t('This entry is already submitted. You can still edit it.'), field="status")
    stored = answers is None
    if stored:
        answers = crypto.unseal_json(session, row, "answers_enc") or {}
    clean = check(exercise, answers, new_status, stored=stored)
    return _write(session, row, module, clean, new_status)


def _write(session: Session, row: HomeworkEntry, module: Module, clean: dict[str, Any], status: str) -> EntryView:
    if row.status == SUBMITTED:
        status = SUBMITTED
    if status == SUBMITTED and row.submitted_at is None:
        row.submitted_at = clock.now()
    row.status = status
    row.content_version = module.content_version
    crypto.seal_json(session, row, "answers_enc", clean)
    row.updated_at = clock.now()
    session.flush()
    if status == SUBMITTED:
        from app.homework import mood_feed  # module 2's log is part of the one mood record
        mood_feed.feed(session, _patient_of(session, row), row.id, row.task_slug, clean)
    return _view(session, row)


def _patient_of(session: Session, row: HomeworkEntry) -> User:
    from app.accounts import service as accounts
    user = accounts.get_user(session, row.patient_id)
    assert user is not None
    return user
