"""Guided support: the weekly review, clinical notes, homework feedback, opening a module
early. (The episode of care is in app/guided/episode.py.)

Access: every function taking a clinician and a patient id checks the assignment first
(clinician.service.assigned_patient: NotFound for anyone else, like a missing id). Every
clinician read is audited; notes and feedback are sealed.

The review schedule is guided_states.next_review_at, kept up to date here: a review sets it
to now + ICBT_REVIEW_INTERVAL_DAYS (default 7); a patient's message brings it forward to now
(so it shows in "Reviews due"); ending the episode clears it. A patient without a row yet is
due one interval after enrolment (`review_dates`). The reviews-due list reads the copy in the
stored caseload row (app.caseload, indexed by due time), refreshed on every change here.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from app import clock, i18n
from app.accounts import service as accounts
from app.accounts.models import User
from app.audit import service as audit
from app.config import get_settings
from app.errors import InvalidInput
from app.guided.models import ClinicalNote, GuidedState, HomeworkFeedback, ModuleOpening, Review
from app.security import crypto
from app.i18n import N_, _t  # noqa: F401 - interface text (app.i18n)

MAX_LENGTH: Final = 5000
ENDED: Final = ("finished", "dropped_out", "stepped_up", "discharged")
PAGE_SIZE: Final = 50


def interval() -> timedelta:
    return timedelta(days=get_settings().review_interval_days)


def clean(text: str | None, field: str, what: str = "a note") -> str:
    value = (text or "").replace("\r\n", "\n").strip()
    if not value:
        raise InvalidInput(_t('Please write %(what)s.', what=what), field=field)
    if len(value) > MAX_LENGTH:
        raise InvalidInput(_t('Please keep this to %(MAX_LENGTH)s characters or fewer (it has %(value)s).', MAX_LENGTH=MAX_LENGTH, value=len(value)),
                           field=field)
    return value


def _assigned(session: Session, clinician: User, patient_id: uuid.UUID) -> User:
    from app.clinician import service as clinician_service
    return clinician_service.assigned_patient(session, clinician, patient_id)


def _audit_view(session: Session, clinician: User, patient_id: uuid.UUID, record_type: str,
                record_id: Any = None) -> None:
    audit.record(session, action="record.view", actor_id=clinician.id, actor_role=clinician.role.value,
                 patient_id=patient_id, record_type=record_type, record_id=record_id or patient_id)


# ---------------------------------------------------------------- per-patient state


def state(session: Session, patient: User) -> GuidedState:
    row = session.get(GuidedState, patient.id)
    if row is None:
        start = patient.enrolled_at or clock.now()
        row = GuidedState(patient_id=patient.id, next_review_at=start + interval(), episode_status="active")
        session.add(row)
        session.flush()
        _caseload(session, patient.id)
    return row


def _caseload(session: Session, patient_id: uuid.UUID) -> None:
    """The review schedule changed: the caseload row is recomputed at commit (app.caseload)."""
    from app.caseload import service as caseload
    caseload.refresh(session, patient_id)


def bring_review_forward(session: Session, patient: User) -> None:
    """A patient wrote: their review is due now (unless it already is)."""
    row, now = state(session, patient), clock.now()
    if row.episode_status not in ENDED and (row.next_review_at is None or row.next_review_at > now):
        row.next_review_at = now
        session.flush()
        _caseload(session, patient.id)


# ---------------------------------------------------------------- reviews due


@dataclass
class DueRow:
    id: uuid.UUID
    name: str
    due_at: datetime
    last_review_at: datetime | None
    unread_messages: int

    def overdue(self, now: datetime) -> bool:
        return self.due_at < now - timedelta(days=1)


def reviews_due(session: Session, clinician: User, *, page: int = 1) -> tuple[list[DueRow], int]:
    """Assigned patients whose review is due (next_review_at <= now), most overdue first,
    50 a page, from the stored caseload rows (indexed by due time). Ended episodes are not
    due. Audited as one list view."""
    from app.caseload import service as caseload
    from app.messages import service as messages

    now = clock.now()
    stored, total = caseload.reviews_due_page(session, clinician.id, now=now, page=page, per_page=PAGE_SIZE)
    ids = [r.patient_id for r in stored]
    users = {u.id: u for u in session.scalars(select(User).where(User.id.in_(ids)))} if ids else {}
    last = dict(session.execute(select(GuidedState.patient_id, GuidedState.last_review_at)
                                .where(GuidedState.patient_id.in_(ids))).all()) if ids else {}
    unread = messages.unread_from_patients(session, ids)
    from app.alerts import service as alerts
    alerts.preload_keys(session, set(ids))
    out = []
    for r in stored:
        user = users[r.patient_id]
        out.append(DueRow(id=r.patient_id, name=accounts.display_name_of(session, user) or accounts.email_of(session, user),
                          due_at=r.review_due_at or now, last_review_at=last.get(r.patient_id),
                          unread_messages=unread.get(r.patient_id, 0)))
    audit.record(session, action="record.list", actor_id=clinician.id, actor_role=clinician.role.value,
                 record_type="reviews_due", record_id=f"page={page}")
    return out, total


# ---------------------------------------------------------------- the week on one screen


@dataclass
class CheckinChange:
    view: Any                    # assessments AssessmentView
    previous: Any | None         # the one before it (same instrument)

    @property
    def delta(self) -> int | None:
        if self.previous is None or self.previous.total is None or self.view.total is None:
            return None
        return self.view.total - self.previous.total

    def item_change(self, i: int) -> int | None:
        if self.previous is None:
            return None
        a, b = self.view.answers, self.previous.answers
        if i >= len(a) or i >= len(b) or a[i] is None or b[i] is None:
            return None
        return a[i] - b[i]


@dataclass
class Week:
    patient: User
    name: str
    since: datetime
    checkins: list[CheckinChange] = field(default_factory=list)
    moods: list[Any] = field(default_factory=list)
    mood_chart: Any = None
    lessons_done: list[Any] = field(default_factory=list)
    homework_done: list[Any] = field(default_factory=list)
    alerts: list[Any] = field(default_factory=list)
    messages: list[Any] = field(default_factory=list)
    notes: list[Any] = field(default_factory=list)
    state: Any = None


def week(session: Session, clinician: User, patient_id: uuid.UUID) -> Week:
    """Everything since the last review (at most the last 14 days, at least the interval)."""
    from app.alerts import service as alerts
    from app.assessments import service as assessments
    from app.diary import service as diary
    from app.homework import service as homework
    from app.messages import service as messages
    from app.programme import service as programme

    patient = _assigned(session, clinician, patient_id)
    now = clock.now()
    st = state(session, patient)
    since = max(min(st.last_review_at or now - interval(), now - interval()), now - timedelta(days=14))
    w = Week(patient=patient, name=accounts.display_name_of(session, patient) or accounts.email_of(session, patient),
             since=since, state=st)
    for instrument in ("phq9", "gad7"):
        hist = assessments.history(session, patient.id, instrument)
        for i, v in enumerate(hist):
            if v.taken_at >= since:
                w.checkins.append(CheckinChange(v, hist[i - 1] if i > 0 else None))
    w.checkins.sort(key=lambda c: c.view.taken_at)
    w.moods = diary.mood_points(session, patient.id, since)
    from app import charts
    w.mood_chart = charts.mood_chart([(m.recorded_at, m.mood) for m in w.moods])
    w.lessons_done = [m for m in programme.module_statuses(session, patient)
                      if m.completed_at is not None and m.completed_at >= since]
    w.homework_done = [h for h in homework.entries_for(session, patient.id)
                       if (h.submitted_at or h.updated_at) >= since]
    w.alerts = [a for a in alerts.alerts_for_patient(session, clinician.id, patient.id) if a.status != "resolved"]
    w.messages = messages.since(session, patient.id, since, clinician)
    w.notes = notes(session, clinician, patient.id, audited=False)[:5]
    _audit_view(session, clinician, patient.id, "weekly_review")
    return w


def complete_review(session: Session, clinician: User, patient_id: uuid.UUID, note: str | None,
                    message: str | None = None, *, idempotency_key: str | None = None) -> Review:
    """The private note and the optional message to the patient, in one step; the next
    review becomes due one interval from now. Bad input stores nothing."""
    from app.messages import service as messages

    patient = _assigned(session, clinician, patient_id)
    text = clean(note, "note", "a note about this review")
    reply = messages.clean_body(message, "message") if (message or "").strip() else None
    if reply and idempotency_key:  # a resent review form: the review already recorded
        sent_id = messages.id_for_key(session, patient.id, idempotency_key)
        done = session.scalars(select(Review).where(Review.patient_id == patient.id, Review.message_id == sent_id)).first() if sent_id else None
        if done is not None:
            return done
    now = clock.now()
    n = _add_note(session, clinician, patient, text, kind="review")
    sent = (messages.send_from_clinician(session, clinician, patient, reply, field="message",
                                         idempotency_key=idempotency_key) if reply else None)
    review = Review(id=uuid.uuid4(), patient_id=patient.id, clinician_id=clinician.id, note_id=n.id,
                    message_id=sent.id if sent else None, reviewed_at=now)
    session.add(review)
    st = state(session, patient)
    st.last_review_at, st.next_review_at = now, now + interval()
    session.flush()
    _caseload(session, patient.id)
    audit.record(session, action="review.complete", actor_id=clinician.id, actor_role=clinician.role.value,
                 patient_id=patient.id, record_type="review", record_id=review.id)
    return review


# ---------------------------------------------------------------- clinical notes


@dataclass(frozen=True)
class NoteView:
    id: uuid.UUID
    kind: str
    author: str
    body: str
    created_at: datetime


def _add_note(session: Session, clinician: User, patient: User, text: str, *, kind: str = "note") -> ClinicalNote:
    row = ClinicalNote(id=uuid.uuid4(), patient_id=patient.id, author_id=clinician.id, kind=kind,
                       created_at=clock.now())
    crypto.seal(session, row, "body_enc", text)
    session.add(row)
    session.flush()
    return row


def add_note(session: Session, clinician: User, patient_id: uuid.UUID, body: str | None) -> NoteView:
    patient = _assigned(session, clinician, patient_id)
    row = _add_note(session, clinician, patient, clean(body, "body"))
    audit.record(session, action="note.create", actor_id=clinician.id, actor_role=clinician.role.value,
                 patient_id=patient.id, record_type="clinical_note", record_id=row.id)
    return _note_view(session, row, {})


def _note_view(session: Session, row: ClinicalNote, names: dict[uuid.UUID | None, str]) -> NoteView:
    if row.author_id not in names:
        u = accounts.get_user(session, row.author_id) if row.author_id else None
        names[row.author_id] = (accounts.display_name_of(session, u) or accounts.email_of(session, u)) if u else "(removed)"
    return NoteView(id=row.id, kind=row.kind, author=names[row.author_id],
                    body=crypto.unseal(session, row, "body_enc") or "", created_at=row.created_at)


def notes(session: Session, clinician: User, patient_id: uuid.UUID, *, audited: bool = True) -> list[NoteView]:
    """Newest first (audited read)."""
    patient = _assigned(session, clinician, patient_id)
    rows = session.scalars(select(ClinicalNote).where(ClinicalNote.patient_id == patient.id)
                           .order_by(ClinicalNote.created_at.desc(), ClinicalNote.id.desc()).limit(200)).all()
    names: dict[uuid.UUID | None, str] = {}
    if audited:
        _audit_view(session, clinician, patient.id, "clinical_notes")
    return [_note_view(session, r, names) for r in rows]


# ---------------------------------------------------------------- homework feedback


@dataclass(frozen=True)
class FeedbackView:
    id: uuid.UUID
    entry_id: uuid.UUID
    author: str
    body: str
    created_at: datetime
    seen_at: datetime | None


def give_feedback(session: Session, clinician: User, patient_id: uuid.UUID, entry_id: uuid.UUID,
                  body: str | None) -> FeedbackView:
    from app.homework import service as homework
    from app.mail import service as mail

    patient = _assigned(session, clinician, patient_id)
    homework.get(session, patient.id, entry_id)  # NotFound unless it is this patient's entry
    row = HomeworkFeedback(id=uuid.uuid4(), patient_id=patient.id, entry_id=entry_id, author_id=clinician.id,
                           created_at=clock.now())
    crypto.seal(session, row, "body_enc", clean(body, "body", "your feedback"))
    session.add(row)
    session.flush()
    base = get_settings().base_url.rstrip("/")
    with i18n.using(i18n.for_account(patient)):   # the patient's language, not the clinician's
        subject = _t("Your care team has left feedback")
        text = _t("Your care team has commented on your practice. Sign in to read it: %(link)s",
                  link=f"{base}/workbook")
    mail.enqueue(session, kind="feedback_notice", subject=subject, user_id=patient.id, body=text, ref_id=row.id)
    audit.record(session, action="feedback.create", actor_id=clinician.id, actor_role=clinician.role.value,
                 patient_id=patient.id, record_type="homework_feedback", record_id=row.id)
    return _feedback_view(session, row, {})


def _feedback_view(session: Session, row: HomeworkFeedback, names: dict[uuid.UUID | None, str]) -> FeedbackView:
    if row.author_id not in names:
        u = accounts.get_user(session, row.author_id) if row.author_id else None
        names[row.author_id] = (accounts.display_name_of(session, u) if u else None) or _t("Your care team")
    return FeedbackView(id=row.id, entry_id=row.entry_id, author=names[row.author_id],
                        body=crypto.unseal(session, row, "body_enc") or "", created_at=row.created_at,
                        seen_at=row.seen_at)


def feedback_for_entry(session: Session, patient_id: uuid.UUID, entry_id: uuid.UUID, *,
                       mark_seen: bool = False) -> list[FeedbackView]:
    """The feedback on one entry of this patient's, oldest first (the patient's own view)."""
    rows = session.scalars(select(HomeworkFeedback).where(
        HomeworkFeedback.patient_id == patient_id, HomeworkFeedback.entry_id == entry_id)
        .order_by(HomeworkFeedback.created_at, HomeworkFeedback.id)).all()
    names: dict[uuid.UUID | None, str] = {}
    views = [_feedback_view(session, r, names) for r in rows]
    if mark_seen:
        now = clock.now()
        for r in rows:
            if r.seen_at is None:
                r.seen_at = now
        session.flush()
    return views


def unseen_feedback_entries(session: Session, patient_id: uuid.UUID) -> set[uuid.UUID]:
    return set(session.scalars(select(HomeworkFeedback.entry_id).where(
        HomeworkFeedback.patient_id == patient_id, HomeworkFeedback.seen_at.is_(None))))


# ---------------------------------------------------------------- opening a module early


def open_module(session: Session, clinician: User, patient_id: uuid.UUID, slug: str) -> ModuleOpening:
    from app.programme import service as programme

    patient = _assigned(session, clinician, patient_id)
    programme.module_or_404(slug)  # NotFound for an unknown module
    row = session.scalars(select(ModuleOpening).where(ModuleOpening.patient_id == patient.id,
                                                      ModuleOpening.module_slug == slug)).first()
    if row is None:
        row = ModuleOpening(id=uuid.uuid4(), patient_id=patient.id, module_slug=slug, opened_by=clinician.id,
                            opened_at=clock.now())
        session.add(row)
        session.flush()
        audit.record(session, action="module.open_early", actor_id=clinician.id, actor_role=clinician.role.value,
                     patient_id=patient.id, record_type="module_opening", record_id=row.id)
    from app.guided import shaping
    shaping.lift_for_open_early(session, clinician, patient, slug)  # opening early lifts a hold
    return row


_OPENINGS = (select(ModuleOpening.module_slug, ModuleOpening.opened_at)  # built once: every programme page
             .where(ModuleOpening.patient_id == bindparam("patient_id")))


def opened_early(session: Session, patient_id: uuid.UUID) -> dict[str, datetime]:
    """module slug -> when a clinician opened it for this patient (the programme schedule reads this)."""
    return {s: at for s, at in session.execute(_OPENINGS, {"patient_id": patient_id})}


# ---------------------------------------------------------------- for the caseload


def review_dates(session: Session, patients: list[User]) -> dict[uuid.UUID, tuple[datetime | None, datetime | None]]:
    """Per patient: (the next review as shown, when it is due: None once the episode ended).
    A patient without a row yet is due one interval after enrolment, as `state` would make it.
    One query for the batch (app.caseload keeps these in its row)."""
    rows = {r.patient_id: r for r in session.scalars(
        select(GuidedState).where(GuidedState.patient_id.in_([p.id for p in patients])))} if patients else {}
    out: dict[uuid.UUID, tuple[datetime | None, datetime | None]] = {}
    step = interval()
    for p in patients:
        r = rows.get(p.id)
        if r is None:
            at = (p.enrolled_at or p.created_at) + step
            out[p.id] = (at, at)
        else:
            out[p.id] = (r.next_review_at, None if r.episode_status in ENDED else r.next_review_at)
    return out
