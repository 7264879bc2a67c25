"""Shaping the programme for one patient: hold a module that is not open yet (with a private
reason and, optionally, a message for the patient), lift the hold, and set the patient's own
release interval (1-28 days) or put it back to the service default.

The rule itself is the pure `app.programme.schedule.compute` (holds, interval changes); this
module keeps the rows and checks the input. Only the patient's assigned clinicians (NotFound
for anyone else, as for a missing id); every change is audited; bad input stores nothing.

The private reason is stored as a clinical note of kind "hold" (sealed, shown only to
clinicians, left out of the patient's export like every clinical note); the message for the
patient is sealed on the hold row and shown on their modules list and home page.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app import clock
from app.accounts import service as accounts
from app.accounts.models import User
from app.audit import service as audit
from app.errors import Conflict, InvalidInput, NotFound
from app.guided import service
from app.guided.models import ClinicalNote, IntervalChange, ModuleHold
from app.i18n import _t, ngettext
from app.programme import schedule
from app.security import crypto

MIN_DAYS: Final = 1
MAX_DAYS: Final = 28
MESSAGE_MAX: Final = 1000


def _audit(session: Session, clinician: User, patient: User, action: str, record_type: str, record_id: object) -> None:
    audit.record(session, action=action, actor_id=clinician.id, actor_role=clinician.role.value,
                 patient_id=patient.id, record_type=record_type, record_id=record_id)


def audit_read(session: Session, clinician: User, patient_id: uuid.UUID) -> None:
    """A clinician read this patient's pace (interval and holds, with the private reasons)."""
    _audit(session, clinician, service._assigned(session, clinician, patient_id), "record.view", "programme_pace",
           patient_id)


def _active(session: Session, patient_id: uuid.UUID, slug: str | None = None) -> list[ModuleHold]:
    q = select(ModuleHold).where(ModuleHold.patient_id == patient_id, ModuleHold.released_at.is_(None))
    if slug is not None:
        q = q.where(ModuleHold.module_slug == slug)
    return list(session.scalars(q.order_by(ModuleHold.held_at, ModuleHold.id)))


# ---------------------------------------------------------------- holds


def clean_message(text: str | None) -> str | None:
    value = (text or "").replace("\r\n", "\n").strip()
    if not value:
        return None
    if len(value) > MESSAGE_MAX:
        raise InvalidInput(_t('Please keep the message to %(max)s characters or fewer (it has %(n)s).',
                              max=MESSAGE_MAX, n=len(value)), field="message")
    return value


def hold(session: Session, clinician: User, patient_id: uuid.UUID, slug: str, reason: str | None,
         message: str | None = None) -> ModuleHold:
    """Hold a module that is not open yet. Conflict if it is open already (an open module never
    locks again) or already held; InvalidInput (nothing stored) for an empty reason."""
    from app.programme import service as programme

    patient = service._assigned(session, clinician, patient_id)
    status = programme.status_of(session, patient, slug)   # NotFound for an unknown module
    why = service.clean(reason, "reason", "the reason for the hold")
    words = clean_message(message)
    if status.is_open:
        raise Conflict(_t('Module %(number)s is already open; an open module stays open.', number=status.number),
                       code="module_open")
    if _active(session, patient.id, slug):
        raise Conflict(_t('Module %(number)s is already held.', number=status.number), code="module_held")
    note = service._add_note(session, clinician, patient, why, kind="hold")
    row = ModuleHold(id=uuid.uuid4(), patient_id=patient.id, module_slug=slug, note_id=note.id,
                     held_by=clinician.id, held_at=clock.now())
    crypto.seal(session, row, "message_enc", words)
    session.add(row)
    session.flush()
    _audit(session, clinician, patient, "module.hold", "module_hold", row.id)
    return row


def lift(session: Session, clinician: User, patient_id: uuid.UUID, slug: str, *,
         missing_ok: bool = False) -> ModuleHold | None:
    """Lift the hold: the module opens now if the schedule says it should have by now.
    NotFound if it is not held (None with `missing_ok`: a form sent twice)."""
    from app.programme import service as programme

    patient = service._assigned(session, clinician, patient_id)
    programme.module_or_404(slug)
    rows = _active(session, patient.id, slug)
    if not rows:
        if missing_ok:
            return None
        raise NotFound(_t('That module is not held.'))
    _release(session, clinician, patient, rows, "lifted")
    return rows[-1]


def lift_for_open_early(session: Session, clinician: User, patient: User, slug: str) -> None:
    """Opening a module early lifts any hold on it (schedule.py: opened early beats a hold)."""
    rows = _active(session, patient.id, slug)
    if rows:
        _release(session, clinician, patient, rows, "opened_early")


def _release(session: Session, clinician: User, patient: User, rows: list[ModuleHold], how: str) -> None:
    now = clock.now()
    for row in rows:
        row.released_at, row.released_by, row.released_how = now, clinician.id, how
    session.flush()
    for row in rows:
        _audit(session, clinician, patient, "module.hold_lift", "module_hold", row.id)


# Built once: the schedule reads them on every programme page (issue 18).
_HOLDS = select(ModuleHold).where(ModuleHold.patient_id == bindparam("patient_id")).order_by(ModuleHold.held_at,
                                                                                            ModuleHold.id)
_INTERVALS = (select(IntervalChange.changed_at, IntervalChange.days)
              .where(IntervalChange.patient_id == bindparam("patient_id")).order_by(IntervalChange.seq))


def holds_and_messages(session: Session, patient_id: uuid.UUID
                       ) -> tuple[dict[str, list[schedule.Hold]], dict[str, str | None]]:
    """holds_of and hold_messages from one read of the patient's holds (the schedule needs
    both); only the messages of current holds are decrypted."""
    holds: dict[str, list[schedule.Hold]] = {}
    messages: dict[str, str | None] = {}
    for r in session.scalars(_HOLDS, {"patient_id": patient_id}):
        holds.setdefault(r.module_slug, []).append(schedule.Hold(r.held_at, r.released_at))
        if r.released_at is None:
            messages[r.module_slug] = _message(session, r)
    return holds, messages


def holds_of(session: Session, patient_id: uuid.UUID) -> dict[str, list[schedule.Hold]]:
    """slug -> its holds, for the schedule (plain times only: nothing to decrypt)."""
    out: dict[str, list[schedule.Hold]] = {}
    for slug, held_at, released_at in session.execute(
            select(ModuleHold.module_slug, ModuleHold.held_at, ModuleHold.released_at)
            .where(ModuleHold.patient_id == patient_id).order_by(ModuleHold.held_at)):
        out.setdefault(slug, []).append(schedule.Hold(held_at, released_at))
    return out


def hold_messages(session: Session, patient_id: uuid.UUID) -> dict[str, str | None]:
    """slug -> the message for the patient of its current hold (None if they wrote none).
    Never the private reason: that is a clinical note, not read here."""
    return {r.module_slug: _message(session, r) for r in _active(session, patient_id)}


def _message(session: Session, row: ModuleHold) -> str | None:
    text = crypto.unseal(session, row, "message_enc")
    return str(text) if text is not None and not isinstance(text, crypto.Unreadable) else None


# ---------------------------------------------------------------- the release interval


def valid_days(days: object) -> int | None:
    """None (the service default) or a whole number of days from 1 to 28; InvalidInput naming `days`."""
    if days is None:
        return None
    if isinstance(days, bool) or not isinstance(days, int) or not MIN_DAYS <= days <= MAX_DAYS:
        raise InvalidInput(_t('Choose a whole number of days from %(min)s to %(max)s.', min=MIN_DAYS, max=MAX_DAYS),
                           field="days")
    return days


def set_interval(session: Session, clinician: User, patient_id: uuid.UUID, days: object) -> IntervalChange | None:
    """This patient's release interval in days, or None: back to the service default. Applies
    from now on (schedule.py); setting the value already in force records nothing new."""
    patient = service._assigned(session, clinician, patient_id)
    value = valid_days(days)
    latest = _latest(session, patient.id)
    if (latest.days if latest else None) == value:
        return latest
    row = IntervalChange(id=uuid.uuid4(), patient_id=patient.id, seq=(latest.seq if latest else 0) + 1, days=value,
                         changed_by=clinician.id, changed_at=clock.now())
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:   # another change for this patient at the same moment
        raise Conflict(_t('The interval was changed at the same moment by someone else. Please look again.'),
                       code="interval_changed") from None
    _audit(session, clinician, patient, "module.interval_set", "module_interval_change", row.id)
    return row


def _latest(session: Session, patient_id: uuid.UUID) -> IntervalChange | None:
    return session.scalars(select(IntervalChange).where(IntervalChange.patient_id == patient_id)
                           .order_by(IntervalChange.seq.desc()).limit(1)).first()


def interval_changes(session: Session, patient_id: uuid.UUID) -> list[tuple[datetime, timedelta | None]]:
    """(from, interval or None for the default), oldest first, for the schedule."""
    return [(at, timedelta(days=d) if d is not None else None)
            for at, d in session.execute(_INTERVALS, {"patient_id": patient_id})]


# ---------------------------------------------------------------- for the clinician


@dataclass(frozen=True)
class HoldView:
    slug: str
    number: int
    title: str
    reason: str           # private (the clinical note)
    message: str | None   # what the patient sees
    held_by: str
    held_at: datetime


@dataclass(frozen=True)
class IntervalView:
    days: int             # in force now
    default_days: int
    custom: bool          # set for this patient (not the default)
    changed_by: str | None
    changed_at: datetime | None

    @property
    def summary(self) -> str:
        if self.custom:
            return ngettext("A new module opens %(num)s day after the one before (set for this patient; the service "
                            "default is %(default)s).", "A new module opens %(num)s days after the one before (set for "
                            "this patient; the service default is %(default)s).", self.days, default=self.default_days)
        return ngettext("A new module opens %(num)s day after the one before (the service default).",
                        "A new module opens %(num)s days after the one before (the service default).", self.days,
                        default=self.default_days)


def _name(session: Session, user_id: uuid.UUID | None) -> str:
    u = accounts.get_user(session, user_id) if user_id else None
    return (accounts.display_name_of(session, u) or accounts.email_of(session, u)) if u else _t("(removed)")


def current_holds(session: Session, clinician: User, patient_id: uuid.UUID) -> list[HoldView]:
    """The patient's current holds with their private reasons (for the assigned clinician)."""
    from app.programme import service as programme

    patient = service._assigned(session, clinician, patient_id)
    out = []
    for r in _active(session, patient.id):
        m = programme.programme().module(r.module_slug)
        note = session.get(ClinicalNote, r.note_id)
        out.append(HoldView(slug=r.module_slug, number=m.number if m else 0, title=m.title if m else r.module_slug,
                            reason=(crypto.unseal(session, note, "body_enc") or "") if note else "",
                            message=_message(session, r), held_by=_name(session, r.held_by), held_at=r.held_at))
    return out


def interval_view(session: Session, clinician: User, patient_id: uuid.UUID) -> IntervalView:
    from app.programme.shaped import default_interval

    patient = service._assigned(session, clinician, patient_id)
    latest, default = _latest(session, patient.id), default_interval().days
    custom = latest is not None and latest.days is not None
    return IntervalView(days=latest.days if custom and latest and latest.days else default, default_days=default,
                        custom=custom, changed_by=_name(session, latest.changed_by) if latest else None,
                        changed_at=latest.changed_at if latest else None)
