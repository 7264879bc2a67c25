"""Consent records and e-mail changes.

Consent: each acceptance or withdrawal of the privacy notice and terms is a row; the versions
in force are settings (`ICBT_PRIVACY_VERSION`, `ICBT_TERMS_VERSION`), so publishing a changed
notice asks everyone to accept again at their next sign-in. `users.consent_version` and
`consent_at` keep the latest acceptance for the older code that reads them.

E-mail change: the current password is checked, then a link goes to the new address and a
notice to the old one. An address already in use gets the same answer and the same work,
but no link (security.md item 30: no enumeration); its owner is told someone tried.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app import clock, i18n
from app.accounts import service as accounts
from app.accounts.models import Role, User
from app.audit import service as audit
from app.config import get_settings
from app.errors import AppError, InvalidInput
from app.privacy.models import ConsentRecord, EmailChange
from app.security import crypto, passwords
from app.i18n import N_, _t  # noqa: F401 - interface text (app.i18n)

EMAIL_CHANGE_TTL = timedelta(hours=24)
TOKEN_MAX_LENGTH = 100


# ---------------------------------------------------------------- consent


@dataclass(frozen=True)
class ConsentState:
    privacy_version: str | None   # of the latest acceptance, None if none or withdrawn
    terms_version: str | None
    accepted_at: datetime | None
    withdrawn_at: datetime | None
    current: bool                 # accepted the versions in force and not withdrawn since


def current_versions() -> tuple[str, str]:
    s = get_settings()
    return s.privacy_version, s.terms_version


def history(session: Session, user_id) -> list[ConsentRecord]:  # type: ignore[no-untyped-def]
    return list(session.scalars(select(ConsentRecord).where(ConsentRecord.user_id == user_id)
                                .order_by(ConsentRecord.at, ConsentRecord.id)))


def state(session: Session, user: User) -> ConsentState:
    rows = history(session, user.id)
    last = rows[-1] if rows else None
    if last is None and user.consent_version is not None:  # accepted before records were kept
        return ConsentState(user.consent_version, None, user.consent_at, None,
                            user.consent_version == current_versions()[0])
    if last is None or last.action != "accepted":
        return ConsentState(None, None, None, last.at if last else None, False)
    return ConsentState(last.privacy_version, last.terms_version, last.at, None,
                        (last.privacy_version, last.terms_version) == current_versions())


def needs_acceptance(session: Session, user: User) -> bool:
    """Patients must have accepted the notice and terms in force."""
    return user.role == Role.patient and not state(session, user).current


def record_acceptance(session: Session, user: User) -> ConsentRecord:
    privacy, terms = current_versions()
    now = clock.now()
    row = ConsentRecord(user_id=user.id, action="accepted", privacy_version=privacy,
                        terms_version=terms, at=now)
    session.add(row)
    user.consent_version, user.consent_at = privacy, now
    session.flush()
    audit.record(session, action="consent.accept", actor_id=user.id, actor_role=user.role.value,
                 patient_id=user.id if user.role == Role.patient else None,
                 record_type="consent", record_id=row.id)
    return row


def withdraw(session: Session, user: User) -> ConsentRecord:
    """Withdraw consent: recorded, every session revoked; the next sign-in asks again."""
    from app.security import sessions

    privacy, terms = current_versions()
    row = ConsentRecord(user_id=user.id, action="withdrawn", privacy_version=privacy,
                        terms_version=terms, at=clock.now())
    session.add(row)
    user.consent_version, user.consent_at = None, None
    sessions.revoke_all(session, user.id)
    session.flush()
    audit.record(session, action="consent.withdraw", actor_id=user.id, actor_role=user.role.value,
                 patient_id=user.id if user.role == Role.patient else None,
                 record_type="consent", record_id=row.id)
    return row


# ---------------------------------------------------------------- display name


def set_display_name(session: Session, user: User, name: str | None) -> None:
    name = (name or "").strip() or None
    if name is not None and len(name) > 80:
        raise InvalidInput(_t('Your name can be at most 80 characters.'), field="display_name")
    crypto.seal(session, user, "display_name_enc", name)
    audit.record(session, action="account.rename", actor_id=user.id, actor_role=user.role.value,
                 record_type="user", record_id=user.id)


# ---------------------------------------------------------------- e-mail change


class EmailLinkInvalid(AppError):
    status_code, code, title = 400, "link_invalid", "This link has expired or has already been used."


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def confirm_link(token: str) -> str:
    return f"{get_settings().base_url.rstrip('/')}/account/email/confirm/{token}"


def check_password(session: Session, user: User, password: str) -> bool:
    """The person's own password, checked the way sign-in checks it (through the hash gate,
    outside any write)."""
    if not password or len(password) > passwords.MAX_LENGTH:
        return False
    with passwords.hash_gate.admission(), session.no_autoflush:
        ok, _ = passwords.verify_and_update(password, user.password_hash)
    return bool(ok)


def request_email_change(session: Session, user: User, new_email: str, password: str) -> None:
    """Check the password, then (whether or not the new address is free) answer the same.

    Raises InvalidInput (field "password" or "email"); otherwise returns nothing, so the
    caller's answer cannot depend on whether the address belongs to someone."""
    from app.mail import service as mail

    new_email = accounts.normalise_email(new_email)
    if not check_password(session, user, password):
        audit.record(session, action="email.change_request", actor_id=user.id, actor_role=user.role.value,
                     record_type="user", record_id=user.id, outcome="failure")
        raise InvalidInput(_t('Your password is not right.'), field="password")
    old_email = accounts.email_of(session, user)
    if new_email == old_email:
        raise InvalidInput(_t('That is already your address.'), field="email")
    token = secrets.token_urlsafe(32)
    hashed = _token_hash(token)
    owner = accounts.find_by_email(session, new_email)
    now = clock.now()
    # Earlier unconfirmed requests stop working: only the newest link counts.
    session.execute(update(EmailChange).where(EmailChange.user_id == user.id, EmailChange.used_at.is_(None))
                    .values(used_at=now))
    if owner is None:
        row = EmailChange(user_id=user.id, token_hash=hashed, created_at=now, expires_at=now + EMAIL_CHANGE_TTL)
        crypto.seal(session, row, "new_email_enc", new_email)
        session.add(row)
        session.flush()
        with i18n.using(i18n.for_account(user, i18n.current())):   # to the new address: the account's language
            subject = _t("Confirm your new Steady Steps e-mail address")
            body = _t("Someone (we hope you) asked to use this address for their Steady Steps account.\n\n"
                      "To confirm, open this link within 24 hours:\n\n%(link)s\n\n"
                      "If you did not ask for this, ignore this e-mail: nothing changes.\n", link=confirm_link(token))
        mail.enqueue(session, kind="email_change_confirm", user_id=user.id, address=new_email,
                     subject=subject, body=body)
    else:
        with i18n.using(i18n.for_account(owner)):   # someone else's account: its language, not the asker's
            subject = _t("Someone tried to use your e-mail address on Steady Steps")
            body = _t("Someone signed in to another Steady Steps account asked to change its e-mail "
                      "address to this one. Your account already uses it, so nothing has changed. "
                      "If this was you, sign in with this address instead.\n")
        mail.enqueue(session, kind="email_change_taken", user_id=owner.id, subject=subject, body=body)
    with i18n.using(i18n.for_account(user, i18n.current())):
        subject = _t("A change of e-mail address was requested for your Steady Steps account")
        body = _t("Someone signed in to your Steady Steps account asked to change its e-mail address. "
                  "The change happens only when the link sent to the new address is followed.\n\n"
                  "If this was not you, change your password at once (My account) and tell your clinic.\n")
    mail.enqueue(session, kind="email_change_notice", user_id=user.id, subject=subject, body=body)
    audit.record(session, action="email.change_request", actor_id=user.id, actor_role=user.role.value,
                 record_type="user", record_id=user.id)


def check_email_link(session: Session, token: str) -> tuple[EmailChange, User] | None:
    if not token or len(token) > TOKEN_MAX_LENGTH:
        return None
    row = session.scalars(select(EmailChange).where(EmailChange.token_hash == _token_hash(token))).first()
    if row is None or row.used_at is not None or clock.now() >= row.expires_at:
        return None
    user = accounts.get_user(session, row.user_id)
    if user is None or not user.is_active:
        return None
    return row, user


def confirm_email_change(session: Session, token: str) -> User:
    """Use the link: the address changes, the old address is told, the link is spent."""
    from app.mail import service as mail

    found = check_email_link(session, token)
    if found is None:
        raise EmailLinkInvalid()
    row, user = found
    new_email = crypto.unseal(session, row, "new_email_enc", strict=True) or ""
    claimed = session.execute(update(EmailChange).where(EmailChange.id == row.id, EmailChange.used_at.is_(None))
                              .values(used_at=clock.now())).rowcount
    if claimed != 1 or accounts.find_by_email(session, new_email) is not None:
        raise EmailLinkInvalid()  # taken since the request: nothing changes
    old_email = accounts.email_of(session, user)
    with i18n.using(i18n.for_account(user, i18n.current())):   # to the old address: the account's language
        subject = _t("Your Steady Steps e-mail address has changed")
        body = _t("The e-mail address of your Steady Steps account has been changed. From now on, "
                  "sign in with the new address.\n\nIf this was not you, contact your clinic at once.\n")
    mail.enqueue(session, kind="email_changed", user_id=user.id, address=old_email, subject=subject, body=body)
    user.email_hash = accounts.email_index(new_email)
    crypto.seal(session, user, "email_enc", new_email)
    accounts.expire_reset_tokens(session, user.id)
    session.flush()
    audit.record(session, action="email.change", actor_id=user.id, actor_role=user.role.value,
                 record_type="user", record_id=user.id)
    return user
