"""Reminder preferences, the patient's time zone, one-click unsubscribe, and what was sent.

Contracts for other domains:
- `zone_of(session, user_id) -> ZoneInfo` / `zone_name_of(...)`: the patient's time zone
  (the service default until they choose one). Show times and count diary days in it.
- `wants(session, patient_id, pref) -> bool`: e.g. `wants(s, pid, "messages")` before
  e-mailing "you have a new message". Safety messages never ask: they always go.
- `unsubscribe_url(patient_id, pref)`: the signed one-click link (mail adds it to reminders).
"""

from __future__ import annotations

import base64
import hmac
import uuid
from dataclasses import dataclass
from datetime import time
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from app import clock, memo
from app.errors import InvalidInput
from app.reminders import timing
from app.reminders.models import ReminderPrefs
from app.reminders.schemas import QuietHours, RemindersIn, RemindersOut, SentReminder
from app.i18n import N_, _t  # noqa: F401 - interface text (app.i18n)

#: What each pref switches off; the outbox kinds it covers.
PREF_KINDS = {
    "checkin": ("reminder_checkin_due",),
    "module_open": ("reminder_module_opened",),
    "diary": ("reminder_diary",),
    "messages": ("reminder_message",),
    "reengage": ("reminder_reengage",),
    "weekly_summary": ("reminder_weekly_summary",),
}
PREF_WORDS = {"checkin": "weekly check-in reminders", "module_open": "new-module e-mails",
              "diary": "daily diary nudges", "messages": "new-message e-mails",
              "reengage": "notes when you have been away a while", "weekly_summary": "the weekly summary",
              "all": "all reminders"}
KIND_PREF = {k: pref for pref, kinds in PREF_KINDS.items() for k in kinds}


def default_zone_name() -> str:
    from app.config import get_settings
    return getattr(get_settings(), "default_time_zone", "Europe/London")


@dataclass(frozen=True)
class Prefs:
    time_zone: str
    remind_at: str | None = None      # None: as soon as a reminder is due
    checkin: bool = True
    module_open: bool = True
    diary_at: str | None = None
    messages: bool = True
    reengage: bool = True
    weekly_summary: bool = False
    quiet_start: str | None = None
    quiet_end: str | None = None
    channel: str = "email"

    @property
    def zone(self) -> ZoneInfo:
        return timing.zone(self.time_zone)

    @property
    def quiet(self) -> tuple[time | None, time | None]:
        if self.quiet_start is None or self.quiet_end is None:
            return None, None
        return timing.parse_hhmm(self.quiet_start), timing.parse_hhmm(self.quiet_end)

    def wants(self, pref: str) -> bool:
        return self.diary_at is not None if pref == "diary" else bool(getattr(self, pref))


_FIELDS = [f for f in Prefs.__dataclass_fields__]


def _row(session: Session, patient_id: uuid.UUID) -> ReminderPrefs | None:
    return session.get(ReminderPrefs, patient_id)


def prefs_of(session: Session, patient_id: uuid.UUID) -> Prefs:
    row = _row(session, patient_id)
    if row is None:
        return Prefs(time_zone=default_zone_name())
    return Prefs(**{f: getattr(row, f) for f in _FIELDS})


_ZONE = select(ReminderPrefs.time_zone).where(ReminderPrefs.patient_id == bindparam("patient_id"))  # built once


def zone_name_of(session: Session, user_id: uuid.UUID) -> str:
    """Asked by most of a patient's page (the page itself, the home page, the diary): read once
    per transaction (app.memo), also when the patient has no preferences row yet."""
    def read() -> str:
        name = session.scalar(_ZONE, {"patient_id": user_id})
        return name if name is not None else default_zone_name()
    return memo.get(session, ("reminders.zone", user_id), read)


def zone_of(session: Session, user_id: uuid.UUID) -> ZoneInfo:
    return timing.zone(zone_name_of(session, user_id))


def wants(session: Session, patient_id: uuid.UUID, pref: str) -> bool:
    return prefs_of(session, patient_id).wants(pref)


def out(p: Prefs) -> RemindersOut:
    qh = QuietHours(start=p.quiet_start, end=p.quiet_end) if p.quiet_start and p.quiet_end else None
    return RemindersOut(time_zone=p.time_zone, remind_at=p.remind_at, checkin=p.checkin, module_open=p.module_open,
                        diary_at=p.diary_at, messages=p.messages, reengage=p.reengage,
                        weekly_summary=p.weekly_summary, quiet_hours=qh, channel=p.channel)


def _hhmm(value: str, field: str) -> str:
    try:
        timing.parse_hhmm(value)
    except ValueError:
        raise InvalidInput(_t('Give a time of day from 00:00 to 23:59, like 18:30.'), field=field) from None
    return value


def validate_zone(name: str, field: str = "time_zone") -> str:
    try:
        timing.zone(name)
    except ValueError:
        raise InvalidInput(_t('That is not a time zone we know. Choose one from the list, like Europe/London.'), field=field) from None
    return name


def update_prefs(session: Session, patient_id: uuid.UUID, data: RemindersIn, *,
                 clear_quiet: bool = False) -> Prefs:
    """Validate everything first (422 naming the field; nothing stored), then save."""
    cur = prefs_of(session, patient_id)
    new = dict(cur.__dict__)
    if data.time_zone is not None:
        new["time_zone"] = validate_zone(data.time_zone)
    if "remind_at" in data.model_fields_set:
        new["remind_at"] = None if data.remind_at in (None, "", "now") else _hhmm(data.remind_at, "remind_at")
    if "diary_at" in data.model_fields_set:
        new["diary_at"] = None if data.diary_at in (None, "", "off") else _hhmm(data.diary_at, "diary_at")
    for f in ("checkin", "module_open", "messages", "reengage", "weekly_summary", "channel"):
        if getattr(data, f) is not None:
            new[f] = getattr(data, f)
    if clear_quiet or ("quiet_hours" in data.model_fields_set and data.quiet_hours is None):
        new["quiet_start"] = new["quiet_end"] = None
    elif data.quiet_hours is not None:
        start = timing.parse_hhmm(_hhmm(data.quiet_hours.start, "quiet_hours.start"))
        end = timing.parse_hhmm(_hhmm(data.quiet_hours.end, "quiet_hours.end"))
        if start == end or timing.quiet_length(start, end) > timing.MAX_QUIET:
            raise InvalidInput(_t('Quiet hours can be at most 20 hours long, so that reminders still have time to arrive.'), field="quiet_hours")
        new["quiet_start"], new["quiet_end"] = data.quiet_hours.start, data.quiet_hours.end
    row = _row(session, patient_id)
    if row is None:
        row = ReminderPrefs(patient_id=patient_id)
        session.add(row)
    for f in _FIELDS:
        setattr(row, f, new[f])
    row.updated_at = clock.now()
    session.flush()
    return Prefs(**new)


def set_time_zone(session: Session, patient_id: uuid.UUID, name: str) -> Prefs:
    return update_prefs(session, patient_id, RemindersIn(time_zone=name))


# ---------------------------------------------------------------- one-click unsubscribe


def _sig(patient_id: uuid.UUID, pref: str) -> str:
    from app.security import crypto
    return crypto.get_keyring().blind_index(f"unsubscribe:v1:{patient_id}:{pref}")[:32]


def unsubscribe_token(patient_id: uuid.UUID, pref: str) -> str:
    if pref not in PREF_KINDS and pref != "all":
        raise ValueError(pref)
    payload = base64.urlsafe_b64encode(f"{patient_id.hex}:{pref}".encode()).decode().rstrip("=")
    return f"{payload}.{_sig(patient_id, pref)}"


def read_token(token: str) -> tuple[uuid.UUID, str] | None:
    """(patient id, pref) for a genuine token, else None."""
    try:
        payload, sig = token.split(".", 1)
        raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).decode()
        pid_hex, pref = raw.split(":", 1)
        pid = uuid.UUID(hex=pid_hex)
    except (ValueError, UnicodeDecodeError):
        return None
    if (pref not in PREF_KINDS and pref != "all") or not hmac.compare_digest(sig.encode(), _sig(pid, pref).encode()):
        return None
    return pid, pref


def unsubscribe_url(patient_id: uuid.UUID, pref: str, *, one_click: bool = False) -> str:
    from app.config import get_settings
    base = get_settings().base_url.rstrip("/")
    path = "/api/v1/unsubscribe/" if one_click else "/unsubscribe/"
    return base + path + unsubscribe_token(patient_id, pref)


def unsubscribe(session: Session, patient_id: uuid.UUID, pref: str) -> bool:
    """Switch the reminder(s) off at once and cancel any still queued. False if no such patient."""
    from app.accounts import service as accounts
    from app.mail.models import OutboxMessage

    if accounts.get_user(session, patient_id) is None:
        return False
    prefs = [p for p in PREF_KINDS] if pref == "all" else [pref]
    data = RemindersIn(**{("diary_at" if p == "diary" else p): ("off" if p == "diary" else False) for p in prefs})
    update_prefs(session, patient_id, data)
    kinds = [k for p in prefs for k in PREF_KINDS[p]]
    session.execute(update(OutboxMessage).where(
        OutboxMessage.user_id == patient_id, OutboxMessage.kind.in_(kinds),
        OutboxMessage.status == "pending").values(status="cancelled", last_error="unsubscribed"))
    session.flush()
    return True


# ---------------------------------------------------------------- what was sent

STATE_OF = {"pending": "queued", "sent": "sent", "failed": "failed", "bounced": "bounced", "cancelled": "cancelled"}
STATE_WORDS = {"queued": "waiting to be sent", "sent": "delivered to the mail server",
               "failed": "could not be delivered", "bounced": "refused by the mail server",
               "cancelled": "not sent (switched off)"}


def recent(session: Session, patient_id: uuid.UUID, limit: int = 10) -> list[SentReminder]:
    from app.mail.models import OutboxMessage
    from app.mail.service import PUSHED_NOTE

    rows = session.scalars(select(OutboxMessage).where(
        OutboxMessage.user_id == patient_id, OutboxMessage.kind.like("reminder\\_%", escape="\\"))
        .order_by(OutboxMessage.created_at.desc()).limit(limit))
    return [SentReminder(kind=KIND_PREF.get(m.kind, m.kind.removeprefix("reminder_")), subject=m.subject,
                         state=STATE_OF.get(m.status, m.status), queued_at=m.created_at,  # type: ignore[arg-type]
                         sent_at=m.sent_at, channel="push" if m.last_error == PUSHED_NOTE else "email")
            for m in rows]


@dataclass(frozen=True)
class Reach:
    """For the clinician: are reminders reaching this patient?"""
    verdict: str
    sent: int
    problems: int
    waiting: int
    opted_out: list[str]
    rows: list[SentReminder]


def reach(session: Session, patient_id: uuid.UUID) -> Reach:
    rows = recent(session, patient_id, limit=20)
    sent = sum(r.state == "sent" for r in rows)
    problems = sum(r.state in ("failed", "bounced") for r in rows)
    waiting = sum(r.state == "queued" for r in rows)
    p = prefs_of(session, patient_id)
    off = [PREF_WORDS[k] for k in ("checkin", "module_open", "reengage") if not p.wants(k)]
    if not rows:
        verdict = "No reminders sent yet."
    elif rows[0].state in ("failed", "bounced"):
        verdict = "The latest reminder did not reach the patient."
    elif problems:
        verdict = f"Reminders are arriving, but {problems} of the last {len(rows)} did not."
    elif sent:
        verdict = "Reminders are reaching the patient's mail server."
    else:
        verdict = "Reminders are waiting to be sent."
    return Reach(verdict, sent, problems, waiting, off, rows)
