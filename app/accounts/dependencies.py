"""Who is calling: cookie sessions for pages, bearer tokens for the JSON API.

Role checks live here (first layer); row scoping lives in each domain's queries (second)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.orm import Session

from app.accounts.models import AuthSession, Role, User
from app.db import SessionDep
from app.errors import Forbidden, NotAuthenticated
from app.security import sessions
from app.i18n import N_, _t  # noqa: F401 - interface text (app.i18n)

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


def _snapshot(user: User) -> User:
    """A copy of the user outside any database session, for templates (request.state.user).

    When a route fails, the request's session rolls back, which expires every object it holds;
    the error page is rendered after the session has closed, so reading the live object there
    would fail. Routes get the live object from the dependency; templates read this copy."""
    return User(**{c.key: getattr(user, c.key) for c in User.__mapper__.column_attrs})


def browser_user(request: Request, session: Session) -> User | None:
    """The cookie session's user (or None); sets request.state.user / auth_session /
    csrf_token (the last two for forms on this page) / time_zone. Run inside the request's one
    trip to the thread pool (app/trip.py), before the route."""
    found = sessions.lookup(session, request.cookies.get(sessions.COOKIE_NAME), "cookie")
    if found is None:
        request.state.auth_session = request.state.user = request.state.csrf_token = None
        request.state.time_zone = None
        return None
    auth, user = found
    request.state.auth_session, request.state.csrf_token = auth, auth.csrf_token
    request.state.user = _snapshot(user)
    request.state.time_zone = _time_zone(session, user)
    if user.locale:   # the account's own language beats the cookie and the browser (app.i18n)
        from app import i18n
        chosen = i18n.pick(user.locale)
        if chosen:
            request.state.locale = chosen
            i18n.set_current(chosen)
    return user


def load_browser_session(request: Request, session: SessionDep) -> User | None:
    """The dependency behind PageUserOptional. Routes of app/trip.py never call it: their
    trip supplies the parameter (browser_user); it stays for routes outside (none today)."""
    return browser_user(request, session)


def _time_zone(session: Session, user: User):  # type: ignore[no-untyped-def]
    """The patient's own time zone for every time on their pages (app.reminders)."""
    if user.role != Role.patient:
        return None
    try:
        from app.reminders import service as reminders
    except ModuleNotFoundError:  # pragma: no cover - reminders domain not installed
        return None
    return reminders.zone_of(session, user.id)


def bearer_user(request: Request, session: Session, token: str | None) -> User:
    """The bearer token's user, or NotAuthenticated (401); sets request.state.auth_session and
    user. Run inside the request's one trip to the thread pool (app/trip.py)."""
    found = sessions.lookup(session, token, "bearer")
    if found is None:
        raise NotAuthenticated(_t('Sign in to get a token: POST /api/v1/auth/token.'),
                               headers={"WWW-Authenticate": "Bearer"})
    request.state.auth_session, request.state.user = found
    return found[1]


def load_bearer(request: Request, session: SessionDep,
                token: Annotated[str | None, Depends(oauth2_scheme)]) -> User:
    """The dependency behind CurrentUser (see load_browser_session)."""
    return bearer_user(request, session, token)


# Role checks do no I/O. In routes of app/trip.py the trip runs them right after the lookup
# (ROLES below says which check each parameter means); the `async def` dependencies stay for
# anything outside, where a plain `def` would cost a trip to the thread pool.
def _role(user: User | None, *roles: Role) -> User:
    if user is None:
        raise NotAuthenticated()
    if user.role not in roles:
        raise Forbidden(_t('This part of the service is for another kind of account.'), code="wrong_role")
    return user


# ---- JSON API (bearer)
CurrentUser = Annotated[User, Depends(load_bearer)]


async def _api_patient(user: CurrentUser) -> User:
    return _role(user, Role.patient)


async def _api_clinician(user: CurrentUser) -> User:
    return _role(user, Role.clinician)


async def _api_admin(user: CurrentUser) -> User:
    return _role(user, Role.admin)


CurrentPatient = Annotated[User, Depends(_api_patient)]
CurrentClinician = Annotated[User, Depends(_api_clinician)]
CurrentAdmin = Annotated[User, Depends(_api_admin)]


async def current_auth_session(request: Request) -> AuthSession:
    return request.state.auth_session


# ---- HTML pages (cookie)
PageUserOptional = Annotated[User | None, Depends(load_browser_session)]


async def _page_user(user: PageUserOptional) -> User:
    return _role(user, Role.patient, Role.clinician, Role.admin)


async def _page_patient(user: PageUserOptional) -> User:
    return _role(user, Role.patient)


async def _page_clinician(user: PageUserOptional) -> User:
    return _role(user, Role.clinician)


async def _page_admin(user: PageUserOptional) -> User:
    return _role(user, Role.admin)


PageUser = Annotated[User, Depends(_page_user)]
PagePatient = Annotated[User, Depends(_page_patient)]
PageClinician = Annotated[User, Depends(_page_clinician)]
PageAdmin = Annotated[User, Depends(_page_admin)]


# What app/trip.py supplies for each of these parameters: (who: "cookie" | "bearer", the roles
# accepted, or None for "any or nobody" / "the auth session row").
ROLES = {
    _page_user: ("cookie", (Role.patient, Role.clinician, Role.admin)),
    _page_patient: ("cookie", (Role.patient,)), _page_clinician: ("cookie", (Role.clinician,)),
    _page_admin: ("cookie", (Role.admin,)), load_browser_session: ("cookie", None),
    _api_patient: ("bearer", (Role.patient,)), _api_clinician: ("bearer", (Role.clinician,)),
    _api_admin: ("bearer", (Role.admin,)), load_bearer: ("bearer", ()),
}
