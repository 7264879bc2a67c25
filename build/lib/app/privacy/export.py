"""Everything stored about a patient (GDPR Art. 15 and 20), as JSON and as a FHIR Bundle.

The JSON export is generic: every table of `Base.metadata` with a row that belongs to the
patient (the same rule as erasure, `erasure.person_conditions`), every column, encrypted
columns decrypted with the patient's key. A table added later is exported without a change
here. Left out: secrets that are not information about the person (password and token
hashes, wrapped keys, CSRF tokens) and tables of key material and counters. The audit log
is included as the patient's access log: who (by role) did what to their record, and when.
Each export is audited.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app import clock
from app.accounts import service as accounts
from app.accounts.models import User
from app.assessments import service as assessments
from app.audit import service as audit
from app.audit.models import AuditEvent
from app.config import get_settings
from app.db import Base
from app.privacy import fhir
from app.privacy.erasure import KEPT_TABLES, person_conditions
from app.security import crypto
from app.security.crypto import EncryptedBytes

NOT_EXPORTED_TABLES = frozenset({"data_keys", "login_throttle"}) | KEPT_TABLES
#: Tables never shown to the patient (api.md: clinicians' notes). A table can also opt out with
#: `__table_args__ = {"info": {"patient_export": False}}`.
# Clinicians' private working notes (app.guided: clinical notes and the private note of a review)
# are not in the self-service export; the controller handles them on a subject access request.
NOT_FOR_PATIENT_TABLES = frozenset({"clinical_notes", "reviews"})
SECRET_COLUMNS = frozenset({"password_hash", "token_hash", "csrf_token", "wrapped", "kek_id", "email_hash"})
FORMAT_VERSION = 1


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, bytes):
        return None
    if hasattr(value, "value"):  # enums
        return value.value
    return value


def _decrypted(session: Session, obj: Any, attr: str) -> Any:
    try:
        text = crypto.unseal(session, obj, attr)
    except (crypto.DecryptionError, ValueError):
        return "(could not be decrypted)"
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


def _rows(session: Session, patient: User) -> dict[str, list[dict[str, Any]]]:
    conds = person_conditions(patient.id)
    out: dict[str, list[dict[str, Any]]] = {}
    for mapper in sorted(Base.registry.mappers, key=lambda m: m.local_table.name):
        table = mapper.local_table
        if (table.name in NOT_EXPORTED_TABLES | NOT_FOR_PATIENT_TABLES or table.name not in conds
                or table.info.get("patient_export") is False):
            continue
        rows = session.scalars(select(mapper.class_).where(or_(*conds[table.name]))).all()
        items = []
        for obj in rows:
            item: dict[str, Any] = {}
            for attr in mapper.column_attrs:
                col = attr.columns[0]
                if col.name in SECRET_COLUMNS:
                    continue
                if isinstance(col.type, EncryptedBytes):
                    item[col.name.removesuffix("_enc")] = _decrypted(session, obj, attr.key)
                else:
                    item[col.name] = _plain(getattr(obj, attr.key))
            items.append(item)
        if items:
            out[table.name] = items
    return out


def _access_log(session: Session, patient: User) -> list[dict[str, Any]]:
    events = session.scalars(select(AuditEvent).where(
        or_(AuditEvent.patient_id == patient.id, AuditEvent.actor_id == patient.id)).order_by(AuditEvent.seq))
    return [{"at": e.at.isoformat(), "by": "you" if e.actor_id == patient.id else e.actor_role,
             "action": e.action, "record_type": e.record_type, "outcome": e.outcome} for e in events]


def export_json(session: Session, patient: User, *, channel: str = "api") -> dict[str, Any]:
    data = {
        "format": "steady-steps-export", "format_version": FORMAT_VERSION,
        "exported_at": clock.now().isoformat(),
        "person": {"id": str(patient.id), "email": accounts.email_of(session, patient),
                   "display_name": accounts.display_name_of(session, patient), "role": patient.role.value},
        "records": _rows(session, patient),
        "access_log": _access_log(session, patient),
    }
    audit.record(session, action=f"export.json.{channel}", actor_id=patient.id, actor_role=patient.role.value,
                 patient_id=patient.id, record_type="user", record_id=patient.id)
    return data


def checkins(session: Session, patient_id: uuid.UUID) -> list[fhir.CheckIn]:
    out = []
    for instrument in assessments.INSTRUMENT_KEYS:
        for a in assessments.history(session, patient_id, instrument):
            out.append(fhir.CheckIn(id=a.id, instrument=a.instrument, answers=list(a.answers),
                                    difficulty=a.difficulty, total=a.total, severity=a.severity,
                                    taken_at=a.taken_at))
    return sorted(out, key=lambda c: c.taken_at)


def fhir_bundle(session: Session, patient: User, *, actor: User, channel: str = "api") -> dict[str, Any]:
    """The patient's Bundle, for themselves or their assigned clinician (the caller checks)."""
    info = fhir.PatientInfo(id=patient.id, email=accounts.email_of(session, patient),
                            display_name=accounts.display_name_of(session, patient))
    data = fhir.bundle(info, checkins(session, patient.id), base_url=get_settings().base_url, now=clock.now())
    audit.record(session, action=f"export.fhir.{channel}", actor_id=actor.id, actor_role=actor.role.value,
                 patient_id=patient.id, record_type="user", record_id=patient.id)
    return data
