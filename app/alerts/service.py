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

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from app import clock
from app.alerts.delivery import _deliver
from app.alerts.models import ACKNOWLEDGED, ACTIVE_STATUSES, EMAIL_TIERS, OPEN, RESOLVED, TIER_RANK, Alert
from app.alerts.models import tier_rank_expr
from app.alerts.views import _get_visible, visible_clause
from app.audit import service as audit
from app.db import begin_write
from app.errors import Conflict, InvalidInput
from app.monitoring.rules import Flag, MonitoringConfig, Tier
from app.security import crypto
from app.i18n import _t

# The domain's public names (other domains import `app.alerts.service` only, CONTRIBUTING.md):
# the inbox and alert views, delivery and escalation, and the words live in their own modules.
from app.alerts.delivery import alert_email, alert_link, escalate_overdue  # noqa: E402,F401
from app.alerts.views import (PAGE_SIZE, PATIENT_SHOWS_RESOLVED_FOR, STATUS_FILTERS,  # noqa: E402,F401
                              AlertView, Delivery, PatientAlertStatus, alerts_for_patient, audit_inbox_view,
                              delivery_summaries, get_for_clinician, list_for_clinician, patient_alert_status,
                              preload_keys, summary_view)
from app.alerts.waiting import OpenCounts, open_count_for_clinician  # noqa: E402,F401
from app.alerts.words import RULE_LABELS, describe, rule_label  # noqa: E402,F401

NOTE_MAX = 2000


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
