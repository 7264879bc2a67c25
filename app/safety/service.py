"""The patient's safety plan (after Stanley & Brown's Safety Planning Intervention).

One plan per patient, every section encrypted, written by the patient and, if they like, with
their care team (an assigned clinician can edit it on the patient's record: app/safety/care_team.py).
Every save is kept as a version (app/safety/history.py) and names the version it was made from,
so two people editing at once cannot overwrite each other unseen (PlanConflict). The
"professionals and crisis lines" section starts with a suggestion taken from the
deployment's escalation pathways file, which the patient may change.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from app import clock
from app.db import begin_write
from app.errors import Conflict, InvalidInput
from app.safety.models import SafetyPlan
from app.security import crypto
from app.i18n import N_, _t  # noqa: F401 - interface text (app.i18n)

SECTION_MAX = 2000


@dataclass(frozen=True)
class Section:
    key: str
    title: str     # the English title (the API's `titles`); `label` is the one to show
    hint: str

    @property
    def label(self) -> str:
        return _t(self.title)

    @property
    def help(self) -> str:
        return _t(self.hint)


SECTIONS: tuple[Section, ...] = (
    Section("warning_signs", N_("My warning signs"),
            N_("Thoughts, feelings, situations or things I do that tell me a crisis may be starting.")),
    Section("coping", N_("Things I can do on my own"),
            N_("Things that take my mind off my problems or help me feel calmer, without contacting anyone.")),
    Section("social", N_("People and places that help me feel better"),
            N_("People I can spend time with and places I can go to take my mind off things.")),
    Section("contacts", N_("People I can ask for help"),
            N_("Family members or friends I can tell how I feel, with their phone numbers.")),
    Section("professionals", N_("Professionals and crisis lines"),
            N_("My care team, GP and crisis lines I can call at any time. We filled in some suggestions: change them as you like.")),
    Section("environment", N_("Making my surroundings safer"),
            N_("Ways to keep myself safe, for example asking someone to keep medicines or other things I could hurt myself with.")),
    Section("reasons", N_("What matters most to me"),
            N_("The people and things worth staying safe for. (Optional.)")),
)
SECTION_KEYS = tuple(s.key for s in SECTIONS)


@dataclass
class PlanView:
    id: uuid.UUID | None
    sections: dict[str, str]
    created_at: datetime | None
    updated_at: datetime | None
    version: int = 0                   # 0: no plan saved yet

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


_ROW = select(SafetyPlan).where(SafetyPlan.patient_id == bindparam("patient_id"))  # built once: the home page


def _row(session: Session, patient_id: uuid.UUID, *, lock: bool = False) -> SafetyPlan | None:
    return session.scalars(_ROW.with_for_update() if lock else _ROW, {"patient_id": patient_id}).first()


def _view(session: Session, row: SafetyPlan) -> PlanView:
    data = crypto.unseal_json(session, row, "content_enc") or {}
    return PlanView(row.id, {k: str(data.get(k) or "") for k in SECTION_KEYS}, row.created_at, row.updated_at,
                    row.version if row.version is not None else 1)


def get(session: Session, patient_id: uuid.UUID) -> PlanView | None:
    row = _row(session, patient_id)
    return _view(session, row) if row is not None else None


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


class PlanConflict(Conflict):
    """The plan was saved by someone else (or on another device) after the version this save
    was made from. Nothing was stored. `current` is the newer plan, `change` its latest
    version (who and when), `yours` the sections this save changed (to apply again)."""

    code = "version_conflict"

    def __init__(self, current: PlanView, change: object, yours: dict[str, str], detail: str) -> None:
        super().__init__(detail)
        self.current, self.change, self.yours = current, change, yours

    def body(self) -> dict[str, object]:
        c = self.change
        return {"error": self.code, "detail": self.detail, "version": self.current.version,
                "current": {"version": self.current.version, "sections": self.current.sections,
                            "updated_at": self.current.updated_at.isoformat() if self.current.updated_at else None},
                "changed_by": None if c is None else {
                    "author_role": c.author_role, "author": c.author_name,  # type: ignore[attr-defined]
                    "at": c.at.isoformat()},  # type: ignore[attr-defined]
                "yours": self.yours}


def _conflict(session: Session, patient_id: uuid.UUID, current: PlanView | None, base_version: int,
              sections: dict[str, str], by: object) -> PlanConflict:
    from app import i18n
    from app.safety import history
    current = current or PlanView(None, {k: "" for k in SECTION_KEYS}, None, None, 0)
    base = history.version(session, patient_id, base_version, None) if base_version > 0 else None
    base_sections = base.sections if base is not None else None   # unknown: a plan saved before versions
    if base_version == 0:
        base_sections = {k: "" for k in SECTION_KEYS}
    yours = {k: v for k, v in sections.items()
             if v != current.sections[k] and (base_sections is None or v != base_sections[k])}
    change = history.latest(session, patient_id, by)  # type: ignore[arg-type]
    if change is not None:
        detail = _t("The safety plan was changed %(by)s on %(at)s, after you opened it. Nothing was saved: "
                    "the newer plan is shown, with what you wrote kept beside it to add again.",
                    by=change.by, at=i18n.format_when(change.at, "%-d %b %Y, %H:%M") + " UTC")
    else:
        detail = _t("The safety plan was changed after you opened it. Nothing was saved: the newer plan is "
                    "shown, with what you wrote kept beside it to add again.")
    return PlanConflict(current, change, yours, detail)


def save(session: Session, patient: object, data: dict[str, object], *, author: object = None,
         expected_version: int | None = None) -> PlanView:
    """Create or replace the patient's plan and keep the save as a version (app.safety.history).

    `author` is who saves: the patient when None, else one of their clinicians (the caller has
    checked the assignment). `expected_version` is the plan's version the form or request was
    made from (0: no plan yet); if the plan has moved on since, PlanConflict is raised, unless
    the plan already holds exactly this text (a form sent twice). None skips the check (the
    patient's own API without `version`, as before versions existed). Nothing is stored if any
    section is invalid or on a conflict; a save that changes nothing adds no version."""
    from app.accounts import service as accounts
    from app.safety import history

    sections = clean(data)
    pid: uuid.UUID = patient.id  # type: ignore[attr-defined]
    by = author if author is not None else patient
    name = accounts.display_name_of(session, by)  # type: ignore[arg-type]
    begin_write(session)   # read the version, then write: one writer at a time (row lock on PostgreSQL)
    row = _row(session, pid, lock=True)
    current = _view(session, row) if row is not None else None
    current_version = current.version if current is not None else 0
    if current is not None and current.sections == sections:
        return current     # nothing changed (or the same form sent twice): no new version
    if expected_version is not None and expected_version != current_version:
        raise _conflict(session, pid, current, expected_version, sections, by)
    old = current.sections if current is not None else {}
    changed = [k for k in SECTION_KEYS if sections[k] != old.get(k, "")]
    now = clock.now()
    new = SafetyPlan(id=plan_id(pid), patient_id=pid, created_at=now, updated_at=now)
    crypto.seal_json(session, new, "content_enc", sections)
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    stmt = insert(SafetyPlan).values(id=new.id, patient_id=pid, content_enc=new.content_enc,
                                     created_at=now, updated_at=now, version=1)
    stmt = stmt.on_conflict_do_update(
        index_elements=["patient_id"],
        set_={"content_enc": stmt.excluded.content_enc, "updated_at": stmt.excluded.updated_at,
              "version": SafetyPlan.version + 1},
        where=SafetyPlan.version == current_version).returning(SafetyPlan.version)
    number = session.execute(stmt).scalar()
    if number is None:   # another save got in between our read and this write (PostgreSQL)
        session.expire_all()
        now_saved = get(session, pid)
        if now_saved is not None and now_saved.sections == sections:
            return now_saved
        raise _conflict(session, pid, now_saved, current_version, sections, by)
    history.record(session, pid, number, by, name, sections, changed, now)  # type: ignore[arg-type]
    saved = _row(session, pid)
    assert saved is not None
    session.refresh(saved)
    return _view(session, saved)
