"""The monitor's scheduled job (the background worker every few minutes, or `icbt monitor`):
escalate overdue alerts, evaluate the rules about time (disengaged, missed check-in) for the
patients whose turn has come, and send patient reminders (check-in due, module opened) once
each. Work is claimed with FOR UPDATE SKIP LOCKED on PostgreSQL, so several workers share it
without doing anything twice. Events from the measuring domains are in service.py."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import exists, literal, select
from sqlalchemy.orm import Session

from app import clock
from app.alerts import service as alerts
from app.db import UTCDateTime, begin_write
from app.i18n import N_, _t, ngettext
from app.monitoring import rules
from app.monitoring.config import get_config, recheck_interval
from app.monitoring.models import MonitorState, Reminder
from app.monitoring.rules import Flag, MonitoringConfig
from app.monitoring.service import (_caseload_refresh, _insert, _optional, _record, _store_summary, _touch,
                                     lock_patient)

log = logging.getLogger("icbt.monitoring")

LEASE = timedelta(minutes=10)      # a claimed patient not finished by then is picked up again
MODULE_REMINDER_WINDOW = timedelta(days=7)
#: The first check-in is due at enrolment, when the patient is usually doing it anyway:
#: e-mail them about it only if it is still not done a day later.
BASELINE_REMINDER_DELAY = timedelta(days=1)


@dataclass
class ScheduleResult:
    escalated: int = 0
    checked: int = 0
    alerts: int = 0
    reminders: int = 0
    errors: int = 0
    wake: dict[uuid.UUID, datetime] = field(default_factory=dict)  # next reminder per patient

    def __str__(self) -> str:
        return (f"escalated {self.escalated} overdue alerts; checked {self.checked} patients; "
                f"{self.alerts} time-rule alerts; {self.reminders} reminders; {self.errors} errors")


def _ensure_states(session: Session, now: datetime) -> None:
    """Every active patient gets a monitor row (due now) if they have none."""
    from app.accounts.models import Role, User

    missing = (select(User.id, literal(now, UTCDateTime))
               .where(User.role == Role.patient, User.is_active.is_(True),
                      ~exists().where(MonitorState.patient_id == User.id)))
    insert = _insert(session)
    session.execute(insert(MonitorState).from_select(["patient_id", "next_check_at"], missing)
                    .on_conflict_do_nothing(index_elements=["patient_id"]))


def _claim(session: Session, now: datetime, limit: int) -> list[uuid.UUID]:
    begin_write(session)  # SQLite: one claimer at a time (PostgreSQL: SKIP LOCKED below)
    stmt = (select(MonitorState).where(MonitorState.next_check_at <= now)
            .order_by(MonitorState.next_check_at).limit(limit))
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    states = list(session.scalars(stmt))
    for st in states:
        st.next_check_at = now + LEASE
    session.flush()
    return [st.patient_id for st in states]


def _reminder_at(session: Session, patient_id: uuid.UUID, kind: str, key: str) -> datetime | None:
    return session.scalar(select(Reminder.created_at).where(
        Reminder.patient_id == patient_id, Reminder.kind == kind, Reminder.key == key))


REMINDER_TEXT = {
    "checkin_due": (N_("Your weekly check-in is ready"),
                    N_("Hello,\n\nYour check-in is ready: a few questions about your mood, then a few about "
                       "worry and anxiety. It takes about five minutes:\n{base}/checkins/weekly\n")),
    "module_opened": (N_("A new module is ready"),
                      N_("Hello,\n\nThe next module of your programme is ready for you:\n{base}/modules\n")),
    "diary": (N_("A moment for your diary"),
              N_("Hello,\n\nIf you have a minute today, a few words in your mood diary can help:\n{base}/diary\n")),
    "reengage": (N_("We are here when you are ready"),
                 N_("Hello,\n\nIt has been a little while. There is no catching up to do: you can pick up "
                    "where you left off whenever it suits you.\n{base}/\n")),
}
REMINDER_TEXT["weekly_summary"] = (
    N_("Your week in Steady Steps"),
    N_("Hello,\n\nThis week: {diary} and {modules}.\nEvery step counts, however small.\n{base}/progress\n"))
REMINDER_PREF = {"checkin_due": "checkin", "module_opened": "module_open", "diary": "diary", "reengage": "reengage",
                 "weekly_summary": "weekly_summary"}


def send_reminder(session: Session, patient_id: uuid.UUID, kind: str, key: str,
                  now: datetime, fields: dict[str, str] | None = None) -> Reminder | None:
    """E-mail the patient a reminder of this kind and key, once. None if already sent."""
    from app.config import get_settings
    from app.mail import service as mail

    if _reminder_at(session, patient_id, kind, key) is not None:
        return None
    from app import i18n
    from app.accounts.models import User

    base = get_settings().base_url.rstrip("/")
    unsub = _optional("app.reminders.service",
                      lambda m: m.unsubscribe_url(patient_id, REMINDER_PREF.get(kind, "all")))
    patient = session.get(User, patient_id)
    with i18n.using(i18n.for_account(patient)):   # the patient's language
        subject, body = (_t(t) for t in REMINDER_TEXT[kind])
        body = body.format(base=base, **(fields or {})) + _t("\nIf you need help now: %(help)s\n", help=f"{base}/help") + \
            _t("\nYou get these e-mails because you take part in this programme.") + \
            (_t(" To stop them: %(unsub)s\n", unsub=unsub) if unsub else "\n")
    msg = mail.enqueue(session, kind=f"reminder_{kind}", subject=subject, body=body, user_id=patient_id)
    r = Reminder(patient_id=patient_id, kind=kind, key=key, outbox_id=msg.id, created_at=now)
    session.add(r)
    session.flush()
    return r


def _alert_since(session: Session, patient_id: uuid.UUID, rule: str, since: datetime) -> bool:
    """Has this rule already fired (opened or updated an alert) since `since`?"""
    from app.alerts.models import Alert
    return session.scalar(select(exists().where(
        Alert.patient_id == patient_id, Alert.rule == rule, Alert.last_seen_at >= since))) or False


def _latest_at(session: Session, patient_id: uuid.UUID, instrument: str) -> datetime | None:
    return _optional("app.assessments.service", lambda m: m.last_taken_at(session, patient_id, instrument))


def _latest_phq9_at(session: Session, patient_id: uuid.UUID) -> datetime | None:
    return _latest_at(session, patient_id, "phq9")


def _weekly_done_at(session: Session, patient_id: uuid.UUID) -> datetime | None:
    """When the weekly pair (PHQ-9 and GAD-7) was last complete (rules.weekly_done_at)."""
    return rules.weekly_done_at(*(_latest_at(session, patient_id, i) for i in rules.WEEKLY_INSTRUMENTS))


def check_patient_time_rules(session: Session, patient: Any, now: datetime, *,
                             config: MonitoringConfig | None = None,
                             result: ScheduleResult | None = None) -> list[Flag]:
    """The time rules and reminders for one patient (caller holds lock_patient)."""
    config = config or get_config()
    result = result if result is not None else ScheduleResult()
    pid = patient.id
    state = lock_patient(session, pid)
    _caseload_refresh(session, pid)   # last activity below; recomputed at commit (app.caseload)
    if state.summary_enc is None:
        from app.accounts import service as accounts
        points = _optional("app.assessments.service", lambda m: m.score_points(session, pid))
        _store_summary(session, state, points or [], accounts.enrolled_at(patient), config)
    for at in (
        _optional("app.programme.service", lambda m: m.last_activity_at(session, pid)),
        _optional("app.diary.service", lambda m: m.last_entry_at(session, pid)),
        _latest_phq9_at(session, pid),
        _latest_at(session, pid, "gad7"),
    ):
        _touch(state, at)
    enrolled = patient.enrolled_at
    if enrolled is None:
        return []
    raised: list[Flag] = []

    # Weekly check-in (PHQ-9 and GAD-7, together): the patient is reminded when it is due, at
    # their chosen time in their time zone and never in quiet hours (app.reminders.jobs); the
    # routine alert follows (missed_checkin, 3 days later) only after that reminder went out in
    # an earlier run (or at once if they switched check-in reminders off).
    # After the end of treatment, the end-of-treatment and follow-up check-ins take the weekly
    # one's place (assessments.service.due), reminded and counted as missed the same way.
    reminders = _optional("app.reminders.service", lambda m: m)
    prefs = reminders.prefs_of(session, pid) if reminders is not None else None
    if prefs is not None:
        from app.reminders import jobs
    last_done = _weekly_done_at(session, pid)
    after = _optional("app.assessments.service", lambda m: m.due(session, patient, now))
    kind = getattr(after, "kind", "weekly")
    if kind == "weekly":
        due = rules.checkin_due_at(enrolled, last_done, config)
        key = due.isoformat()
        first = last_done is None or last_done < enrolled
        flag = rules.missed_checkin(enrolled, last_done, now, config)
    else:
        due, key, first = after.next_due, f"{kind}:{after.next_due.isoformat()}", False  # type: ignore[union-attr]
        flag = (rules.missed_checkin(due, due - timedelta(days=config.checkin_interval_days), now, config)
                if kind != "none" else None)
    remind_at = due + (BASELINE_REMINDER_DELAY if first else timedelta(0))
    planned: list[Any] = []
    if kind != "none":
        if prefs is None:
            if now >= remind_at and send_reminder(session, pid, "checkin_due", key, now):
                result.reminders += 1
        else:
            d = jobs.checkin(prefs, remind_at)
            planned.append(d and jobs.Due(d.kind, key, d.at))
    reminded_at = _reminder_at(session, pid, "checkin_due", key)
    reminder_first = prefs is None or prefs.wants("checkin")
    if (flag is not None and (not reminder_first or (reminded_at is not None and reminded_at < now))
            and not _alert_since(session, pid, rules.MISSED_CHECKIN, due)):
        raised.append(flag)

    # Disengaged: one alert per period of inactivity.
    flag = rules.disengaged(enrolled, state.last_activity_at, now, config)
    since = max(enrolled, state.last_activity_at or enrolled)
    if flag is not None and not _alert_since(session, pid, rules.DISENGAGED, since):
        raised.append(flag)
    _record(session, pid, raised, config, now)

    # A module opened since enrolment (not the first, which opens at once): tell them once.
    statuses = _optional("app.programme.service", lambda m: m.module_statuses(session, patient)) or []
    for m in statuses:
        opened = getattr(m, "available_at", None)
        if (getattr(m, "status", None) == "available" and opened is not None and opened <= now
                and opened > enrolled + timedelta(hours=1) and now - opened <= MODULE_REMINDER_WINDOW):
            if prefs is None:
                if send_reminder(session, pid, "module_opened", str(m.slug), now):
                    result.reminders += 1
            else:
                planned.append(jobs.module_opened(prefs, str(m.slug), opened))
    if prefs is not None:
        last_entry = _optional("app.diary.service", lambda m: m.last_entry_at(session, pid))
        planned.append(jobs.diary(prefs, now, last_entry))
        send, wake = jobs.split(prefs, planned, now)
        # The kind note after 7 days away only when nothing else reached them lately.
        last_any = session.scalar(select(Reminder.created_at).where(Reminder.patient_id == pid)
                                  .order_by(Reminder.created_at.desc()).limit(1))
        if not send and (last_any is None or now - last_any >= jobs.REENGAGE_QUIET_AFTER_OTHERS):
            more, later = jobs.split(prefs, [jobs.reengage(prefs, since)], now)
            send += more
            wake = later if wake is None else (min(wake, later) if later is not None else wake)
        summary = jobs.weekly_summary(prefs, now)
        more, later = jobs.split(prefs, [summary], now)
        send += more
        wake = later if wake is None else (min(wake, later) if later is not None else wake)
        for d in send:
            fields = _week_in_numbers(session, patient, now) if d.kind == "weekly_summary" else None
            if send_reminder(session, pid, d.kind, d.key, now, fields):
                result.reminders += 1
        if wake is not None:
            result.wake[pid] = wake
    result.alerts += len(raised)
    session.flush()
    return raised


def _week_in_numbers(session: Session, patient: Any, now: datetime) -> dict[str, str]:
    """What the weekly summary says: how many diary entries and modules finished in 7 days.
    Counts only: never a score, a mood or anything the patient wrote."""
    since = now - timedelta(days=7)
    entries = _optional("app.diary.service", lambda m: len(m.list_for(session, patient.id, since=since))) or 0
    finished = [s for s in (_optional("app.programme.service", lambda m: m.module_statuses(session, patient)) or [])
                if getattr(s, "completed_at", None) is not None and s.completed_at >= since]
    from app import i18n
    with i18n.using(i18n.for_account(patient)):   # the patient's language, its plural forms and digits
        diary = ngettext("%(num)s diary entry", "%(num)s diary entries", entries)
        if len(finished) == 1:
            modules = _t("module %(number)s finished", number=i18n.format_number(finished[0].number))
        elif finished:
            modules = ngettext("%(num)s module finished", "%(num)s modules finished", len(finished))
        else:
            modules = _t("no modules finished, which is fine")
    return {"diary": diary, "modules": modules}


def run_schedule(now: datetime | None = None, *, open_session: Callable[[], Session] | None = None,
                 batch: int = 50, all_patients: bool = False) -> ScheduleResult:
    """One run of the scheduled job. Idempotent: running it again at the same time does
    nothing more. Each step commits in small transactions of its own."""
    import app.models  # noqa: F401 - every mapper, when run from a bare CLI process
    from app.accounts import service as accounts
    from app.db import get_db

    open_session = open_session or get_db().session
    now = now or clock.now()
    config = get_config()
    recheck = recheck_interval()
    result = ScheduleResult()

    while True:  # 1. unacknowledged alerts past their deadline
        with open_session() as s:
            n = alerts.escalate_overdue(s, now, limit=batch)
            s.commit()
        result.escalated += n
        if n < batch:
            break

    with open_session() as s:  # 2. every patient has a monitor row (and a caseload row: app.caseload)
        _ensure_states(s, now)
        _optional("app.caseload.service", lambda m: m.fill_missing(s))
        if all_patients:
            for st in s.scalars(select(MonitorState)):
                st.next_check_at = min(st.next_check_at, now)
        s.commit()

    while True:  # 3. patients whose turn has come, a batch at a time, one transaction each
        with open_session() as s:
            ids = _claim(s, now, batch)
            s.commit()
        if not ids:
            break
        for pid in ids:
            with open_session() as s:
                try:
                    patient = accounts.get_user(s, pid)
                    if patient is not None and patient.is_active:
                        check_patient_time_rules(s, patient, now, config=config, result=result)
                    state = lock_patient(s, pid)
                    wake = result.wake.pop(pid, None)  # a reminder due before the next recheck
                    state.next_check_at = min(now + recheck, wake) if wake is not None else now + recheck
                    state.last_checked_at = now
                    s.commit()
                    result.checked += 1
                except Exception:  # noqa: BLE001 - one patient's problem must not stop the others
                    s.rollback()
                    result.errors += 1
                    log.exception("monitor schedule: patient %s failed; retried after the lease", pid)
    return result
