"""What clinicians see of alerts: who may see which alert (assigned, or on-call cover), the
inbox and one alert with its recipients, and what the patient sees of their own alerts.
Reads only: raising and acting on alerts is in app/alerts/service.py."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, case, exists, func, or_, select
from sqlalchemy.orm import Session

from app import clock
from app.alerts.models import (ACKNOWLEDGED, ACTIVE_STATUSES, OPEN, RESOLVED, TIER_RANK, Alert, AlertDelivery,
                               tier_rank_expr)
from app.alerts.words import _PATIENT_TOPIC, _PATIENT_TOPIC_DEFAULT, describe, rule_label
from app.audit import service as audit
from app.db import begin_write
from app.errors import InvalidInput, NotFound
from app.i18n import _t
from app.monitoring.rules import Tier
from app.security import crypto

PAGE_SIZE = 50
#: how long a resolved alert stays in the patient's "what happened" list
PATIENT_SHOWS_RESOLVED_FOR = timedelta(days=7)


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
                       patient_id: uuid.UUID | None = None, with_total: bool = True) -> tuple[list[AlertView], int]:
    """The clinician's inbox: highest tier first, then the longest waiting. Returns (page,
    total); the Open list's total is the header's count (app/alerts/waiting.py: routine
    alerts past ROUTINE_SHOWN_UP_TO are not counted), 0 when with_total=False."""
    if status not in STATUS_FILTERS:
        raise InvalidInput(_t('status must be one of open, acknowledged, active, resolved, all'), field="status")
    page = max(page, 1)
    if status == "open" and patient_id is None:
        from app.alerts.waiting import _open_page, open_count_for_clinician
        rows = _open_page(session, clinician_id, page, per_page)
        total = open_count_for_clinician(session, clinician_id).total if with_total else 0
        return _views(session, clinician_id, rows), total
    where = [visible_clause(clinician_id)]
    statuses = STATUS_FILTERS[status]
    if statuses is not None:
        where.append(Alert.status.in_(statuses))
    if patient_id is not None:
        where.append(Alert.patient_id == patient_id)
    total = (session.scalar(select(func.count()).select_from(Alert).where(*where)) or 0) if with_total else 0
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


_FOR_PATIENT = (select(Alert).where(  # built once: the home page asks on every visit (issue 18)
    Alert.patient_id == bindparam("patient_id"),
    or_(Alert.status.in_(ACTIVE_STATUSES), Alert.resolved_at >= bindparam("resolved_since")),
).order_by(tier_rank_expr().desc(), Alert.last_seen_at.desc()))


def patient_alert_status(session: Session, patient_id: uuid.UUID) -> list[PatientAlertStatus]:
    """The patient's active alerts, and those resolved in the last 7 days: one line per
    topic (several rules fired by one check-in read as one), "told" before "seen" (something
    the care team has not seen yet wins), highest tier first."""
    now = clock.now()
    rows = session.scalars(_FOR_PATIENT, {"patient_id": patient_id,
                                          "resolved_since": now - PATIENT_SHOWS_RESOLVED_FOR}).all()
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
