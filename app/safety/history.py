"""Versions of the safety plan: "who changed what and when".

Every save (by the patient or one of their clinicians) adds a row to safety_plan_versions, kept
for good: its number (the plan's version after the save), the time, the author's role and id
(plain), the author's name as it was then, the sections as saved and which of them changed
(sealed with the patient's key). Pages and the API show the latest HISTORY_SHOWN, newest first;
older versions stay readable one by one (`version`).

Plans saved before versions were kept have no rows for their first versions: `Timeline.untracked`
says so (before this, only the patient could write a plan).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from app.accounts.models import Role, User
from app.safety.models import SafetyPlanVersion
from app.security import crypto
from app.i18n import N_, _t  # noqa: F401 - interface text (app.i18n)

HISTORY_SHOWN: Final = 20
PATIENT: Final = "patient"
CLINICIAN: Final = "clinician"


@dataclass
class Change:
    """One version. `by` is the author in the viewer's words ("by you", "by Dr X (care team)")."""

    id: uuid.UUID | None
    number: int
    at: datetime
    author_role: str
    author_id: uuid.UUID | None
    author_name: str | None
    changed: list[str]
    by: str = ""
    by_viewer: bool = False
    sections: dict[str, str] = field(default_factory=dict)

    @property
    def first(self) -> bool:
        return self.number == 1

    @property
    def by_care_team(self) -> bool:
        return self.author_role == CLINICIAN

    @property
    def changed_labels(self) -> list[str]:
        from app.safety.service import SECTIONS
        return [s.label for s in SECTIONS if s.key in self.changed]


@dataclass
class Timeline:
    changes: list[Change]          # newest first, at most HISTORY_SHOWN
    total: int                     # every version kept
    untracked: bool                # the plan has versions from before history was kept
    with_care_team: bool           # a clinician has saved some version

    @property
    def latest(self) -> Change | None:
        return self.changes[0] if self.changes else None


def by_words(change: Change, viewer: User) -> str:
    """The author, for this viewer, after "Changed" / "Written"."""
    if change.author_id is not None and change.author_id == viewer.id:
        return _t("by you")
    if change.author_role == PATIENT:
        return _t("by the patient")
    name = change.author_name or _t("a member of the care team")
    return _t("by %(name)s (care team)", name=name)


def record(session: Session, patient_id: uuid.UUID, number: int, author: User, author_name: str | None,
           sections: dict[str, str], changed: list[str], at: datetime) -> SafetyPlanVersion:
    role = PATIENT if author.role == Role.patient else CLINICIAN
    row = SafetyPlanVersion(id=uuid.uuid4(), patient_id=patient_id, number=number, author_id=author.id,
                            author_role=role, created_at=at)
    crypto.seal(session, row, "author_name_enc", author_name)
    crypto.seal_json(session, row, "content_enc", {"sections": sections, "changed": changed})
    session.add(row)
    session.flush()
    return row


def _change(session: Session, row: SafetyPlanVersion, viewer: User | None, *, with_text: bool) -> Change:
    data: dict[str, Any] = crypto.unseal_json(session, row, "content_enc") or {}
    name = crypto.unseal(session, row, "author_name_enc")
    c = Change(id=row.id, number=row.number, at=row.created_at, author_role=row.author_role,
               author_id=row.author_id, author_name=str(name) if name else None,
               changed=[str(k) for k in data.get("changed") or []])
    if with_text:
        from app.safety.service import SECTION_KEYS
        sections = data.get("sections") or {}
        c.sections = {k: str(sections.get(k) or "") for k in SECTION_KEYS}
    if viewer is not None:
        c.by, c.by_viewer = by_words(c, viewer), c.author_id == viewer.id
    return c


def timeline(session: Session, patient_id: uuid.UUID, viewer: User, *, plan_version: int = 0,
             limit: int = HISTORY_SHOWN) -> Timeline:
    """The latest `limit` versions, newest first. `plan_version`: the plan's own count (to tell
    whether its first versions predate the history)."""
    rows = session.scalars(select(SafetyPlanVersion).where(SafetyPlanVersion.patient_id == patient_id)
                           .order_by(SafetyPlanVersion.number.desc()).limit(limit)).all()
    total, first, clinician = session.execute(
        select(func.count(), func.min(SafetyPlanVersion.number),
               func.count().filter(SafetyPlanVersion.author_role == CLINICIAN))
        .select_from(SafetyPlanVersion).where(SafetyPlanVersion.patient_id == patient_id)).one()
    untracked = plan_version > 0 and (first is None or first > 1)
    return Timeline([_change(session, r, viewer, with_text=False) for r in rows], total or 0, untracked,
                    bool(clinician))


def version(session: Session, patient_id: uuid.UUID, number: int, viewer: User | None) -> Change | None:
    """One version with its text (None if this patient has no such version)."""
    row = session.scalars(select(SafetyPlanVersion).where(SafetyPlanVersion.patient_id == patient_id,
                                                          SafetyPlanVersion.number == number)).first()
    return _change(session, row, viewer, with_text=True) if row is not None else None


# Built once: the home page asks both (issue 18).
_LATEST = (select(SafetyPlanVersion).where(SafetyPlanVersion.patient_id == bindparam("patient_id"))
           .order_by(SafetyPlanVersion.number.desc()).limit(1))
_BY_CLINICIANS = select(func.count()).select_from(SafetyPlanVersion).where(
    SafetyPlanVersion.patient_id == bindparam("patient_id"), SafetyPlanVersion.author_role == CLINICIAN)


def latest(session: Session, patient_id: uuid.UUID, viewer: User | None) -> Change | None:
    row = session.scalars(_LATEST, {"patient_id": patient_id}).first()
    return _change(session, row, viewer, with_text=False) if row is not None else None


@dataclass
class Authorship:
    """What the patient's pages may say about who wrote the plan (computed, never assumed)."""

    exists: bool
    is_empty: bool
    with_care_team: bool
    last: Change | None          # None for a plan saved before versions were kept (by the patient)
    updated_at: datetime | None


def authorship(session: Session, patient: User) -> Authorship:
    from app.safety import service
    plan = service.get(session, patient.id)
    if plan is None:
        return Authorship(False, True, False, None, None)
    clinician = session.scalar(_BY_CLINICIANS, {"patient_id": patient.id})
    return Authorship(True, plan.is_empty, bool(clinician), latest(session, patient.id, patient), plan.updated_at)
