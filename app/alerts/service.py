"""Clinician alerts: open or update in the caller's transaction, deliver through the outbox,
acknowledge, resolve, escalate when unacknowledged, and tell the patient in plain words.

Who is told (clinical-rules.md §4, §5):

- routine: every assigned clinician, on the dashboard only (no e-mail);
- urgent: every assigned clinician, by e-mail and on the dashboard;
- emergency: every assigned clinician and every on-call address (ICBT_ONCALL_EMAILS), by e-mail.

A patient with no (active) assigned clinician is never left without someone: their urgent
and emergency alerts are e-mailed to the on-call list, and every alert of theirs appears in
every clinician's inbox under on-call cover (see `oncall visibility` below) until an
administrator assigns them. When an e-mail would be needed but no one is left to receive it
(no clinician and no on-call list), every active clinician account is e-mailed instead
(reason "fallback") and a warning is logged.

On-call visibility: a clinician sees (and may acknowledge or resolve) the alerts of their
assigned patients, and also any *active* alert that needs cover: tier emergency, escalated
after its acknowledgement deadline, or of a patient with no assigned clinician. The e-mailed
link of an on-call address must open for whoever is on call. The patient's full record
(/clinician/patients/{id}) stays limited to assigned clinicians.

E-mails carry no health data: "An alert of tier URGENT is waiting" and a link.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, exists, func, or_, select
from sqlalchemy.orm import Session

from app import clock
from app.alerts.models import ACKNOWLEDGED, ACTIVE_STATUSES, OPEN, RESOLVED, Alert, AlertDelivery
from app.audit import service as audit
from app.config import get_settings
from app.db import begin_write
from app.errors import Conflict, InvalidInput, NotFound
from app.monitoring import rules
from app.monitoring.rules import Flag, MonitoringConfig, Tier
from app.security import crypto
from app.i18n import N_, _t  # noqa: F401 - interface text (app.i18n)

log = logging.getLogger("icbt.alerts")

NOTE_MAX = 2000
PAGE_SIZE = 50
#: how long a resolved alert stays in the patient's "what happened" list
PATIENT_SHOWS_RESOLVED_FOR = timedelta(days=7)

TIER_RANK = {Tier.EMERGENCY.value: 3, Tier.URGENT.value: 2, Tier.ROUTINE.value: 1}
EMAIL_TIERS = frozenset({Tier.URGENT.value, Tier.EMERGENCY.value})

RULE_LABELS = {
    rules.ITEM9_HIGH: "PHQ-9 item 9 (thoughts of death or self-harm) answered 2 or 3",
    rules.ITEM9_ANY: "PHQ-9 item 9 (thoughts of death or self-harm) answered 1",
    rules.ITEM9_UNKNOWN: "PHQ-9 item 9 left unanswered",
    rules.SEVERE_SCORE: "PHQ-9 in the severe range",
    rules.RELIABLE_DETERIORATION: "Reliable deterioration",
    rules.NOT_ON_TRACK: "Not on track (above the expected-recovery band)",
    rules.MOOD_DECLINE: "Mood diary decline",
    rules.DISENGAGED: "No activity for two weeks or more",
    rules.MISSED_CHECKIN: "Weekly check-in overdue",
    rules.PATIENT_REPORTED_EMERGENCY: "Patient reported: not safe right now",
    "message_risk": "Risk words in a message to the care team",  # app.messages.risk
}

# What the patient reads: what it was about, and where it stands.
_PATIENT_TOPIC = {
    rules.MOOD_DECLINE: N_("Your mood diary"),
    rules.DISENGAGED: N_("We have not heard from you for a while"),
    rules.MISSED_CHECKIN: N_("Your weekly check-in is overdue"),
    rules.PATIENT_REPORTED_EMERGENCY: N_("You told us you are not safe right now"),
    "message_risk": N_("Your message to your care team"),
}
_PATIENT_TOPIC_DEFAULT = N_("Your check-in answers")


def rule_label(rule: str) -> str:
    return RULE_LABELS.get(rule, rule.replace("_", " ").capitalize())


_INSTRUMENT_NAMES = {"phq9": "PHQ-9", "gad7": "GAD-7"}


def describe(rule: str, value: Any, detail: str | None) -> str:
    """The trigger in words for clinicians, from the flag's value and detail codes."""
    detail = detail or ""
    try:
        if rule in (rules.ITEM9_HIGH, rules.ITEM9_ANY):
            return f"Item 9 answered {value} (0-3)"
        if rule == rules.ITEM9_UNKNOWN:
            return "Item 9 was not answered"
        if rule == rules.SEVERE_SCORE:
            instrument = detail.split(">=")[0] if ">=" in detail else "phq9"
            return f"{_INSTRUMENT_NAMES.get(instrument, instrument)} total {value}"
        if rule == rules.RELIABLE_DETERIORATION:
            instrument, change, ref = detail.split(":")
            kind, ref_total = ref.split("=")
            against = "the baseline" if kind == "vs_baseline" else "the best score so far"
            return (f"{_INSTRUMENT_NAMES.get(instrument, instrument)} {value}: {change} compared with "
                    f"{against} ({ref_total})")
        if rule == rules.NOT_ON_TRACK and ":no_reliable_improvement:" in detail:
            instrument, _, day, base = detail.split(":")
            return (f"{_INSTRUMENT_NAMES.get(instrument, instrument)} {value} on day {day.split('=')[1]}: "
                    f"still at caseness with no reliable improvement from the baseline "
                    f"({base.split('=')[1]}) on the last two check-ins")
        if rule == rules.NOT_ON_TRACK:
            week, upper = (part.split("=")[1] for part in detail.split(":"))
            return f"PHQ-9 {value} in week {week}, above the expected-recovery band (up to {upper}) twice running"
        if rule == rules.MOOD_DECLINE:
            if detail == "mean_drop":
                return f"Mean mood of the last 7 days {value} points below the 28 days before"
            return f"Several diary entries in a row at mood {value} or lower"
        if rule == rules.DISENGAGED:
            return f"No lesson, diary or check-in for {value} days"
        if rule == rules.MISSED_CHECKIN:
            first = (" (no complete PHQ-9 and GAD-7 since enrolment)"
                     if detail in ("no_checkin_since_enrolment", "no_phq9_since_enrolment") else "")
            return f"Weekly check-in {value} days overdue{first}"
        if rule == rules.PATIENT_REPORTED_EMERGENCY:
            where = "mood diary" if value == "diary" else "check-in result page"
            return f"Pressed \"I am not safe right now\" on the {where}"
    except (ValueError, AttributeError):
        pass
    return f"{value}" + (f" ({detail})" if detail else "")


def tier_rank_expr() -> Any:
    return case({"emergency": 3, "urgent": 2, "routine": 1}, value=Alert.tier, else_=0)


def _config() -> MonitoringConfig:
    from app.monitoring.config import get_config
    return get_config()


# ---------------------------------------------------------------- raising


def _active_alert(session: Session, patient_id: uuid.UUID, rule: str) -> Alert | None:
    return session.scalars(select(Alert).where(
        Alert.patient_id == patient_id, Alert.rule == rule, Alert.status.in_(ACTIVE_STATUSES))).first()


def _ack_due(tier: str, at: datetime, config: MonitoringConfig) -> datetime | None:
    deadline = config.ack_deadline(tier)
    return at + deadline if deadline is not None else None


def raise_alert(session: Session, patient_id: uuid.UUID, flag: Flag, *,
                config: MonitoringConfig | None = None, now: datetime | None = None,
                audits: list[tuple[str, Alert]] | None = None) -> Alert:
    """Open an alert for `flag`, or update the patient's active alert for the same rule.

    Call with the patient serialised (monitoring.service locks the patient's monitor row
    first). Only flushes: the caller's transaction commits the alert with the data that
    raised it, or neither (security.md item 21).

    - no active alert for this rule: a new one, delivered to its recipients;
    - an active one: count + 1, latest value, last_seen_at; a higher tier raises its tier
      (fresh acknowledgement deadline, reopened, delivered again for the new tier); an
      acknowledged alert whose tier has a deadline (urgent, emergency) is reopened by a new
      firing, because it is a new event the care team has not seen.

    `audits`: when given, the audit events are appended to it for the caller to write after
    all its alert writes (write_audits), so every transaction takes its locks in one order:
    monitor row, then alert rows, then the audit chain's head (no deadlock on PostgreSQL
    between a check-in raising two alerts and a clinician acknowledging one of them).
    The patient's caseload row is recomputed when the transaction commits (app.caseload).
    """
    from app.caseload import service as caseload

    config = config or _config()
    now = now or clock.now()
    tier = Tier(flag.tier).value
    caseload.refresh(session, patient_id)
    alert = _active_alert(session, patient_id, flag.rule)
    if alert is None:
        alert = Alert(id=uuid.uuid4(), patient_id=patient_id, rule=flag.rule, tier=tier, status=OPEN,
                      count=1, created_at=now, last_seen_at=now, ack_due_at=_ack_due(tier, now, config))
        _seal_value(session, alert, flag)
        session.add(alert)
        session.flush()
        _deliver(session, alert, tier)
        _audit_or_defer(session, "alert.open", alert, audits)
        return alert

    alert.count += 1
    alert.last_seen_at = now
    _seal_value(session, alert, flag)
    higher = TIER_RANK[tier] > TIER_RANK[alert.tier]
    reopen = alert.status == ACKNOWLEDGED and config.ack_deadline(tier) is not None
    if higher or reopen:
        if higher:
            alert.tier, alert.tier_raised_at = tier, now
        alert.status = OPEN
        alert.ack_due_at = _ack_due(alert.tier, now, config)
        alert.overdue_at = alert.escalated_at = None
        session.flush()
        _deliver(session, alert, alert.tier)
        _audit_or_defer(session, "alert.raise_tier" if higher else "alert.reopen", alert, audits)
    else:
        session.flush()
    return alert


def _audit_or_defer(session: Session, action: str, alert: Alert, audits: list[tuple[str, Alert]] | None) -> None:
    if audits is None:
        write_audits(session, [(action, alert)])
    else:
        audits.append((action, alert))


def write_audits(session: Session, audits: list[tuple[str, Alert]]) -> None:
    """The system's audit events for alerts opened, reopened or raised (no field values)."""
    for action, alert in audits:
        audit.record(session, action=action, actor_id=None, actor_role="system",
                     patient_id=alert.patient_id, record_type="alert", record_id=alert.id)


def _seal_value(session: Session, alert: Alert, flag: Flag) -> None:
    crypto.seal_json(session, alert, "value_enc", flag.value)
    crypto.seal(session, alert, "detail_enc", flag.detail)


# ---------------------------------------------------------------- delivery


def _active_clinicians(session: Session, patient_id: uuid.UUID) -> list[uuid.UUID]:
    from app.accounts.models import Assignment, Role, User
    return list(session.scalars(
        select(User.id).join(Assignment, Assignment.clinician_id == User.id)
        .where(Assignment.patient_id == patient_id, User.is_active.is_(True), User.role == Role.clinician)
        .order_by(User.id)))


def _all_active_clinicians(session: Session) -> list[uuid.UUID]:
    from app.accounts.models import Role, User
    return list(session.scalars(select(User.id).where(User.role == Role.clinician, User.is_active.is_(True))
                                .order_by(User.id)))


def alert_link(alert_id: uuid.UUID) -> str:
    return f"{get_settings().base_url.rstrip('/')}/clinician/alerts/{alert_id}"


def alert_email(alert: Alert, tier: str, *, overdue: bool = False) -> tuple[str, str]:
    """Subject and body. Only the tier and a link: never the patient, rule or values."""
    t = tier.upper()
    subject = f"An alert of tier {t} is waiting" + (" (overdue)" if overdue else "")
    lines = [f"An alert of tier {t} is waiting.", ""]
    if overdue:
        lines += ["It has not been acknowledged within its deadline, so it is now sent to the on-call list.", ""]
    lines += [f"Open it: {alert_link(alert.id)}", "",
              "You will be asked to sign in. For privacy, this e-mail holds no details about the patient."]
    return subject, "\n".join(lines)


def _email(session: Session, alert: Alert, tier: str, reason: str, *, user_id: uuid.UUID | None = None,
           address: str | None = None, overdue: bool = False) -> AlertDelivery:
    from app.mail import service as mail

    subject, body = alert_email(alert, tier, overdue=overdue)
    msg = mail.enqueue(session, kind="alert", subject=subject, body=body, user_id=user_id,
                       to_address=address, ref_id=alert.id)
    d = AlertDelivery(alert_id=alert.id, recipient_user_id=user_id, recipient_address=address,
                      channel="email", reason=reason, tier=tier, outbox_id=msg.id, created_at=clock.now())
    session.add(d)
    return d


def _dashboard(session: Session, alert: Alert, tier: str, reason: str,
               user_id: uuid.UUID | None) -> AlertDelivery:
    d = AlertDelivery(alert_id=alert.id, recipient_user_id=user_id, channel="dashboard", reason=reason,
                      tier=tier, created_at=clock.now())
    session.add(d)
    return d


def _deliver(session: Session, alert: Alert, tier: str) -> list[AlertDelivery]:
    """Write one delivery row per recipient (and its outbox message) for this tier."""
    clinicians = _active_clinicians(session, alert.patient_id)
    oncall = get_settings().oncall_list
    out: list[AlertDelivery] = []
    if tier not in EMAIL_TIERS:
        if clinicians:
            out += [_dashboard(session, alert, tier, "assigned", c) for c in clinicians]
        else:
            out.append(_dashboard(session, alert, tier, "unassigned", None))
        session.flush()
        return out
    out += [_email(session, alert, tier, "assigned", user_id=c) for c in clinicians]
    if tier == Tier.EMERGENCY.value or not clinicians:
        reason = "oncall" if clinicians else "unassigned"
        out += [_email(session, alert, tier, reason, address=a) for a in oncall]
    if not out:
        log.warning("alert %s: patient has no active clinician and ICBT_ONCALL_EMAILS is empty; "
                    "e-mailing every clinician", alert.id)
        out += [_email(session, alert, tier, "fallback", user_id=c) for c in _all_active_clinicians(session)]
    if not out:
        log.error("alert %s: no clinician account and no on-call address exist; the alert is on the "
                  "dashboard only", alert.id)
        out.append(_dashboard(session, alert, tier, "unassigned", None))
    session.flush()
    return out


# ---------------------------------------------------------------- escalation


def escalate_overdue(session: Session, now: datetime | None = None, limit: int = 100) -> int:
    """Open alerts past their acknowledgement deadline and not yet escalated: mark them
    overdue and e-mail the on-call list, once. Claimed with FOR UPDATE SKIP LOCKED on
    PostgreSQL so several workers never escalate the same alert twice. Only flushes."""
    now = now or clock.now()
    begin_write(session)  # SQLite: one claimer at a time (PostgreSQL: SKIP LOCKED below)
    stmt = (select(Alert).where(Alert.status == OPEN, Alert.ack_due_at.is_not(None), Alert.ack_due_at <= now,
                                Alert.escalated_at.is_(None))
            .order_by(Alert.ack_due_at).limit(limit))
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    alerts = list(session.scalars(stmt))
    oncall = get_settings().oncall_list
    for alert in alerts:
        alert.overdue_at = alert.escalated_at = now
        sent = [_email(session, alert, alert.tier, "escalation", address=a, overdue=True) for a in oncall]
        if not sent:
            log.warning("alert %s is overdue and ICBT_ONCALL_EMAILS is empty; e-mailing every clinician", alert.id)
            for c in _all_active_clinicians(session):
                _email(session, alert, alert.tier, "escalation", user_id=c, overdue=True)
        session.flush()
        audit.record(session, action="alert.escalate", actor_id=None, actor_role="system",
                     patient_id=alert.patient_id, record_type="alert", record_id=alert.id)
    return len(alerts)


# ---------------------------------------------------------------- clinicians: who may see what


def _assigned_clause(clinician_id: uuid.UUID) -> Any:
    from app.accounts.models import Assignment
    return exists().where(Assignment.patient_id == Alert.patient_id, Assignment.clinician_id == clinician_id)


def _oncall_clause() -> Any:
    from app.accounts.models import Assignment
    unassigned = ~exists().where(Assignment.patient_id == Alert.patient_id)
    return and_(Alert.status != RESOLVED,
                or_(Alert.tier == Tier.EMERGENCY.value, Alert.escalated_at.is_not(None), unassigned))


def visible_clause(clinician_id: uuid.UUID) -> Any:
    return or_(_assigned_clause(clinician_id), _oncall_clause())


def _get_visible(session: Session, clinician_id: uuid.UUID, alert_id: uuid.UUID, *,
                 for_update: bool = False) -> Alert:
    stmt = select(Alert).where(Alert.id == alert_id, visible_clause(clinician_id))
    if for_update:
        begin_write(session)
        if session.get_bind().dialect.name == "postgresql":
            stmt = stmt.with_for_update(of=Alert)
    alert = session.scalars(stmt).first()
    if alert is None:
        raise NotFound()
    return alert


# ---------------------------------------------------------------- views


@dataclass
class Delivery:
    status: str          # dashboard | pending | delivered | undelivered
    emails: int = 0
    sent: int = 0
    pending: int = 0
    failed: int = 0

    @property
    def label(self) -> str:
        return {"dashboard": "Dashboard only", "pending": "E-mail waiting to send",
                "delivered": "E-mail delivered", "undelivered": "Undelivered"}[self.status]


@dataclass
class AlertView:
    id: uuid.UUID
    patient_id: uuid.UUID
    rule: str
    rule_label: str
    tier: str
    status: str
    count: int
    created_at: datetime
    last_seen_at: datetime
    ack_due_at: datetime | None
    overdue: bool
    escalated_at: datetime | None
    acknowledged_at: datetime | None
    resolved_at: datetime | None
    delivery: Delivery
    access: str = "assigned"       # assigned | oncall
    patient_name: str | None = None
    patient_email: str | None = None
    value: Any = None
    trigger: str | None = None       # describe(rule, value, detail)
    detail: str | None = None
    acknowledged_by: str | None = None
    ack_note: str | None = None
    resolved_by: str | None = None
    resolve_note: str | None = None
    ack_action: str | None = None
    resolve_action: str | None = None
    contact: Any = None        # contact.schemas.ContactOut | None
    safety_plan: Any = None    # safety.service.PlanView | None
    tier_raised_at: datetime | None = None
    recipients: list[dict[str, Any]] = field(default_factory=list)


def delivery_summaries(session: Session, alert_ids: list[uuid.UUID]) -> dict[uuid.UUID, Delivery]:
    """Delivery status of each alert, from its e-mail deliveries' outbox status (one query)."""
    from app.mail.models import OutboxMessage

    out = {aid: Delivery("dashboard") for aid in alert_ids}
    if not alert_ids:
        return out
    rows = session.execute(
        select(AlertDelivery.alert_id, OutboxMessage.status)
        .join(OutboxMessage, OutboxMessage.id == AlertDelivery.outbox_id)
        .where(AlertDelivery.alert_id.in_(alert_ids), AlertDelivery.channel == "email")).all()
    for aid, status in rows:
        d = out[aid]
        d.emails += 1
        if status == "sent":
            d.sent += 1
        elif status == "failed":
            d.failed += 1
        else:
            d.pending += 1
    for d in out.values():
        if d.emails:
            d.status = "undelivered" if d.failed else "pending" if d.pending else "delivered"
    return out


def _name(session: Session, user_id: uuid.UUID | None) -> str | None:
    if user_id is None:
        return None
    from app.accounts import service as accounts
    u = accounts.get_user(session, user_id)
    if u is None:
        return "a former clinician"
    return accounts.display_name_of(session, u) or accounts.email_of(session, u)


def preload_keys(session: Session, owner_ids: set[uuid.UUID]) -> None:
    """Load the data keys of everyone on a page in one query (not one per row)."""
    if owner_ids:
        rows = list(session.scalars(select(crypto.DataKey).where(crypto.DataKey.owner_id.in_(owner_ids))))
        for row in rows:  # unwrapped into the session's key cache while `rows` holds them
            crypto.data_key(session, row.owner_id)


def _views(session: Session, clinician_id: uuid.UUID, alerts: list[Alert], *, with_patient: bool = True,
           now: datetime | None = None) -> list[AlertView]:
    from app.accounts import service as accounts

    now = now or clock.now()
    deliveries = delivery_summaries(session, [a.id for a in alerts])
    assigned = set()
    if alerts:
        from app.accounts.models import Assignment
        assigned = set(session.scalars(select(Assignment.patient_id).where(
            Assignment.clinician_id == clinician_id,
            Assignment.patient_id.in_({a.patient_id for a in alerts}))))
    if with_patient:
        preload_keys(session, {a.patient_id for a in alerts})
    views = []
    for a in alerts:
        v = AlertView(
            id=a.id, patient_id=a.patient_id, rule=a.rule, rule_label=rule_label(a.rule), tier=a.tier,
            status=a.status, count=a.count, created_at=a.created_at, last_seen_at=a.last_seen_at,
            ack_due_at=a.ack_due_at,
            overdue=a.overdue_at is not None or (a.status == OPEN and a.ack_due_at is not None and a.ack_due_at <= now),
            escalated_at=a.escalated_at, acknowledged_at=a.acknowledged_at, resolved_at=a.resolved_at,
            delivery=deliveries[a.id], access="assigned" if a.patient_id in assigned else "oncall",
            tier_raised_at=a.tier_raised_at)
        if with_patient:
            p = accounts.get_user(session, a.patient_id)
            if p is not None:
                v.patient_name = accounts.display_name_of(session, p)
                v.patient_email = accounts.email_of(session, p)
        views.append(v)
    return views


def summary_view(session: Session, clinician_id: uuid.UUID, alert: Alert) -> AlertView:
    """The list view of one alert the caller already holds (no patient details)."""
    return _views(session, clinician_id, [alert], with_patient=False)[0]


STATUS_FILTERS = {"open": (OPEN,), "acknowledged": (ACKNOWLEDGED,), "active": ACTIVE_STATUSES,
                  "resolved": (RESOLVED,), "all": None}


def audit_inbox_view(session: Session, clinician: Any, status: str) -> None:
    """Security item 32: every view of the alert inbox is audited (which list, not its contents)."""
    audit.record(session, action="alert.inbox.view", actor_id=clinician.id, actor_role=clinician.role.value,
                 record_type="alert_inbox", record_id=status)


def list_for_clinician(session: Session, clinician_id: uuid.UUID, status: str = "open", *,
                       page: int = 1, per_page: int = PAGE_SIZE,
                       patient_id: uuid.UUID | None = None) -> tuple[list[AlertView], int]:
    """The clinician's inbox: highest tier first, then the longest waiting. Returns (page, total)."""
    if status not in STATUS_FILTERS:
        raise InvalidInput(_t('status must be one of open, acknowledged, active, resolved, all'), field="status")
    where = [visible_clause(clinician_id)]
    statuses = STATUS_FILTERS[status]
    if statuses is not None:
        where.append(Alert.status.in_(statuses))
    if patient_id is not None:
        where.append(Alert.patient_id == patient_id)
    total = session.scalar(select(func.count()).select_from(Alert).where(*where)) or 0
    page = max(page, 1)
    rows = list(session.scalars(
        select(Alert).where(*where)
        .order_by(case((Alert.status == RESOLVED, 1), else_=0), tier_rank_expr().desc(), Alert.created_at, Alert.id)
        .limit(per_page).offset((page - 1) * per_page)))
    return _views(session, clinician_id, rows), total


def alerts_for_patient(session: Session, clinician_id: uuid.UUID, patient_id: uuid.UUID,
                       limit: int = 50) -> list[AlertView]:
    return list_for_clinician(session, clinician_id, "all", patient_id=patient_id, per_page=limit)[0]


def get_for_clinician(session: Session, clinician: Any, alert_id: uuid.UUID) -> AlertView:
    """One alert with its value, notes and recipients. Audited (record.view)."""
    alert = _get_visible(session, clinician.id, alert_id)
    v = _views(session, clinician.id, [alert])[0]
    v.value = crypto.unseal_json(session, alert, "value_enc")
    v.detail = crypto.unseal(session, alert, "detail_enc")
    v.trigger = describe(alert.rule, v.value, v.detail)
    v.ack_note = crypto.unseal(session, alert, "ack_note_enc")
    v.resolve_note = crypto.unseal(session, alert, "resolve_note_enc")
    v.ack_action = crypto.unseal(session, alert, "ack_action_enc")
    v.resolve_action = crypto.unseal(session, alert, "resolve_action_enc")
    v.acknowledged_by = _name(session, alert.acknowledged_by)
    v.resolved_by = _name(session, alert.resolved_by)
    v.recipients = _recipients(session, alert)
    # whoever the alert was sent to (assigned or on call) can reach the patient: contact details
    # and the safety plan, not the whole record (issue 12); the view is audited with the alert id
    from app.contact import service as contact
    from app.safety import service as safety
    v.contact = contact.get(session, alert.patient_id)
    v.safety_plan = safety.get(session, alert.patient_id)
    audit.record(session, action="record.view", actor_id=clinician.id, actor_role=clinician.role.value,
                 patient_id=alert.patient_id, record_type="alert", record_id=alert.id,
                 outcome="success" if v.access == "assigned" else "oncall")
    return v


def _recipients(session: Session, alert: Alert) -> list[dict[str, Any]]:
    from app.mail.models import OutboxMessage

    rows = session.execute(
        select(AlertDelivery, OutboxMessage.status, OutboxMessage.attempts)
        .outerjoin(OutboxMessage, OutboxMessage.id == AlertDelivery.outbox_id)
        .where(AlertDelivery.alert_id == alert.id).order_by(AlertDelivery.created_at)).all()
    out = []
    for d, status, attempts in rows:
        who = (_name(session, d.recipient_user_id) if d.recipient_user_id else
               d.recipient_address or "every clinician (no assigned clinician)")
        state = "shown on the dashboard" if d.channel == "dashboard" else {
            "sent": "delivered", "failed": f"undelivered after {attempts} attempts",
        }.get(status or "", f"waiting to send ({attempts} attempts so far)")
        out.append({"who": who, "channel": d.channel, "reason": d.reason, "tier": d.tier,
                    "state": state, "at": d.created_at})
    return out


# ---------------------------------------------------------------- acknowledge, resolve


#: what the clinician did, required with a note for urgent and emergency alerts (api.md)
ACTIONS = {
    "contacted_patient": "Contacted the patient",
    "could_not_reach": "Tried and could not reach the patient",
    "emergency_services": "Contacted the emergency services",
    "contacted_gp": "Contacted the GP",
    "other": "Other (see note)",
}
#: tiers whose acknowledgement and resolution need an action and a note
ACTION_TIERS = EMAIL_TIERS


def _note(note: str | None) -> str | None:
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise InvalidInput(_t('The note can be at most %(NOTE_MAX)s characters.', NOTE_MAX=NOTE_MAX), field="note")
    return note or None


def action_problems(tier: str, action: str | None, note: str | None) -> dict[str, str]:
    """Every problem with an acknowledgement's action and note, by field (empty: fine)."""
    out = {}
    action = (action or "").strip() or None
    if action is not None and action not in ACTIONS:
        out["action"] = "Choose one of: " + ", ".join(ACTIONS) + "."
    elif action is None and tier in ACTION_TIERS:
        out["action"] = "Say what you did: an urgent or emergency alert needs an action."
    text = (note or "").strip()
    if len(text) > NOTE_MAX:
        out["note"] = f"The note can be at most {NOTE_MAX} characters."
    elif not text and tier in ACTION_TIERS:
        out["note"] = "Write a note of what you did: an urgent or emergency alert needs one."
    return out


def _check_action(alert: Alert, action: str | None, note: str | None) -> str | None:
    problems = action_problems(alert.tier, action, note)
    if problems:
        field, detail = next(iter(problems.items()))
        raise InvalidInput(detail, field=field)
    return (action or "").strip() or None


def acknowledge(session: Session, clinician: Any, alert_id: uuid.UUID, note: str | None = None,
                action: str | None = None) -> Alert:
    """Open -> acknowledged (stops escalation). Acknowledging again keeps the first
    acknowledgement; a resolved alert cannot be acknowledged (409). Urgent and emergency
    alerts need an action (ACTIONS) and a note (422 naming the field); both stored encrypted."""
    text = _note(note)
    alert = _get_visible(session, clinician.id, alert_id, for_update=True)
    if alert.status == RESOLVED:
        raise Conflict(_t('This alert is already resolved.'), code="alert_resolved")
    if alert.status == ACKNOWLEDGED:
        return alert
    act = _check_action(alert, action, note)
    now = clock.now()
    alert.status, alert.acknowledged_by, alert.acknowledged_at = ACKNOWLEDGED, clinician.id, now
    crypto.seal(session, alert, "ack_note_enc", text)
    crypto.seal(session, alert, "ack_action_enc", act)
    session.flush()
    from app.caseload import service as caseload
    caseload.refresh(session, alert.patient_id)
    audit.record(session, action="alert.acknowledge", actor_id=clinician.id, actor_role=clinician.role.value,
                 patient_id=alert.patient_id, record_type="alert", record_id=alert.id)
    return alert


def resolve(session: Session, clinician: Any, alert_id: uuid.UUID, note: str | None = None,
            action: str | None = None) -> Alert:
    """Active -> resolved (and acknowledged, if it was not yet). Resolving twice is a no-op.
    Urgent and emergency alerts need an action and a note, as for acknowledge."""
    text = _note(note)
    alert = _get_visible(session, clinician.id, alert_id, for_update=True)
    if alert.status == RESOLVED:
        return alert
    act = _check_action(alert, action, note)
    crypto.seal(session, alert, "resolve_action_enc", act)
    now = clock.now()
    if alert.acknowledged_at is None:
        alert.acknowledged_by, alert.acknowledged_at = clinician.id, now
    alert.status, alert.resolved_by, alert.resolved_at = RESOLVED, clinician.id, now
    crypto.seal(session, alert, "resolve_note_enc", text)
    session.flush()
    from app.caseload import service as caseload
    caseload.refresh(session, alert.patient_id)
    audit.record(session, action="alert.resolve", actor_id=clinician.id, actor_role=clinician.role.value,
                 patient_id=alert.patient_id, record_type="alert", record_id=alert.id)
    return alert


# ---------------------------------------------------------------- the patient's view


@dataclass(frozen=True)
class PatientAlertStatus:
    """What the patient sees about an alert, in plain words (no rule names, no scores)."""

    alert_id: uuid.UUID
    tier: str
    state: str        # told | seen | unreachable (never "told" unless someone was)
    topic: str        # what it was about
    message: str      # computed from routing and delivery (app/alerts/honesty.py)
    since: datetime   # when it was raised
    updated_at: datetime
    care_team: Any = None   # escalation.schemas.CareTeamStatus


def patient_alert_status(session: Session, patient_id: uuid.UUID) -> list[PatientAlertStatus]:
    """The patient's active alerts, and those resolved in the last 7 days: one line per
    topic (several rules fired by one check-in read as one), "told" before "seen" (something
    the care team has not seen yet wins), highest tier first."""
    now = clock.now()
    rows = session.scalars(select(Alert).where(
        Alert.patient_id == patient_id,
        or_(Alert.status.in_(ACTIVE_STATUSES), Alert.resolved_at >= now - PATIENT_SHOWS_RESOLVED_FOR),
    ).order_by(tier_rank_expr().desc(), Alert.last_seen_at.desc())).all()
    from app.alerts import honesty

    states = honesty.delivery_state(session, [a.id for a in rows])
    out = []
    for a in rows:
        ct = honesty.status_of(a, states[a.id])
        state = {"notified": "told", "seen": "seen"}.get(ct.status, "unreachable")
        updated = max(t for t in (a.last_seen_at, a.acknowledged_at, a.resolved_at) if t is not None)
        out.append(PatientAlertStatus(alert_id=a.id, tier=a.tier, state=state,
                                      topic=_t(_PATIENT_TOPIC.get(a.rule, _PATIENT_TOPIC_DEFAULT)),
                                      message=ct.message, since=a.created_at, updated_at=updated, care_team=ct))
    out.sort(key=lambda x: (x.state == "seen", -TIER_RANK[x.tier], -x.updated_at.timestamp()))
    seen_topics: set[str] = set()
    unique = []
    for x in out:
        if x.topic not in seen_topics:
            seen_topics.add(x.topic)
            unique.append(x)
    return unique


# ---------------------------------------------------------------- counts for the dashboard


@dataclass
class CaseloadFacts:
    """What the caseload row (app/caseload) keeps about one patient's alerts."""

    top_rank: int = 0                                   # highest open tier (3..1), 0 when none
    open: dict[str, int] = field(default_factory=lambda: {"emergency": 0, "urgent": 0, "routine": 0})
    active: int = 0                                     # open or acknowledged, any tier
    active_rules: set[str] = field(default_factory=set)


def caseload_facts(session: Session, patient_ids: list[uuid.UUID]) -> dict[uuid.UUID, CaseloadFacts]:
    """Per patient, from their unresolved alerts (one grouped query for the batch)."""
    out = {pid: CaseloadFacts() for pid in patient_ids}
    if not patient_ids:
        return out
    for pid, tier, status, rule, n in session.execute(
            select(Alert.patient_id, Alert.tier, Alert.status, Alert.rule, func.count())
            .where(Alert.patient_id.in_(patient_ids), Alert.status.in_(ACTIVE_STATUSES))
            .group_by(Alert.patient_id, Alert.tier, Alert.status, Alert.rule)):
        f = out[pid]
        f.active += n
        f.active_rules.add(rule)
        if status == OPEN:
            f.open[tier] = f.open.get(tier, 0) + n
            f.top_rank = max(f.top_rank, TIER_RANK.get(tier, 0))
    return out


def most_urgent_active(session: Session, patient_ids: list[uuid.UUID]) -> dict[uuid.UUID, uuid.UUID]:
    """Each patient's unresolved alert to open first: open before acknowledged, highest tier,
    then the oldest (the on-call "Unassigned" list links to it)."""
    best: dict[uuid.UUID, uuid.UUID] = {}
    if patient_ids:
        for pid, aid in session.execute(
                select(Alert.patient_id, Alert.id)
                .where(Alert.patient_id.in_(patient_ids), Alert.status.in_(ACTIVE_STATUSES))
                .order_by(Alert.patient_id, case((Alert.status == OPEN, 0), else_=1), tier_rank_expr().desc(),
                          Alert.created_at, Alert.id)):
            best.setdefault(pid, aid)
    return best


def open_count_for_clinician(session: Session, clinician_id: uuid.UUID) -> dict[str, int]:
    rows = session.execute(select(Alert.tier, func.count()).where(
        Alert.status == OPEN, visible_clause(clinician_id)).group_by(Alert.tier)).all()
    return {tier: n for tier, n in rows}


# ---------------------------------------------------------------- closed by the system


def resolve_by_system(session: Session, patient_id: uuid.UUID, rule: str, note: str) -> int:
    """Resolve the patient's active alerts of `rule` whose reason no longer holds (e.g. item 9
    answered after all). Recorded with the reason and audited with the actor "system".
    Returns how many were resolved."""
    begin_write(session)
    stmt = select(Alert).where(Alert.patient_id == patient_id, Alert.rule == rule,
                               Alert.status.in_(ACTIVE_STATUSES))
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    rows = list(session.scalars(stmt))
    now = clock.now()
    for alert in rows:
        alert.status, alert.resolved_at = RESOLVED, now
        crypto.seal(session, alert, "resolve_note_enc", note)
    session.flush()
    if rows:
        from app.caseload import service as caseload
        caseload.refresh(session, patient_id)
    for alert in rows:
        audit.record(session, action="alert.resolve", actor_id=None, actor_role="system",
                     patient_id=patient_id, record_type="alert", record_id=alert.id)
    return len(rows)
