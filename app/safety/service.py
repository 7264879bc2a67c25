"""The patient's safety plan (after Stanley & Brown's Safety Planning Intervention).

One plan per patient, written by the patient, every section encrypted. The
"professionals and crisis lines" section starts with a suggestion taken from the
deployment's escalation pathways file, which the patient may change.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import clock
from app.errors import InvalidInput
from app.safety.models import SafetyPlan
from app.security import crypto
from app.i18n import N_, _t  # noqa: F401 - interface text (app.i18n)

SECTION_MAX = 2000


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    hint: str


SECTIONS: tuple[Section, ...] = (
    Section("warning_signs", "My warning signs",
            "Thoughts, feelings, situations or things I do that tell me a crisis may be starting."),
    Section("coping", "Things I can do on my own",
            "Things that take my mind off my problems or help me feel calmer, without contacting anyone."),
    Section("social", "People and places that help me feel better",
            "People I can spend time with and places I can go to take my mind off things."),
    Section("contacts", "People I can ask for help",
            "Family members or friends I can tell how I feel, with their phone numbers."),
    Section("professionals", "Professionals and crisis lines",
            "My care team, GP and crisis lines I can call at any time. We filled in some suggestions: change them as you like."),
    Section("environment", "Making my surroundings safer",
            "Ways to keep myself safe, for example asking someone to keep medicines or other things I could hurt myself with."),
    Section("reasons", "What matters most to me",
            "The people and things worth staying safe for. (Optional.)"),
)
SECTION_KEYS = tuple(s.key for s in SECTIONS)


@dataclass
class PlanView:
    id: uuid.UUID | None
    sections: dict[str, str]
    created_at: datetime | None
    updated_at: datetime | None

    @property
    def exists(self) -> bool:
        return self.id is not None

    @property
    def is_empty(self) -> bool:
        return not any(v.strip() for v in self.sections.values())


def suggested_professionals() -> str:
    """Suggested lines for the professionals section, from the escalation pathways file."""
    from app.escalation import service as escalation

    p = escalation.pathways()
    lines = []
    if p.care_team is not None:
        ct = p.care_team
        extra = ", ".join(x for x in (ct.phone, ct.hours) if x)
        lines.append(f"{ct.name}" + (f": {extra}" if extra else ""))
    seen = set()
    for tier in ("emergency", "urgent"):
        for r in p.tiers[tier].resources:
            if r.name in seen or not (r.phone or r.sms):
                continue
            seen.add(r.name)
            how = []
            if r.phone:
                how.append(f"call {r.phone}")
            if r.sms:
                how.append(f"text {r.sms_text + ' to ' if r.sms_text else ''}{r.sms}")
            lines.append(f"{r.name}: {' or '.join(how)} ({r.hours})")
    return "\n".join(lines)


def _row(session: Session, patient_id: uuid.UUID) -> SafetyPlan | None:
    return session.scalars(select(SafetyPlan).where(SafetyPlan.patient_id == patient_id)).first()


def get(session: Session, patient_id: uuid.UUID) -> PlanView | None:
    row = _row(session, patient_id)
    if row is None:
        return None
    data = crypto.unseal_json(session, row, "content_enc") or {}
    return PlanView(row.id, {k: str(data.get(k) or "") for k in SECTION_KEYS}, row.created_at, row.updated_at)


def for_editing(session: Session, patient_id: uuid.UUID) -> PlanView:
    """The plan, or a new one with the suggested professionals and crisis lines."""
    plan = get(session, patient_id)
    if plan is not None:
        return plan
    sections = {k: "" for k in SECTION_KEYS}
    sections["professionals"] = suggested_professionals()
    return PlanView(None, sections, None, None)


def clean(data: dict[str, object]) -> dict[str, str]:
    """Validate the sections (strings, at most SECTION_MAX characters). Raises InvalidInput."""
    out: dict[str, str] = {}
    for key in SECTION_KEYS:
        value = data.get(key)
        if value is None:
            value = ""
        if not isinstance(value, str):
            raise InvalidInput(_t('Please write text here.'), field=key)
        value = value.replace("\r\n", "\n").strip()
        if len(value) > SECTION_MAX:
            raise InvalidInput(_t('Please keep this part to %(SECTION_MAX)s characters or fewer (it has %(value)s).', SECTION_MAX=SECTION_MAX, value=len(value)), field=key)
        out[key] = value
    return out


def plan_id(patient_id: uuid.UUID) -> uuid.UUID:
    """One plan per patient, so its id is derived from the patient's: a double-submitted
    form or two devices saving at once update the same row (an upsert) instead of failing."""
    return uuid.uuid5(_PLAN_NAMESPACE, str(patient_id))


_PLAN_NAMESPACE = uuid.UUID("6f1c8f8e-4d55-4d3a-9a43-5a0d7c1e2b10")


def save(session: Session, patient: object, data: dict[str, object]) -> PlanView:
    """Create or replace the patient's plan. Nothing is stored if any section is invalid."""
    sections = clean(data)
    pid: uuid.UUID = patient.id  # type: ignore[attr-defined]
    now = clock.now()
    row = SafetyPlan(id=plan_id(pid), patient_id=pid, created_at=now, updated_at=now)
    crypto.seal_json(session, row, "content_enc", sections)
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    stmt = insert(SafetyPlan).values(id=row.id, patient_id=pid, content_enc=row.content_enc,
                                     created_at=now, updated_at=now)
    stmt = stmt.on_conflict_do_update(index_elements=["patient_id"],
                                      set_={"content_enc": stmt.excluded.content_enc,
                                            "updated_at": stmt.excluded.updated_at})
    session.execute(stmt)
    saved = _row(session, pid)
    assert saved is not None
    session.refresh(saved)
    return PlanView(saved.id, sections, saved.created_at, saved.updated_at)
