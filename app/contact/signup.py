"""Who may join (issue 12): the sign-up form's own checks, every problem at once.

The programme is for adults: a date of birth under 18 gets no account and is pointed to young
people's services. Sign-up first asks whether the person is safe right now; "no" goes to the
help page, not to a form. The phone number is required (the care team must be able to call).
"""

from __future__ import annotations

from datetime import date

from app import clock
from app.contact.schemas import normalise_phone
from app.i18n import N_, _t  # noqa: F401 - interface text (app.i18n)

ADULT_AGE = 18


def age_on(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def parse_dob(text: str) -> date | None:
    try:
        return date.fromisoformat((text or "").strip())
    except ValueError:
        return None


def form_problems(*, email_ok: bool, password: str, email: str, phone: str, dob: str,
                  consent: str) -> tuple[dict[str, str], str | None, bool]:
    """(errors by field, the normalised phone, under 18). Every problem at once."""
    from app.security import passwords

    errors: dict[str, str] = {}
    if not email_ok:
        errors["email"] = _t('Enter an email address like name@example.com.')
    if not password:
        errors["password"] = _t('Choose a password.')
    else:
        problem = passwords.password_problem(password, email=email)
        if problem:
            errors["password"] = problem
    norm = None
    try:
        norm = normalise_phone(phone)
    except ValueError as e:
        errors["phone"] = str(e)
    born = parse_dob(dob)
    under_18 = False
    today = clock.now().date()
    if born is None:
        errors["date_of_birth"] = _t('Enter your date of birth, for example 1990-04-23.')
    elif born > today or born.year < 1900:
        errors["date_of_birth"] = _t('Check your date of birth.')
    else:
        under_18 = age_on(born, today) < ADULT_AGE
    if consent != "yes":
        errors["consent"] = _t('To use the programme, please agree to the terms and privacy notice.')
    return errors, norm, under_18
