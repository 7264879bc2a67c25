"""The episode of care: referred / active / finished / dropped_out / stepped_up / discharged,
set by an assigned clinician with a reason and a note (sealed). Finishing or discharging asks
the patient for the end-of-treatment check-in through `_request_end_of_treatment`."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import clock
from app.accounts.models import User
from app.audit import service as audit
from app.errors import InvalidInput
from app.guided import service
from app.guided.models import EpisodeEvent

STATUSES: Final = ("referred", "active", "finished", "dropped_out", "stepped_up", "discharged")
LABELS: Final = {"referred": "Referred", "active": "Active", "finished": "Finished treatment",
                 "dropped_out": "Dropped out", "stepped_up": "Stepped up to more intensive care",
                 "discharged": "Discharged"}
ASKS_END_CHECKIN: Final = ("finished", "discharged")


def _request_end_of_treatment(session: Session, patient_id: uuid.UUID, at: datetime) -> bool:
    """Ask the patient for the end-of-treatment check-in (clinical-rules.md §5; follow-ups 4 and
    12 weeks later are due from it). True: it was asked."""
    from app.assessments import service as assessments_service

    assessments_service.start_end_of_treatment(session, patient_id, at)
    return True


def set_status(session: Session, clinician: User, patient_id: uuid.UUID, status: str | None,
               reason: str | None, note: str | None) -> EpisodeEvent:
    patient = service._assigned(session, clinician, patient_id)
    if status not in STATUSES:
        raise InvalidInput("Choose one of: " + ", ".join(STATUSES) + ".", field="status")
    why = service.clean(reason, "reason", "the reason") if status in service.ENDED else (reason or "").strip()[:200]
    text = service.clean(note, "note")
    now = clock.now()
    ev = EpisodeEvent(id=uuid.uuid4(), patient_id=patient.id, status=status, changed_by=clinician.id, changed_at=now)
    crypto_seal(session, ev, why, text)
    session.add(ev)
    st = service.state(session, patient)
    st.episode_status, st.episode_changed_at = status, now
    if status in service.ENDED:
        st.next_review_at = None
    elif st.next_review_at is None:
        st.next_review_at = now + service.interval()
    session.flush()
    service._caseload(session, patient.id)
    audit.record(session, action="episode.change", actor_id=clinician.id, actor_role=clinician.role.value,
                 patient_id=patient.id, record_type="episode_event", record_id=ev.id)
    ev.end_requested = status in ASKS_END_CHECKIN and _request_end_of_treatment(session, patient.id, now)  # type: ignore[attr-defined]
    return ev


def crypto_seal(session: Session, ev: EpisodeEvent, reason: str, note: str) -> None:
    from app.security import crypto
    crypto.seal(session, ev, "reason_enc", reason)
    crypto.seal(session, ev, "note_enc", note)


def history(session: Session, patient_id: uuid.UUID) -> list[dict[str, object]]:
    from app.security import crypto
    rows = session.scalars(select(EpisodeEvent).where(EpisodeEvent.patient_id == patient_id)
                           .order_by(EpisodeEvent.changed_at.desc())).all()
    return [{"status": r.status, "label": LABELS.get(r.status, r.status), "changed_at": r.changed_at,
             "reason": crypto.unseal(session, r, "reason_enc"), "note": crypto.unseal(session, r, "note_enc")}
            for r in rows]
