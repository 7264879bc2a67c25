"""Mood diary pages: quick entry, list, week view, edit, delete, and "I am not safe right now"."""

from __future__ import annotations

import logging
import secrets
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response
from pydantic import ValidationError

from app import clock, i18n
from app.accounts.dependencies import PagePatient
from app.accounts.models import User
from app.db import SessionDep
from app.diary import service
from app.diary.schemas import (
    ACTIVITIES_MAX,
    ACTIVITY_MAX_CHARS,
    EMOTIONS,
    MOOD_MAX,
    MOOD_MIN,
    NOTE_MAX,
    SLEEP_MAX,
    SLEEP_STEP,
    DiaryIn,
    DiaryPatch,
)
from app.errors import InvalidInput, NotFound
from app.web import redirect, render
from app.i18n import N_, _t  # noqa: F401 - interface text (app.i18n)

log = logging.getLogger("icbt.diary")
router = APIRouter(include_in_schema=False)

PAGE_SIZE = 30
RECENT = 5
NOTICES = {
    "saved": N_("Saved. Thank you for taking a moment for yourself."),
    "updated": N_("Your entry has been updated."),
    "deleted": N_("The entry has been deleted."),
}
TIME_FORMAT = "%Y-%m-%dT%H:%M"


# ---------------------------------------------------------------- the form


def new_key() -> str:
    """A random key for one form: the same form sent twice stores one entry."""
    return secrets.token_urlsafe(24)


class DiaryForm:
    """Raw form fields, as typed, to show again beside their errors."""

    def __init__(self, mood: str = "", emotions: list[str] | None = None, note: str = "",
                 sleep_hours: str = "", activities: str = "", recorded_at: str = "",
                 idempotency_key: str = "") -> None:
        self.mood, self.emotions, self.note = mood.strip(), emotions or [], note
        self.sleep_hours, self.activities = sleep_hours.strip(), activities
        self.recorded_at, self.idempotency_key = recorded_at.strip(), idempotency_key.strip()

    @classmethod
    def of(cls, e: service.DiaryView) -> DiaryForm:
        return cls(mood=str(e.mood), emotions=list(e.emotions), note=e.note or "",
                   sleep_hours="" if e.sleep_hours is None else f"{e.sleep_hours:g}",
                   activities=", ".join(e.activities), recorded_at=e.recorded_at.strftime(TIME_FORMAT))

    @property
    def has_details(self) -> bool:
        return bool(self.note.strip() or self.sleep_hours or self.activities.strip() or self.recorded_at)

    def parse(self) -> tuple[dict[str, Any], dict[str, str]]:
        """(values for DiaryIn, errors by field). Nothing is stored unless errors is empty."""
        errors: dict[str, str] = {}
        values: dict[str, Any] = {}
        try:
            mood = int(self.mood)
            if not MOOD_MIN <= mood <= MOOD_MAX:
                raise ValueError
            values["mood"] = mood
        except ValueError:
            errors["mood"] = _t('Choose a number from %(MOOD_MIN)s (very low) to %(MOOD_MAX)s (very good).', MOOD_MIN=MOOD_MIN, MOOD_MAX=MOOD_MAX)
        if any(e not in EMOTIONS for e in self.emotions):
            errors["emotions"] = _t('Choose feelings from the list.')
        else:
            values["emotions"] = list(dict.fromkeys(self.emotions))
        if len(self.note) > NOTE_MAX:
            errors["note"] = _t('Please keep the note to %(NOTE_MAX)s characters (it has %(note)s).',
                                NOTE_MAX=i18n.format_number(NOTE_MAX), note=i18n.format_number(len(self.note)))
        else:
            values["note"] = self.note.strip() or None
        if self.sleep_hours:
            try:
                hours = float(self.sleep_hours.replace(",", "."))
                if not 0 <= hours <= SLEEP_MAX or (hours / SLEEP_STEP) != int(hours / SLEEP_STEP):
                    raise ValueError
                values["sleep_hours"] = hours
            except ValueError:
                errors["sleep_hours"] = _t('Enter hours of sleep from 0 to %(SLEEP_MAX)s, in half hours (like 7 or 7.5).', SLEEP_MAX=SLEEP_MAX)
        acts = [a.strip() for a in self.activities.replace("\n", ",").split(",") if a.strip()]
        if len(acts) > ACTIVITIES_MAX:
            errors["activities"] = _t('Please list up to %(ACTIVITIES_MAX)s activities (there are %(acts)s).', ACTIVITIES_MAX=ACTIVITIES_MAX, acts=len(acts))
        elif any(len(a) > ACTIVITY_MAX_CHARS for a in acts):
            errors["activities"] = _t('Keep each activity to %(ACTIVITY_MAX_CHARS)s characters.', ACTIVITY_MAX_CHARS=ACTIVITY_MAX_CHARS)
        else:
            values["activities"] = list(dict.fromkeys(acts))
        if self.recorded_at:
            try:
                values["recorded_at"] = datetime.strptime(self.recorded_at, TIME_FORMAT).replace(tzinfo=UTC)
            except ValueError:
                errors["recorded_at"] = _t('Enter a date and time, or leave it empty for now.')
        return values, errors


def _validated(form: DiaryForm) -> tuple[DiaryIn | None, dict[str, str]]:
    values, errors = form.parse()
    if errors:
        return None, errors
    try:
        return DiaryIn(**values), {}
    except ValidationError as e:  # the schema's bounds are the last word
        return None, {str(err["loc"][0]): err["msg"] for err in e.errors()}


def _form_context(form: DiaryForm, errors: dict[str, str]) -> dict[str, Any]:
    return {"form": form, "errors": errors, "emotions": EMOTIONS,
            "limits": {"note": NOTE_MAX, "sleep": SLEEP_MAX, "sleep_step": SLEEP_STEP,
                       "activities": ACTIVITIES_MAX, "activity_chars": ACTIVITY_MAX_CHARS},
            "now_local": clock.now().strftime(TIME_FORMAT)}


def _care_team(session: SessionDep, patient: User, saved: service.DiaryView):  # type: ignore[no-untyped-def]
    """The care team's status for the alert this entry raised, from its routing and delivery."""
    from app.alerts import honesty
    alert = honesty.latest_active(session, patient.id, {f.rule for f in saved.flags})
    return honesty.status_for(session, alert) if alert is not None else None


def _diary_page(request: Request, session: SessionDep, patient: User, form: DiaryForm,
                errors: dict[str, str], *, saved: service.DiaryView | None = None,
                notice: str | None = None, status_code: int = 200) -> Response:
    ctx = _form_context(form, errors)
    ctx.update({
        "recent": service.list_for(session, patient.id, limit=RECENT),
        "streak": service.streak(session, patient.id),
        "total": service.count(session, patient.id),
        "saved": saved, "pathway": saved.escalation if saved else None,
        "care": _care_team(session, patient, saved) if saved and saved.escalation else None,
        "notice": notice, "page_title": _t('Mood diary'),
    })
    return render(request, "patient/diary.html", ctx, status_code=status_code)


FormStr = Annotated[str, Form(max_length=20_000)]
ShortStr = Annotated[str, Form(max_length=64)]


# ---------------------------------------------------------------- routes


@router.get("/diary")
def diary(request: Request, session: SessionDep, patient: PagePatient,
          saved: Annotated[uuid.UUID | None, Query()] = None,
          notice: Annotated[str | None, Query(max_length=20)] = None) -> Response:
    entry = None
    if saved is not None:
        try:
            entry = service.get(session, patient.id, saved)
        except NotFound:
            entry = None
    return _diary_page(request, session, patient, DiaryForm(idempotency_key=new_key()), {},
                       saved=entry, notice=NOTICES.get(notice or "") or (NOTICES["saved"] if entry else None))


@router.post("/diary")
def create(request: Request, session: SessionDep, patient: PagePatient,
           mood: ShortStr = "", emotions: Annotated[list[str], Form()] = [],  # noqa: B006
           note: FormStr = "", sleep_hours: ShortStr = "", activities: FormStr = "",
           recorded_at: ShortStr = "", idempotency_key: ShortStr = "") -> Response:
    form = DiaryForm(mood, emotions[:50], note, sleep_hours, activities, recorded_at,
                     idempotency_key or new_key())
    data, errors = _validated(form)
    if data is not None:
        try:
            entry = service.create(session, patient, data, idempotency_key=form.idempotency_key)
        except InvalidInput as e:
            errors = {e.field or "mood": e.detail}
        else:
            return redirect(f"/diary?saved={entry.id}")
    return _diary_page(request, session, patient, form, errors, status_code=422)


@router.get("/diary/entries")
def entries(request: Request, session: SessionDep, patient: PagePatient,
            page: Annotated[int, Query(ge=1, le=100_000)] = 1,
            notice: Annotated[str | None, Query(max_length=20)] = None) -> Response:
    rows = service.list_for(session, patient.id, limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE)
    return render(request, "patient/diary_entries.html", {
        "entries": rows[:PAGE_SIZE], "page": page, "has_more": len(rows) > PAGE_SIZE,
        "emotions": EMOTIONS, "notice": NOTICES.get(notice or ""), "page_title": _t('All diary entries')})


@router.get("/diary/week")
def week(request: Request, session: SessionDep, patient: PagePatient,
         start: Annotated[date | None, Query()] = None) -> Response:
    today = clock.now().date()
    if start is not None and not (date(2000, 1, 1) <= start <= today + timedelta(days=7)):
        start = None
    w = service.week(session, patient.id, start)
    return render(request, "patient/diary_week.html", {
        "week": w, "emotions": EMOTIONS, "today": today, "page_title": _t('Your week')})


@router.get("/diary/{entry_id}/edit")
def edit_form(request: Request, session: SessionDep, patient: PagePatient, entry_id: uuid.UUID) -> Response:
    entry = service.get(session, patient.id, entry_id)
    return render(request, "patient/diary_edit.html", {
        **_form_context(DiaryForm.of(entry), {}), "entry": entry, "page_title": _t('Change a diary entry')})


@router.post("/diary/{entry_id}/edit")
def edit(request: Request, session: SessionDep, patient: PagePatient, entry_id: uuid.UUID,
         mood: ShortStr = "", emotions: Annotated[list[str], Form()] = [],  # noqa: B006
         note: FormStr = "", sleep_hours: ShortStr = "", activities: FormStr = "",
         recorded_at: ShortStr = "") -> Response:
    entry = service.get(session, patient.id, entry_id)
    form = DiaryForm(mood, emotions[:50], note, sleep_hours, activities, recorded_at)
    data, errors = _validated(form)
    if data is not None:
        fields = data.model_dump(exclude={"recorded_at"})
        if data.recorded_at is not None:
            fields["recorded_at"] = data.recorded_at
        try:
            updated = service.update(session, patient, entry_id, DiaryPatch(**fields))
        except InvalidInput as e:
            errors = {e.field or "mood": e.detail}
        else:
            if updated.flags:
                return redirect(f"/diary?saved={updated.id}&notice=updated")
            return redirect("/diary/entries?notice=updated")
    return render(request, "patient/diary_edit.html", {
        **_form_context(form, errors), "entry": entry, "page_title": _t('Change a diary entry')},
        status_code=422)


@router.get("/diary/{entry_id}/delete")
def delete_confirm(request: Request, session: SessionDep, patient: PagePatient,
                   entry_id: uuid.UUID) -> Response:
    entry = service.get(session, patient.id, entry_id)
    return render(request, "patient/diary_delete.html", {"entry": entry, "emotions": EMOTIONS,
                                                          "page_title": _t('Delete a diary entry')})


@router.post("/diary/{entry_id}/delete")
def delete(request: Request, session: SessionDep, patient: PagePatient, entry_id: uuid.UUID) -> Response:
    service.delete(session, patient, entry_id)
    return redirect("/diary/entries?notice=deleted")


@router.post("/diary/not-safe")
def not_safe(request: Request, session: SessionDep, patient: PagePatient) -> Response:
    """"I am not safe right now": raise an emergency flag (if the monitor is installed), then
    show where to get help. Getting the person to help matters more than anything else here,
    so a failure to record it is logged and the help page is shown all the same."""
    from app.safety.pages import not_safe_response
    return not_safe_response(request, session, patient, "diary")


