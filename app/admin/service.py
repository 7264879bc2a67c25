"""Admin: the list of accounts, creating staff and invited patients, enabling/disabling,
and which clinicians look after which patients. Every change is audited (in accounts)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.accounts import reset
from app.accounts import service as accounts
from app.accounts.models import Assignment, Role, User
from app.admin import search
from app.audit import service as audit
from app.errors import InvalidInput, NotFound
from app.i18n import N_, _t  # noqa: F401 - interface text (app.i18n)

PAGE_SIZE = 50


@dataclass
class Person:
    id: uuid.UUID
    role: Role
    email: str
    display_name: str | None
    is_active: bool
    created_at: datetime
    clinicians: list[Person] = field(default_factory=list)   # for patients
    patients: list[Person] = field(default_factory=list)     # for clinicians

    @property
    def label(self) -> str:
        return f"{self.display_name} ({self.email})" if self.display_name else self.email


def _person(session: Session, u: User) -> Person:
    return Person(id=u.id, role=u.role, email=accounts.email_of(session, u),
                  display_name=accounts.display_name_of(session, u), is_active=u.is_active,
                  created_at=u.created_at)


def _audit_view(session: Session, actor: User, action: str, user: User | None = None) -> None:
    audit.record(session, action=action, actor_id=actor.id, actor_role=actor.role.value,
                 patient_id=user.id if user is not None and user.role == Role.patient else None,
                 record_type="user" if user is not None else None, record_id=user.id if user else None)


def list_users(session: Session, actor: User, *, role: Role | None = None, page: int = 1,
               find: search.Search | None = None) -> tuple[list[Person], int]:
    """One page of accounts (newest first) with each patient's clinicians; and the total.
    `find`: a search and/or the "waiting for a clinician" filter (app.admin.search)."""
    find = find or search.Search()
    where = ([User.role == role] if role else []) + search.where(find)
    if find.q and not find.by_email:  # part of a name or address: decrypted and compared here
        found = search.scan(session, find, where, page, PAGE_SIZE)
        users, total = found.users, found.total
    else:
        total = session.scalar(select(func.count()).select_from(User).where(*where)) or 0
        users = list(session.scalars(select(User).where(*where).order_by(User.created_at.desc(), User.id)
                                     .offset((max(page, 1) - 1) * PAGE_SIZE).limit(PAGE_SIZE)))
    people = [_person(session, u) for u in users]
    patient_ids = [p.id for p in people if p.role == Role.patient]
    if patient_ids:
        pairs = session.execute(select(Assignment.patient_id, User).join(User, User.id == Assignment.clinician_id)
                                .where(Assignment.patient_id.in_(patient_ids))
                                .order_by(Assignment.created_at)).all()
        cache: dict[uuid.UUID, Person] = {}
        by_id = {p.id: p for p in people}
        for patient_id, clinician in pairs:
            if clinician.id not in cache:
                cache[clinician.id] = _person(session, clinician)
            by_id[patient_id].clinicians.append(cache[clinician.id])
    _audit_view(session, actor, "admin.users.search" if find.active else "admin.users.list")
    return people, total


def search_reaches_everyone(session: Session, *, role: Role | None, find: search.Search) -> bool:
    """False when a part-word search could only look through the newest SCAN_LIMIT accounts."""
    if not find.q or find.by_email:
        return True
    where = ([User.role == role] if role else []) + search.where(find)
    return (session.scalar(select(func.count()).select_from(User).where(*where)) or 0) <= search.SCAN_LIMIT


def get_person(session: Session, actor: User, user_id: uuid.UUID) -> Person:
    user = accounts.get_user(session, user_id)
    if user is None:
        raise NotFound()
    person = _person(session, user)
    if user.role == Role.patient:
        person.clinicians = [_person(session, c) for c in session.scalars(
            select(User).join(Assignment, Assignment.clinician_id == User.id)
            .where(Assignment.patient_id == user.id).order_by(Assignment.created_at))]
    elif user.role == Role.clinician:
        person.patients = [_person(session, p) for p in session.scalars(
            select(User).join(Assignment, Assignment.patient_id == User.id)
            .where(Assignment.clinician_id == user.id).order_by(Assignment.created_at))]
    _audit_view(session, actor, "admin.user.view", user)
    return person


def clinician_choices(session: Session, exclude: list[uuid.UUID]) -> list[Person]:
    """Active clinicians not in `exclude`, for the assign form."""
    rows = session.scalars(select(User).where(User.role == Role.clinician, User.is_active.is_(True),
                                              User.id.not_in(exclude or [uuid.UUID(int=0)]))
                           .order_by(User.created_at))
    return sorted((_person(session, u) for u in rows), key=lambda p: p.label.lower())


def create_account(session: Session, actor: User, *, role: Role, email: str,
                   display_name: str | None) -> User:
    """Create an account without a password and e-mail its owner a link to choose one."""
    user = accounts.create_user(session, role=role, email=email, password=None,
                                display_name=display_name, consent=False, actor=actor)
    reset.send_invitation(session, user, actor=actor)
    return user


def resend_invitation(session: Session, actor: User, user_id: uuid.UUID) -> User:
    user = _get(session, user_id)
    if not user.is_active:
        raise InvalidInput(_t('Enable the account before sending a link.'), field="invite")
    reset.send_invitation(session, user, actor=actor)
    return user


def set_active(session: Session, actor: User, user_id: uuid.UUID, active: bool) -> User:
    user = _get(session, user_id)
    accounts.set_active(session, user, active, actor=actor)
    return user


def assign(session: Session, actor: User, patient_id: uuid.UUID, clinician_id: uuid.UUID) -> None:
    patient, clinician = _get(session, patient_id), _get(session, clinician_id)
    accounts.assign(session, patient, clinician, actor=actor)


def unassign(session: Session, actor: User, patient_id: uuid.UUID, clinician_id: uuid.UUID) -> None:
    accounts.unassign(session, patient_id, clinician_id, actor=actor)


def _get(session: Session, user_id: uuid.UUID) -> User:
    user = accounts.get_user(session, user_id)
    if user is None:
        raise NotFound()
    return user
