"""What the patient is told about their care team, computed from what actually happened to
the alert (clinical-rules.md §4): never a fixed sentence.

- seen: a clinician acknowledged (or resolved) it: "{team} has seen this" with the time;
- notified: the alert went to at least one person who can act (an assigned clinician, or an
  on-call address) and not every delivery failed: "Your care team has been told. They aim to
  reply within {reply time}", with the team's hours, from the escalation file;
- unreachable: nobody can be reached: no assigned clinician and no on-call address, no mail
  server to send with, or every delivery failed: "We could not reach your care team
  automatically. Please use the services below now.";
- dashboard_only: the deployment states that alerts are read only on the dashboard
  (ICBT_ALERTS_DASHBOARD_ONLY=true): the patient is told exactly that.

The routine tier is never e-mailed: with an assigned clinician it is "notified" (shown on their
dashboard, looked at by the next contact); without one, "unreachable".
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.alerts.models import Alert, AlertDelivery
from app.config import get_settings
from app.escalation.schemas import CareTeamStatus
from app.i18n import N_, _t

NOTIFIED, UNREACHABLE, SEEN, DASHBOARD_ONLY = "notified", "unreachable", "seen", "dashboard_only"
#: delivery reasons that reach a person responsible for this patient or on call
ROUTED_REASONS = frozenset({"assigned", "oncall", "unassigned", "escalation"})

MSG_UNREACHABLE = N_("We could not reach your care team automatically. Please use the services below now.")
MSG_UNREACHABLE_ROUTINE = N_("No clinician is looking after you in this programme yet, so nobody has seen this. "
                             "If things get worse, or you feel unsafe, use the services below.")


def _when(at: datetime) -> str:
    from app import i18n
    return _t("%(day)s at %(time)s UTC", day=i18n.format_when(at, "%A %-d %B"), time=f"{at:%H:%M}")


def _team():  # type: ignore[no-untyped-def]
    from app.escalation import service as escalation
    return escalation.pathways().care_team


def delivery_state(session: Session, alert_ids: list[uuid.UUID]) -> dict[uuid.UUID, dict[str, int]]:
    """Per alert: routed e-mails sent / pending / failed, and dashboard rows for an assigned clinician."""
    from app.mail.models import OutboxMessage

    out = {aid: {"sent": 0, "pending": 0, "failed": 0, "dashboard_assigned": 0} for aid in alert_ids}
    if not alert_ids:
        return out
    rows = session.execute(
        select(AlertDelivery.alert_id, AlertDelivery.channel, AlertDelivery.reason, OutboxMessage.status)
        .outerjoin(OutboxMessage, OutboxMessage.id == AlertDelivery.outbox_id)
        .where(AlertDelivery.alert_id.in_(alert_ids))).all()
    for aid, channel, reason, status in rows:
        if reason not in ROUTED_REASONS:
            continue
        d = out[aid]
        if channel == "dashboard":
            if reason == "assigned":
                d["dashboard_assigned"] += 1
        elif status == "sent":
            d["sent"] += 1
        elif status == "failed":
            d["failed"] += 1
        else:
            d["pending"] += 1
    return out


def status_of(alert: Alert, state: dict[str, int]) -> CareTeamStatus:
    """The care team's status for one alert, from its acknowledgement and delivery state."""
    settings = get_settings()
    team = _team()
    reply = team.reply_time(alert.tier)
    base = {"hours": team.hours, "phone": team.phone, "reply_time": reply}
    if alert.acknowledged_at is not None:
        return CareTeamStatus(status=SEEN, message=_t("%(team)s has seen this (%(when)s).", team=team.name,
                                                                 when=_when(alert.acknowledged_at)),
                              **base)
    if alert.tier == "routine":
        if state["dashboard_assigned"]:
            return CareTeamStatus(status=NOTIFIED, message=_t(
                "%(team)s can see this on their dashboard and will look at it by your next contact.",
                team=team.name), **base)
        return CareTeamStatus(status=UNREACHABLE, message=_t(MSG_UNREACHABLE_ROUTINE), **base)
    if settings.alerts_dashboard_only:
        return CareTeamStatus(status=DASHBOARD_ONLY, message=_t(
            "This service reads alerts only on its dashboard, during its hours (%(hours)s); "
            "nobody is sent a message about it. If you need help sooner, use the services below now.",
            hours=team.hours), **base)
    can_send = bool(settings.smtp_host)
    sent, pending = state["sent"], state["pending"] if can_send else 0
    if not (sent or pending):
        return CareTeamStatus(status=UNREACHABLE, message=_t(MSG_UNREACHABLE), **base)
    if sent:
        told = _t("%(team)s has been told.", team=team.name)
    else:
        told = _t("%(team)s is being told now.", team=team.name)
    within = _t(" They aim to reply within %(reply)s", reply=reply) if reply else ""
    return CareTeamStatus(status=NOTIFIED, message=_t(
        "%(told)s%(within)s (%(hours)s). If you need help sooner, use the services below.",
        told=told, within=within, hours=team.hours), **base)


def status_for(session: Session, alert: Alert) -> CareTeamStatus:
    return status_of(alert, delivery_state(session, [alert.id])[alert.id])


def latest_active(session: Session, patient_id: uuid.UUID, rules: set[str] | None = None) -> Alert | None:
    """The patient's most recent active alert (of the given rules), highest tier first."""
    from app.alerts.models import ACTIVE_STATUSES
    from app.alerts.service import tier_rank_expr

    stmt = select(Alert).where(Alert.patient_id == patient_id, Alert.status.in_(ACTIVE_STATUSES))
    if rules:
        stmt = stmt.where(Alert.rule.in_(rules))
    return session.scalars(stmt.order_by(tier_rank_expr().desc(), Alert.last_seen_at.desc())).first()


def unrouted_clause():  # type: ignore[no-untyped-def]
    """Active urgent/emergency alerts that reached nobody responsible: no routed e-mail that has
    not failed (or no mail server at all to send one with)."""
    from sqlalchemy import exists, true

    from app.alerts.models import ACTIVE_STATUSES
    from app.mail.models import OutboxMessage
    active = Alert.status.in_(ACTIVE_STATUSES) & Alert.tier.in_(("urgent", "emergency"))
    if not get_settings().smtp_host:
        return active & true()
    routed = (select(AlertDelivery.id).join(OutboxMessage, OutboxMessage.id == AlertDelivery.outbox_id)
              .where(AlertDelivery.alert_id == Alert.id, AlertDelivery.channel == "email",
                     AlertDelivery.reason.in_(ROUTED_REASONS), OutboxMessage.status != "failed")
              .correlate(Alert))
    return active & ~exists(routed)


def unrouted(session: Session, limit: int = 50) -> list[Alert]:
    """For the top of /admin and the clinicians' inbox: oldest first."""
    if get_settings().alerts_dashboard_only:
        return []   # stated: alerts are read on the dashboard; the inbox lists them anyway
    return list(session.scalars(select(Alert).where(unrouted_clause()).order_by(Alert.created_at).limit(limit)))


def with_care_team(session: Session, patient_id: uuid.UUID, pathway, rules: set[str]):  # type: ignore[no-untyped-def]
    """The pathway (PathwayOut) with `care_team` filled from the alert those rules raised."""
    if pathway is None:
        return None
    alert = latest_active(session, patient_id, rules)
    if alert is None:
        return pathway
    return pathway.model_copy(update={"care_team": status_for(session, alert)})


def ack_summaries(session: Session, alert_ids: list[uuid.UUID]) -> dict[uuid.UUID, str]:
    """For the patient's record: what was done on each alert ("Contacted the patient: note")."""
    from app.alerts.service import ACTIONS
    from app.security import crypto

    out = {}
    if not alert_ids:
        return out
    for a in session.scalars(select(Alert).where(Alert.id.in_(alert_ids))):
        parts = []
        for action_col, note_col in (("ack_action_enc", "ack_note_enc"), ("resolve_action_enc", "resolve_note_enc")):
            action, note = crypto.unseal(session, a, action_col), crypto.unseal(session, a, note_col)
            if action or note:
                parts.append(": ".join(x for x in (ACTIONS.get(action or "", action), note) if x))
        if parts:
            out[a.id] = " · ".join(parts)
    return out
