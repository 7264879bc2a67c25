"""Accounts: registration, sign-in with backoff, passwords, assignments."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import case, delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from app import clock
from app.accounts.models import Assignment, LoginThrottle, PasswordResetToken, Role, User
from app.audit import service as audit
from app.db import begin_write
from app.errors import Conflict, InvalidInput, NotFound, TooManyRequests
from app.security import crypto, passwords
from app.i18n import N_, _t  # noqa: F401 - interface text (app.i18n)

CONSENT_VERSION = "2026-11"
BACKOFF_FREE_FAILURES = 3        # failures before the backoff starts
BACKOFF_MAX_SECONDS = 15 * 60
THROTTLE_FORGET_AFTER = timedelta(hours=24)  # failures older than this no longer count
CLIENT_FREE_FAILURES = 10        # failures from one client address, across all accounts, before its backoff


def normalise_email(email: str) -> str:
    return email.strip().lower()


def email_index(email: str) -> str:
    return crypto.get_keyring().blind_index("email:" + normalise_email(email))


def find_by_email(session: Session, email: str) -> User | None:
    return session.scalars(select(User).where(User.email_hash == email_index(email))).first()


def email_of(session: Session, user: User) -> str:
    return crypto.unseal(session, user, "email_enc") or ""


def display_name_of(session: Session, user: User) -> str | None:
    return crypto.unseal(session, user, "display_name_enc")


def create_user(session: Session, *, role: Role, email: str, password: str | None,
                display_name: str | None = None, consent: bool = False, actor: User | None = None) -> User:
    """Validate, hash (outside any write), then store. Raises InvalidInput / Conflict.

    `password=None` gives an account nobody can sign in to until a set-password link is used
    (accounts created by an admin). `actor` is who created it (the user themselves if None)."""
    from app.security.text import text_problem
    for field, value in (("email", email), ("display_name", display_name or "")):
        problem = text_problem(value, name=True)
        if problem:
            raise InvalidInput(problem, field=field)
    email = normalise_email(email)
    if password is not None:
        problem = passwords.password_problem(password, email=email)
        if problem:
            raise InvalidInput(problem, field="password")
    if find_by_email(session, email) is not None:
        raise Conflict(_t('An account with this email address already exists. Try signing in instead.'),
                       code="email_taken")
    hashed = passwords.hash_password(password) if password is not None else passwords.unusable_hash()
    now = clock.now()
    user = User(id=uuid.uuid4(), role=role, email_hash=email_index(email), password_hash=hashed,
                is_active=True, password_changed_at=now, email_confirmed_at=now,
                enrolled_at=now if role == Role.patient else None)
    if consent:
        user.consent_version, user.consent_at = CONSENT_VERSION, now
    crypto.create_data_key(session, user.id)
    crypto.seal(session, user, "email_enc", email)
    crypto.seal(session, user, "display_name_enc", (display_name or "").strip() or None)
    session.add(user)
    session.flush()
    if role == Role.patient:
        _caseload(session, user.id)
    audit.record(session, action="account.create", actor_id=actor.id if actor else user.id,
                 actor_role=(actor.role if actor else role).value,
                 patient_id=user.id if role == Role.patient else None, record_type="user", record_id=user.id)
    if consent:
        from app.privacy import service as privacy  # the consent history (which versions, when)
        privacy.record_acceptance(session, user)
    return user


# ---------------------------------------------------------------- sign-in


def throttle_key(kind: str, email: str) -> str:
    """Keyed hash of (kind, normalised e-mail): the same key however the address is typed."""
    return crypto.get_keyring().blind_index(f"{kind}:" + normalise_email(email))


def bump_counter(session: Session, key: str, *, forget_after: timedelta = THROTTLE_FORGET_AFTER) -> int:
    """Count one event against `key` atomically (INSERT .. ON CONFLICT DO UPDATE, so concurrent
    requests neither lose counts nor collide); returns the new count. Counts older than
    `forget_after` start again from 1."""
    now = clock.now()
    begin_write(session)
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = insert(LoginThrottle).values(key_hash=key, failures=1, updated_at=now)
    stmt = stmt.on_conflict_do_update(index_elements=[LoginThrottle.key_hash], set_={
        "failures": case((LoginThrottle.updated_at < now - forget_after, 1), else_=LoginThrottle.failures + 1),
        "updated_at": now,
    }).returning(LoginThrottle.failures)
    return int(session.execute(stmt).scalar_one())


def backoff_seconds(failures: int, free: int = BACKOFF_FREE_FAILURES) -> int:
    if failures < free:
        return 0
    return min(2 ** (failures - free + 1), BACKOFF_MAX_SECONDS)


def login_keys(email: str, client: str | None) -> tuple[str, str | None]:
    """Security item 31: (the account's backoff key for this client, the client's own key).

    The account's backoff counts one client's failures only, so an attacker's guesses never
    lock the real owner (signing in from elsewhere) out; the client's key counts its failures
    across every account, so trying many accounts from one address is slowed as well."""
    account = throttle_key("login", email) if client is None else \
        crypto.get_keyring().blind_index(f"login:{normalise_email(email)}|client:{client}")
    return account, None if client is None else crypto.get_keyring().blind_index(f"client:{client}")


def _check_backoff(session: Session, key: str) -> None:
    now = clock.now()
    locked_until = session.scalar(select(LoginThrottle.locked_until).where(LoginThrottle.key_hash == key))
    if locked_until is not None and locked_until > now:
        wait = int((locked_until - now).total_seconds()) + 1
        when = f"{wait} seconds" if wait <= 90 else f"{(wait + 59) // 60} minutes"
        raise TooManyRequests(_t('Too many attempts. Please wait %(when)s and try again (or use "Forgotten your password?").', when=when),
                              headers={"Retry-After": str(wait)})


def _record_failure(session: Session, key: str, free: int = BACKOFF_FREE_FAILURES) -> None:
    failures = bump_counter(session, key)
    wait = backoff_seconds(failures, free)
    session.execute(update(LoginThrottle).where(LoginThrottle.key_hash == key)
                    .values(locked_until=clock.now() + timedelta(seconds=wait) if wait else None))


def clear_backoff(session: Session, email: str) -> None:
    key = throttle_key("login", email)
    if session.scalar(select(LoginThrottle.key_hash).where(LoginThrottle.key_hash == key)) is not None:
        session.execute(delete(LoginThrottle).where(LoginThrottle.key_hash == key))


def authenticate(session: Session, email: str, password: str, client: str | None = None) -> User | None:
    """The user, or None. Same work and answer for unknown e-mail and wrong password.

    Raises TooManyRequests while this e-mail is in backoff (whether or not it exists), and
    passwords.ServerBusy when too many passwords are being checked at once."""
    with passwords.hash_gate.admission():
        return _authenticate(session, email, password, client)


def _authenticate(session: Session, email: str, password: str, client: str | None = None) -> User | None:
    key, client_key = login_keys(email, client)
    if client_key is not None:
        _check_backoff(session, client_key)
    _check_backoff(session, key)
    user = find_by_email(session, email) if len(password) <= passwords.MAX_LENGTH else None
    ok, new_hash = False, None
    if user is not None and user.is_active:
        ok, new_hash = passwords.verify_and_update(password, user.password_hash)
    else:
        passwords.burn_verify(password[: passwords.MAX_LENGTH])
    if not ok:
        _record_failure(session, key)
        if client_key is not None:
            _record_failure(session, client_key, CLIENT_FREE_FAILURES)
        audit.record(session, action="login.failed", actor_id=user.id if user else None,
                     actor_role=user.role.value if user else "anonymous", outcome="failure",
                     record_type="user", record_id=user.id if user else None)
        return None
    if user.email_confirmed_at is None:
        from app.accounts.signup import EmailNotConfirmed
        raise EmailNotConfirmed()
    clear_backoff(session, email)
    if key != throttle_key("login", email) and session.scalar(
            select(LoginThrottle.key_hash).where(LoginThrottle.key_hash == key)) is not None:
        session.execute(delete(LoginThrottle).where(LoginThrottle.key_hash == key))
    if new_hash:
        user.password_hash = new_hash
    audit.record(session, action="login", actor_id=user.id, actor_role=user.role.value,
                 record_type="user", record_id=user.id)
    return user


def change_password(session: Session, user: User, current: str, new: str) -> None:
    """Check the current password (wrong guesses count towards the sign-in backoff), set the
    new one, revoke every session of the user and every outstanding reset link."""
    from app.security import sessions

    with session.no_autoflush:  # hash without holding the SQLite writer lock
        email = email_of(session, user)
        key = throttle_key("login", email)
        _check_backoff(session, key)
        ok, _ = passwords.verify_and_update(current, user.password_hash)
        if not ok:
            _record_failure(session, key)
            audit.record(session, action="password.change", actor_id=user.id, actor_role=user.role.value,
                         record_type="user", record_id=user.id, outcome="failure")
            raise InvalidInput(_t('Your current password is not right.'), field="current_password")
        problem = passwords.password_problem(new, email=email)
        if problem:
            raise InvalidInput(problem, field="new_password")
        hashed = passwords.hash_password(new)
    user.password_hash = hashed
    user.password_changed_at = clock.now()
    sessions.revoke_all(session, user.id)
    expire_reset_tokens(session, user.id)
    audit.record(session, action="password.change", actor_id=user.id, actor_role=user.role.value,
                 record_type="user", record_id=user.id)


def expire_reset_tokens(session: Session, user_id: uuid.UUID) -> None:
    session.execute(update(PasswordResetToken)
                    .where(PasswordResetToken.user_id == user_id, PasswordResetToken.used_at.is_(None))
                    .values(used_at=clock.now()))


def set_active(session: Session, user: User, active: bool, *, actor: User) -> None:
    """Enable or disable an account. Disabling revokes every session and reset link."""
    from app.security import sessions

    if user.id == actor.id and not active:
        raise InvalidInput(_t('You cannot disable your own account.'), field="active")
    user.is_active = active
    if not active:
        expire_reset_tokens(session, user.id)
    if not active:
        sessions.revoke_all(session, user.id)
    audit.record(session, action="account.enable" if active else "account.disable", actor_id=actor.id,
                 actor_role=actor.role.value, record_type="user", record_id=user.id)


# ---------------------------------------------------------------- assignments


def assign(session: Session, patient: User, clinician: User, *, actor: User | None = None) -> Assignment:
    if patient.role != Role.patient:
        raise InvalidInput(_t('That account is not a patient.'), field="patient")
    if clinician.role != Role.clinician:
        raise InvalidInput(_t('That account is not a clinician.'), field="clinician")
    existing = session.scalars(select(Assignment).where(
        Assignment.patient_id == patient.id, Assignment.clinician_id == clinician.id)).first()
    if existing is not None:
        return existing
    a = Assignment(patient_id=patient.id, clinician_id=clinician.id, created_at=clock.now())
    session.add(a)
    session.flush()
    _caseload(session, patient.id)
    audit.record(session, action="assignment.create", actor_id=actor.id if actor else None,
                 actor_role=actor.role.value if actor else "system", patient_id=patient.id,
                 record_type="assignment", record_id=a.id)
    return a


def unassign(session: Session, patient_id: uuid.UUID, clinician_id: uuid.UUID, *, actor: User) -> None:
    a = session.scalars(select(Assignment).where(
        Assignment.patient_id == patient_id, Assignment.clinician_id == clinician_id)).first()
    if a is None:
        raise NotFound()
    session.delete(a)
    _caseload(session, patient_id)
    audit.record(session, action="assignment.delete", actor_id=actor.id, actor_role=actor.role.value,
                 patient_id=patient_id, record_type="assignment", record_id=a.id)


def _caseload(session: Session, patient_id: uuid.UUID) -> None:
    """A new patient, or their clinicians changed: the caseload row (app.caseload) is
    recomputed when the transaction commits."""
    from app.caseload import service as caseload
    caseload.refresh(session, patient_id)


def clinician_ids_for(session: Session, patient_id: uuid.UUID) -> list[uuid.UUID]:
    return list(session.scalars(select(Assignment.clinician_id).where(Assignment.patient_id == patient_id)))


def patient_ids_for(session: Session, clinician_id: uuid.UUID) -> list[uuid.UUID]:
    return list(session.scalars(select(Assignment.patient_id).where(Assignment.clinician_id == clinician_id)))


def is_assigned(session: Session, clinician_id: uuid.UUID, patient_id: uuid.UUID) -> bool:
    return session.scalars(select(Assignment.id).where(
        Assignment.clinician_id == clinician_id, Assignment.patient_id == patient_id)).first() is not None


def get_user(session: Session, user_id: uuid.UUID) -> User | None:
    return session.get(User, user_id)


def enrolled_at(user: User) -> datetime:
    return user.enrolled_at or user.created_at


def set_locale(session: Session, user: User, code: str | None) -> None:
    """The interface language the person chose (app.i18n), or None to follow their browser.
    Pages, e-mails and the lessons follow it."""
    from app import i18n
    user.locale = i18n.pick(code) if code else None
    session.flush()
