"""JSON: the clinician's alerts (api.md "Clinicians")."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Query

from app.accounts.dependencies import CurrentClinician
from app.alerts import service
from app.alerts.schemas import AlertDetailOut, AlertOut, NoteIn, StatusFilter
from app.db import SessionDep

router = APIRouter(prefix="/clinician/alerts", tags=["clinician"])


@router.get("", response_model=list[AlertOut])
def list_alerts(session: SessionDep, clinician: CurrentClinician,
                status: StatusFilter = "open", page: int = Query(1, ge=1, le=100000)) -> list[AlertOut]:
    """Alerts the clinician may act on, highest tier first, then the longest waiting (50 a
    page). `delivery` is "undelivered" when an e-mail failed after every retry."""
    views, _ = service.list_for_clinician(session, clinician.id, status, page=page, with_total=False)
    service.audit_inbox_view(session, clinician, status)
    return [AlertOut.of(v) for v in views]


@router.get("/{alert_id}", response_model=AlertDetailOut)
def get_alert(alert_id: uuid.UUID, session: SessionDep, clinician: CurrentClinician) -> AlertDetailOut:
    """One alert with its trigger value, notes and recipients (audited)."""
    return AlertDetailOut.of(service.get_for_clinician(session, clinician, alert_id))


@router.post("/{alert_id}/acknowledge", response_model=AlertOut)
def acknowledge(alert_id: uuid.UUID, data: NoteIn, session: SessionDep, clinician: CurrentClinician) -> AlertOut:
    """Acknowledge (stops escalation). `action` and `note` (up to 2000 characters) are required for
    urgent and emergency alerts, optional for routine ones; both stored encrypted."""
    alert = service.acknowledge(session, clinician, alert_id, data.note, data.action)
    return AlertOut.of(service.summary_view(session, clinician.id, alert))


@router.post("/{alert_id}/resolve", response_model=AlertOut)
def resolve(alert_id: uuid.UUID, data: NoteIn, session: SessionDep, clinician: CurrentClinician) -> AlertOut:
    """Resolve (acknowledges it too, if it was not yet)."""
    alert = service.resolve(session, clinician, alert_id, data.note, data.action)
    return AlertOut.of(service.summary_view(session, clinician.id, alert))
