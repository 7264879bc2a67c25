"""Who is told about an alert, and how: one delivery row per recipient (and its outbox
message), and escalation of open alerts past their acknowledgement deadline to the on-call
list. The routing rules are in the module docstring of app/alerts/service.py."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import clock, i18n
from app.alerts.models import EMAIL_TIERS, OPEN, Alert, AlertDelivery
from app.audit import service as audit
from app.config import get_settings
from app.db import begin_write
from app.i18n import N_, _t
from app.monitoring.rules import Tier

log = logging.getLogger("icbt.alerts")


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


#: The tier as the e-mail names it (capitals: it is the whole message).
TIER_NAMES = {"routine": N_("ROUTINE"), "urgent": N_("URGENT"), "emergency": N_("EMERGENCY")}


def alert_email(alert: Alert, tier: str, *, overdue: bool = False) -> tuple[str, str]:
    """Subject and body, in the current language (`_email` picks the recipient's). Only the
    tier and a link: never the patient, rule or values."""
    t = _t(TIER_NAMES[tier]) if tier in TIER_NAMES else tier.upper()
    subject = (_t("An alert of tier %(tier)s is waiting (overdue)", tier=t) if overdue
               else _t("An alert of tier %(tier)s is waiting", tier=t))
    lines = [_t("An alert of tier %(tier)s is waiting.", tier=t), ""]
    if overdue:
        lines += [_t("It has not been acknowledged within its deadline, so it is now sent to the on-call list."), ""]
    lines += [_t("Open it: %(link)s", link=alert_link(alert.id)), "",
              _t("You will be asked to sign in. For privacy, this e-mail holds no details about the patient.")]
    return subject, "\n".join(lines)


def _email(session: Session, alert: Alert, tier: str, reason: str, *, user_id: uuid.UUID | None = None,
           address: str | None = None, overdue: bool = False) -> AlertDelivery:
    """One e-mail, in the language of the clinician's account; an on-call address with no
    account gets the deployment's language (ICBT_DEFAULT_LOCALE)."""
    from app.accounts.models import User
    from app.mail import service as mail

    with i18n.using(i18n.for_account(session.get(User, user_id) if user_id is not None else None)):
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
