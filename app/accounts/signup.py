"""Self-registration that does not reveal who has an account (security item 30).

Every valid request gets the same answer ("check your e-mail"); the e-mail tells the owner of
the address which case it was: a new account ("confirm your address", or "you can sign in now"
when ICBT_CONFIRM_EMAIL is off) or an existing one ("you already have an account: sign in or
reset your password"). The password is hashed in both cases, so the time taken is similar.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import update
from sqlalchemy.orm import Session

from app import clock, i18n
from app.accounts import reset, service
from app.accounts.models import PasswordResetToken, Role, User
from app.audit import service as audit
from app.config import get_settings
from app.errors import AppError, InvalidInput
from app.i18n import N_, _t
from app.security import passwords

CONFIRM_TTL = timedelta(days=3)
MAX_EXISTING_NOTICES_PER_HOUR = 3  # "you already have an account" e-mails per address

CHECK_EMAIL = N_("Thank you. We have sent an e-mail to that address. Open it to finish: it says what to do "
               "next. If nothing arrives within a few minutes, check your spam folder.")


class EmailNotConfirmed(AppError):
    status_code, code, title = 403, "email_not_confirmed", (
        "Please confirm your e-mail address first: open the link in the e-mail we sent you.")


def _base() -> str:
    return get_settings().base_url.rstrip("/")


def register(session: Session, *, email: str, password: str, display_name: str | None, consent: bool,
             phone: str | None = None) -> None:
    """Returns nothing either way. Raises InvalidInput only for input that is wrong whoever sends it."""
    from app.mail import service as mail

    from app.security.text import text_problem
    for field, value in (("email", email), ("display_name", display_name or "")):
        problem = text_problem(value, name=True)
        if problem:
            raise InvalidInput(problem, field=field)
    email = service.normalise_email(email)
    problem = passwords.password_problem(password, email=email)
    if problem:
        raise InvalidInput(problem, field="password")
    existing = service.find_by_email(session, email)
    if existing is not None:
        passwords.hash_password(password)  # the same work as creating an account
        count = service.bump_counter(session, service.throttle_key("register", email),
                                     forget_after=timedelta(hours=1))
        sent = existing.is_active and count <= MAX_EXISTING_NOTICES_PER_HOUR
        if sent:
            with i18n.using(i18n.for_account(existing, i18n.current())):   # the account's, else the request's
                subject = _t("You already have a Steady Steps account")
                body = _t("Someone (we hope you) tried to create a Steady Steps account with this e-mail "
                          "address. You already have an account.\n\nTo sign in, go to:\n\n%(login)s\n\n"
                          "If you have forgotten your password, you can choose a new one here:\n\n"
                          "%(forgot)s\n\nIf this was not you, you can ignore this e-mail: nothing has "
                          "changed.\n", login=f"{_base()}/login", forgot=f"{_base()}/forgot-password")
            mail.enqueue(session, kind="account_exists", user_id=existing.id, subject=subject, body=body)
        audit.record(session, action="account.register_existing", actor_id=None, actor_role="anonymous",
                     patient_id=existing.id if existing.role == Role.patient else None, record_type="user",
                     record_id=existing.id, outcome="notified" if sent else "not_sent")
        return
    confirm = get_settings().must_confirm_email
    user = service.create_user(session, role=Role.patient, email=email, password=password,
                               display_name=display_name, consent=consent)
    if i18n.current() != i18n.default_locale():   # signed up in another language: keep it (app.i18n)
        user.locale = i18n.current()
    if phone:  # the care team must be able to call (issue 12); validated by the caller
        from app.contact import service as contact
        from app.contact.schemas import ContactIn
        contact.save(session, user.id, ContactIn(phone=phone))
    if confirm:
        user.email_confirmed_at = None
        token = secrets.token_urlsafe(32)
        reset._issue(session, user, "confirm", reset.token_hash(token))
    with i18n.using(i18n.for_account(user, i18n.current())):   # the language they signed up in
        if confirm:
            body = _t("Welcome to Steady Steps. Please confirm your e-mail address by opening this link within "
                      "3 days:\n\n%(link)s\n\nThen sign in with the password you chose. "
                      "If you did not ask for an account, you can ignore this e-mail.\n",
                      link=f"{_base()}/confirm-email/{token}")
            subject = _t("Confirm your e-mail address for Steady Steps")
        else:
            body = _t("Welcome to Steady Steps. Your account is ready: sign in with the password you chose "
                      "at\n\n%(login)s\n\nIf you did not ask for an account, please tell us by replying.\n",
                      login=f"{_base()}/login")
            subject = _t("Your Steady Steps account is ready")
    mail.enqueue(session, kind="account_confirm" if confirm else "account_welcome", user_id=user.id,
                 subject=subject, body=body)


def confirm_email(session: Session, token: str) -> User | None:
    """Use a confirmation link: the address is confirmed. None for an unknown, used or expired link."""
    if not token or len(token) > reset.TOKEN_MAX_LENGTH:
        return None
    row = session.query(PasswordResetToken).filter_by(token_hash=reset.token_hash(token), purpose="confirm").first()
    now = clock.now()
    if row is None or row.used_at is not None or now >= row.expires_at:
        return None
    claimed = session.execute(update(PasswordResetToken).where(
        PasswordResetToken.id == row.id, PasswordResetToken.used_at.is_(None)).values(used_at=now)).rowcount
    if claimed != 1:
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.is_active:
        return None
    user.email_confirmed_at = now
    audit.record(session, action="account.confirm_email", actor_id=user.id, actor_role=user.role.value,
                 patient_id=user.id, record_type="user", record_id=user.id)
    return user
