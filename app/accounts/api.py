from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.security import OAuth2PasswordRequestForm

from app.accounts import service
from app.accounts.dependencies import CurrentUser, current_auth_session
from app.accounts import signup
from app.accounts.models import AuthSession, User
from app.accounts.schemas import MeIn, MeOut, RegisterIn, RegisterOut, TokenOut
from app.config import get_settings
from app.db import SessionDep
from app.errors import AppError, Forbidden
from app.security import sessions
from app.i18n import N_, _t  # noqa: F401 - interface text (app.i18n)

router = APIRouter(tags=["accounts"])


class InvalidCredentials(AppError):
    status_code, code, title = 401, "invalid_credentials", "That email and password do not match an account."


@router.post("/auth/register", status_code=202, response_model=RegisterOut)
def register(body: RegisterIn, session: SessionDep) -> RegisterOut:
    """The same 202 and body whether or not the address already has an account (security item
    30); the e-mail sent to the address says which it was and what to do next."""
    if not get_settings().self_registration:
        raise Forbidden(_t('Registration is by invitation from your clinic.'), code="registration_closed")
    signup.register(session, email=body.email, password=body.password,
                    display_name=body.display_name, consent=body.consent, phone=body.phone)
    return RegisterOut()


@router.post("/auth/token", response_model=TokenOut)
def token(form: Annotated[OAuth2PasswordRequestForm, Depends()], request: Request,
          session: SessionDep) -> TokenOut:
    """OAuth2 password flow: `username` is the e-mail address."""
    if len(form.username) > 254:
        raise InvalidCredentials()
    from app.accounts.pages import client_address
    user = service.authenticate(session, form.username, form.password, client_address(request))
    if user is None:
        session.commit()  # keep the failure count and audit event, then refuse
        raise InvalidCredentials(headers={"WWW-Authenticate": "Bearer"})
    tok, _ = sessions.create(session, user, "bearer", request.headers.get("user-agent"))
    return TokenOut(access_token=tok, expires_in=get_settings().session_idle_minutes * 60)


@router.post("/auth/logout", status_code=204, response_class=Response)
def logout(user: CurrentUser, session: SessionDep,
           auth: Annotated[AuthSession, Depends(current_auth_session)]) -> Response:
    sessions.revoke(session, auth)
    return Response(status_code=204)


@router.get("/me", response_model=MeOut)
def me(user: CurrentUser, session: SessionDep) -> MeOut:
    return MeOut(id=user.id, email=service.email_of(session, user), role=user.role.value,
                 display_name=service.display_name_of(session, user), enrolled_at=user.enrolled_at,
                 time_zone=_zone_name(session, user), language=user.locale)


def _zone_name(session: SessionDep, user: User) -> str:
    from app.reminders import service as reminders
    return reminders.zone_name_of(session, user.id)


@router.patch("/me", response_model=MeOut)
def update_me(body: MeIn, user: CurrentUser, session: SessionDep) -> MeOut:
    """Change `display_name` (empty or null clears it), `time_zone` (an IANA name; 422 naming
    it otherwise) and `language` (an interface language, app.i18n; null: follow the browser). The e-mail address changes through `POST /api/v1/me/email` (confirmed by a
    link to the new address)."""
    from app.privacy import service as privacy

    if "display_name" in body.model_fields_set:
        privacy.set_display_name(session, user, body.display_name)
    if body.time_zone is not None:
        from app.reminders import service as reminders
        reminders.set_time_zone(session, user.id, body.time_zone)
    if "language" in body.model_fields_set:
        service.set_locale(session, user, body.language)
    return me(user, session)
