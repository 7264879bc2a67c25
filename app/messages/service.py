"""Messages between a patient and their care team: one conversation per patient.

- Who may read or write: the patient themself, or a clinician assigned to them (anyone else
  gets NotFound, as for a missing patient). Every clinician read is audited.
- A new message e-mails the other side through the outbox, with no content (the e-mail says
  only that there is a new message and where to read it).
- A patient message with a risk phrase (app/messages/risk.py) raises an urgent alert in the
  same transaction, so the message and its alert are stored together or not at all.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from app import clock
from app.accounts import service as accounts
from app.accounts.models import Assignment, Role, User
from app.audit import service as audit
from app.config import get_settings
from app.errors import InvalidInput
from app.messages import risk
from app.messages.models import CLINICIAN, PATIENT, Message
from app.security import crypto
from app.i18n import N_, _t  # noqa: F401 - interface text (app.i18n)

MAX_LENGTH: Final = 5000
SHOWN: Final = 200


@dataclass(frozen=True, slots=True)
class MessageView:
    id: uuid.UUID
    patient_id: uuid.UUID
    sender: str                 # "patient" | "clinician"
    author_id: uuid.UUID | None
    author: str                 # a display name ("You", the clinician's name, the patient's name)
    body: str
    sent_at: datetime
    read_at: datetime | None
    risk: bool = False          # this (new) patient message contained a risk phrase
    replayed: bool = False      # an earlier message with the same idempotency key was returned


def clean_body(body: str | None, field: str = "body") -> str:
    """The text to store, or InvalidInput naming `field` (empty, or over MAX_LENGTH)."""
    text = (body or "").replace("\r\n", "\n").strip()
    if not text:
        raise InvalidInput(_t('Please write a message before sending.'), field=field)
    if len(text) > MAX_LENGTH:
        raise InvalidInput(_t('Please keep a message to %(MAX_LENGTH)s characters or fewer (this one has %(text)s).', MAX_LENGTH=MAX_LENGTH, text=len(text)), field=field)
    return text


def reply_time() -> str:
    return get_settings().message_reply_time


def _author(session: Session, row: Message, viewer: User, names: dict[uuid.UUID, str]) -> str:
    if row.author_id == viewer.id:
        return "You"
    if row.author_id is None:
        return _t("Your care team") if row.sender == CLINICIAN else _t("Patient")
    if row.author_id not in names:
        user = accounts.get_user(session, row.author_id)
        names[row.author_id] = (accounts.display_name_of(session, user) if user else None) or (
            _t("Your care team") if row.sender == CLINICIAN else _t("Patient"))
    return names[row.author_id]


def _view(session: Session, row: Message, viewer: User, names: dict[uuid.UUID, str], **kw: bool) -> MessageView:
    return MessageView(id=row.id, patient_id=row.patient_id, sender=row.sender, author_id=row.author_id,
                       author=_author(session, row, viewer, names), body=crypto.unseal(session, row, "body_enc") or "",
                       sent_at=row.sent_at, read_at=row.read_at, **kw)


def _rows(session: Session, patient_id: uuid.UUID, limit: int = SHOWN) -> list[Message]:
    rows = session.scalars(select(Message).where(Message.patient_id == patient_id)
                           .order_by(Message.sent_at.desc(), Message.id.desc()).limit(limit)).all()
    return list(reversed(rows))


def _insert_once(session: Session, row: Message) -> bool:
    table = Message.__table__
    values = {c.name: getattr(row, c.key) for c in Message.__mapper__.columns}
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = (insert(table).values(**values)
            .on_conflict_do_nothing(index_elements=["patient_id", "idempotency_key"]).returning(table.c.id))
    return session.execute(stmt).first() is not None


def _store(session: Session, patient_id: uuid.UUID, author: User, sender: str, text: str,
           idempotency_key: str | None) -> tuple[Message, bool]:
    """(row, new): inserts once per idempotency key."""
    row = Message(id=uuid.uuid4(), patient_id=patient_id, author_id=author.id, sender=sender,
                  sent_at=clock.now(), idempotency_key=idempotency_key or None)
    crypto.seal(session, row, "body_enc", text)
    if not _insert_once(session, row):
        existing = session.scalars(select(Message).where(
            Message.patient_id == patient_id, Message.idempotency_key == idempotency_key)).one()
        return existing, False
    stored = session.get(Message, row.id)
    assert stored is not None
    return stored, True


def _raise_risk_alert(session: Session, patient_id: uuid.UUID) -> None:
    """An urgent alert in the caller's transaction (lock order: monitor row, alerts, audit)."""
    from app.alerts import service as alerts
    from app.monitoring import service as monitoring
    from app.monitoring.rules import Flag, Tier

    monitoring.lock_patient(session, patient_id)
    audits: list[tuple[str, object]] = []
    alerts.raise_alert(session, patient_id, Flag(risk.RULE, Tier.URGENT, None, "risk phrase in a message"),
                       audits=audits)  # type: ignore[arg-type]
    alerts.write_audits(session, audits)  # type: ignore[arg-type]


def _notify(session: Session, to_user_ids: list[uuid.UUID], *, for_clinician: bool, ref_id: uuid.UUID) -> None:
    """"You have a message" to each recipient, in the language of their account (app.i18n)."""
    from app import i18n
    from app.mail import service as mail

    base = get_settings().base_url.rstrip("/")
    for uid in to_user_ids:
        if not for_clinician:
            from app.reminders import service as reminders
            if not reminders.wants(session, uid, "messages"):
                continue  # the patient switched message e-mails off (account page, one-click unsubscribe)
        with i18n.using(i18n.for_account(session.get(User, uid))):
            if for_clinician:
                subject = _t("A patient has sent a message")
                body = _t("One of your patients has sent a message on Steady Steps.\n\n"
                          "Sign in to read it: %(link)s\n\n"
                          "For privacy this e-mail does not say who or what it says.", link=f"{base}/clinician")
            else:
                subject = _t("You have a new message from your care team")
                body = _t("Your care team has sent you a message on Steady Steps.\n\n"
                          "Sign in to read it: %(link)s\n\n"
                          "For privacy this e-mail does not include the message.\n"
                          "If you need help now, see %(help)s", link=f"{base}/messages", help=f"{base}/help")
        # A patient's notice is a reminder (kind reminder_*): it carries the one-click unsubscribe
        # and shows in their list of reminders; a clinician's is a plain notice.
        kind = "message_notice" if for_clinician else "reminder_message"
        mail.enqueue(session, kind=kind, subject=subject, body=body, user_id=uid, ref_id=ref_id)


def _clinicians_of(session: Session, patient_id: uuid.UUID) -> list[uuid.UUID]:
    return list(session.scalars(select(Assignment.clinician_id).join(User, User.id == Assignment.clinician_id)
                                .where(Assignment.patient_id == patient_id, User.is_active.is_(True))))


# ---------------------------------------------------------------- the patient's side


def send_from_patient(session: Session, patient: User, body: str | None, *,
                      idempotency_key: str | None = None) -> MessageView:
    text = clean_body(body)
    flagged = risk.contains_risk(text)
    row, new = _store(session, patient.id, patient, PATIENT, text, idempotency_key)
    if new:
        if flagged:
            _raise_risk_alert(session, patient.id)
        _notify(session, _clinicians_of(session, patient.id), for_clinician=True, ref_id=row.id)
        from app.guided import service as guided
        guided.bring_review_forward(session, patient)  # shows in the clinician's "Reviews due"
        session.flush()
    # A resent risk message shows the crisis resources again (its alert was raised the first time).
    return _view(session, row, patient, {}, risk=flagged, replayed=not new)


def conversation_for_patient(session: Session, patient: User, *, mark_read: bool = True) -> list[MessageView]:
    """The patient's conversation, oldest first; their care team's messages become read."""
    rows = _rows(session, patient.id)
    views = [_view(session, r, patient, {}) for r in rows]
    if mark_read:
        _mark_read(session, patient.id, CLINICIAN)
    return views


# Built once (issue 18): the first runs on every patient page (the Messages link), the second
# on the home page.
_UNREAD = select(func.count()).select_from(Message).where(
    Message.patient_id == bindparam("patient_id"), Message.sender == CLINICIAN, Message.read_at.is_(None))
_LATEST_FROM_CARE_TEAM = (select(Message).where(Message.patient_id == bindparam("patient_id"),
                                                Message.sender == CLINICIAN)
                          .order_by(Message.sent_at.desc(), Message.id.desc()).limit(1))


def unread_for_patient(session: Session, patient_id: uuid.UUID) -> int:
    return session.scalar(_UNREAD, {"patient_id": patient_id}) or 0


def latest_from_care_team(session: Session, patient_id: uuid.UUID) -> MessageView | None:
    """The newest message the care team sent this patient (for the home page), or None."""
    row = session.scalars(_LATEST_FROM_CARE_TEAM, {"patient_id": patient_id}).first()
    if row is None:
        return None
    patient = accounts.get_user(session, patient_id)
    assert patient is not None
    return _view(session, row, patient, {})


# ---------------------------------------------------------------- the clinician's side


def send_from_clinician(session: Session, clinician: User, patient: User, body: str | None, *,
                        idempotency_key: str | None = None, field: str = "body") -> MessageView:
    """Caller has checked the assignment (clinician.service.assigned_patient)."""
    text = clean_body(body, field)
    row, new = _store(session, patient.id, clinician, CLINICIAN, text, idempotency_key)
    if new:
        _notify(session, [patient.id], for_clinician=False, ref_id=row.id)
        audit.record(session, action="message.send", actor_id=clinician.id, actor_role=clinician.role.value,
                     patient_id=patient.id, record_type="message", record_id=row.id)
        session.flush()
    return _view(session, row, clinician, {}, replayed=not new)


def conversation_for_clinician(session: Session, clinician: User, patient: User, *,
                               mark_read: bool = True) -> list[MessageView]:
    """Audited read. The patient's messages become read (their read_at is the receipt)."""
    rows = _rows(session, patient.id)
    names: dict[uuid.UUID, str] = {}
    views = [_view(session, r, clinician, names) for r in rows]
    if mark_read:
        _mark_read(session, patient.id, PATIENT)
    audit.record(session, action="record.view", actor_id=clinician.id, actor_role=clinician.role.value,
                 patient_id=patient.id, record_type="messages", record_id=patient.id)
    return views


def unread_from_patients(session: Session, patient_ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    if not patient_ids:
        return {}
    rows = session.execute(select(Message.patient_id, func.count()).where(
        Message.patient_id.in_(patient_ids), Message.sender == PATIENT, Message.read_at.is_(None))
        .group_by(Message.patient_id)).all()
    return {pid: n for pid, n in rows}


def since(session: Session, patient_id: uuid.UUID, at: datetime, viewer: User) -> list[MessageView]:
    rows = session.scalars(select(Message).where(Message.patient_id == patient_id, Message.sent_at >= at)
                           .order_by(Message.sent_at, Message.id)).all()
    names: dict[uuid.UUID, str] = {}
    return [_view(session, r, viewer, names) for r in rows]


def last_from_patient_at(session: Session, patient_id: uuid.UUID) -> datetime | None:
    return session.scalar(select(func.max(Message.sent_at)).where(
        Message.patient_id == patient_id, Message.sender == PATIENT))


def _mark_read(session: Session, patient_id: uuid.UUID, sender: str) -> None:
    session.execute(update(Message).where(Message.patient_id == patient_id, Message.sender == sender,
                                          Message.read_at.is_(None)).values(read_at=clock.now())
                    .execution_options(synchronize_session=False))
    session.flush()


def id_for_key(session: Session, patient_id: uuid.UUID, idempotency_key: str) -> uuid.UUID | None:
    """The message this conversation already has for a resent form's key, if any."""
    return session.scalar(select(Message.id).where(Message.patient_id == patient_id,
                                                   Message.idempotency_key == idempotency_key))


def is_patient(user: User) -> bool:
    return user.role == Role.patient
