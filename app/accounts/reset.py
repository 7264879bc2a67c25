"""Set-password links: "forgotten password" (30 minutes) and invitations to accounts an admin
created (72 hours). Single use, stored as SHA-256, sent through the mail outbox.

Asking for a link never reveals whether an account exists: the caller always shows the same
answer, and this module does the same work for unknown addresses (the keyed e-mail index, a
token and its hash, a counter write and an audit event)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app import clock, i18n
from app.accounts import service
from app.accounts.models import PasswordResetToken, Role, User
from app.audit import service as audit
from app.config import get_settings
from app.db import begin_write
from app.errors import AppError, InvalidInput
from app.security import passwords
from app.i18n import N_, _t  # noqa: F401 - interface text (app.i18n)

RESET_TTL = timedelta(minutes=30)
INVITE_TTL = timedelta(hours=72)
MAX_REQUESTS_PER_HOUR = 3        # per address: more are answered the same way but send nothing
TOKEN_MAX_LENGTH = 100


class LinkInvalid(AppError):
    status_code, code, title = 400, "link_invalid", "This link has expired or has already been used."


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def link_for(token: str) -> str:
    return f"{get_settings().base_url.rstrip('/')}/reset-password/{token}"


def _issue(session: Session, user: User, purpose: str, hashed: str) -> PasswordResetToken:
    now = clock.now()
    row = PasswordResetToken(user_id=user.id, token_hash=hashed, purpose=purpose,
                             created_at=now, expires_at=now + {"invite": INVITE_TTL, "confirm": timedelta(days=3)}
                             .get(purpose, RESET_TTL))
    session.add(row)
    session.flush()
    return row


def request_reset(session: Session, email: str) -> None:
    """Queue a reset e-mail if `email` belongs to an active account (and it has not asked too
    often). Returns nothing either way: the caller's answer must not depend on it."""
    from app.mail import service as mail

    email = service.normalise_email(email)
    index = service.email_index(email)
    token = secrets.token_urlsafe(32)
    hashed = token_hash(token)
    count = service.bump_counter(session, service.throttle_key("reset", email),
                                 forget_after=timedelta(hours=1))
    user = session.scalars(select(User).where(User.email_hash == index)).first()
    if user is None or not user.is_active or count > MAX_REQUESTS_PER_HOUR:
        audit.record(session, action="password.reset_request", actor_id=user.id if user else None,
                     actor_role=user.role.value if user else "anonymous", record_type="user",
                     record_id=user.id if user else None, outcome="not_sent")
        return
    _issue(session, user, "reset", hashed)
    with i18n.using(i18n.for_account(user, i18n.current())):   # the account's, else the request's language
        mail.enqueue(session, kind="password_reset", user_id=user.id,
                     subject=_t("Reset your Steady Steps password"),
                     body=_t("Someone (we hope you) asked to reset the password of your Steady Steps account.\n\n"
                             "To choose a new password, open this link within 30 minutes:\n\n%(link)s\n\n"
                             "The link works once. If you did not ask for this, you can ignore this e-mail: "
                             "your password has not changed.\n", link=link_for(token)))
    audit.record(session, action="password.reset_request", actor_id=user.id, actor_role=user.role.value,
                 record_type="user", record_id=user.id)


def send_invitation(session: Session, user: User, *, actor: User) -> None:
    """E-mail a new account's owner a link to choose their password (72 hours)."""
    from app.mail import service as mail

    token = secrets.token_urlsafe(32)
    _issue(session, user, "invite", token_hash(token))
    with i18n.using(i18n.for_account(user)):   # the clinic's language (ICBT_DEFAULT_LOCALE) until they choose
        if user.role == Role.patient:
            intro = _t("Your clinic has set up a Steady Steps account for you. Steady Steps is a self-help "
                       "programme with short weekly modules, a mood diary and a weekly check-in.")
        else:
            intro = _t("An administrator has set up a Steady Steps %(role)s account for you.", role=user.role.value)
        mail.enqueue(session, kind="invitation", user_id=user.id, subject=_t("Your Steady Steps account"),
                     body=_t("%(intro)s\n\nTo choose your password and sign in, open this link within 3 days:\n\n"
                             "%(link)s\n\nThe link works once. If it has expired, use "
                             "\"Forgotten your password?\" on the sign-in page to get a new one.\n",
                             intro=intro, link=link_for(token)))
    audit.record(session, action="account.invite", actor_id=actor.id, actor_role=actor.role.value,
                 patient_id=user.id if user.role == Role.patient else None, record_type="user", record_id=user.id)


def check(session: Session, token: str) -> tuple[PasswordResetToken, User] | None:
    """The live link and its (active) user, or None for an unknown, used or expired one."""
    if not token or len(token) > TOKEN_MAX_LENGTH:
        return None
    found = session.execute(
        select(PasswordResetToken, User).join(User, User.id == PasswordResetToken.user_id)
        .where(PasswordResetToken.token_hash == token_hash(token),
               PasswordResetToken.purpose != "confirm")  # a confirmation link never sets a password
    ).first()
    if found is None:
        return None
    row, user = found
    if row.used_at is not None or clock.now() >= row.expires_at or not user.is_active:
        return None
    return row, user


def is_first_password(row: PasswordResetToken, user: User) -> bool:
    """An invitation to an account whose password nobody has chosen yet (it was created without
    one and has not changed since): there is no other device to be signed out of."""
    return row.purpose == "invite" and user.password_changed_at - user.created_at < timedelta(minutes=1)


def needs_consent(user: User) -> bool:
    return user.role == Role.patient and user.consent_at is None


def complete(session: Session, token: str, password: str, confirm: str, *, consent: bool = False) -> User:
    """Use a link: set the password, revoke every session, spend every outstanding link, audit.

    Raises LinkInvalid, or InvalidInput naming the field (nothing is stored then)."""
    from app.security import sessions

    found = check(session, token)
    if found is None:
        raise LinkInvalid()
    row, user = found
    with session.no_autoflush:
        problem = passwords.password_problem(password, email=service.email_of(session, user))
    if problem:
        raise InvalidInput(problem, field="password")
    if password != confirm:
        raise InvalidInput(_t('The two passwords are not the same.'), field="confirm")
    if needs_consent(user) and not consent:
        raise InvalidInput(_t('To use the programme, please agree to the terms and privacy notice.'), field="consent")
    hashed = passwords.hash_password(password)  # before any write: no lock held while hashing
    now = clock.now()
    begin_write(session)
    # Claim the link atomically: of two simultaneous uses, one wins.
    claimed = session.execute(update(PasswordResetToken)
                              .where(PasswordResetToken.id == row.id, PasswordResetToken.used_at.is_(None))
                              .values(used_at=now)).rowcount
    if claimed != 1:
        raise LinkInvalid()
    service.expire_reset_tokens(session, user.id)
    user.password_hash = hashed
    user.password_changed_at = now
    if needs_consent(user):
        from app.privacy import service as privacy
        privacy.record_acceptance(session, user)
    sessions.revoke_all(session, user.id)
    service.clear_backoff(session, service.email_of(session, user))
    audit.record(session, action="password.reset" if row.purpose == "reset" else "account.activate",
                 actor_id=user.id, actor_role=user.role.value,
                 patient_id=user.id if user.role == Role.patient else None, record_type="user", record_id=user.id)
    return user
