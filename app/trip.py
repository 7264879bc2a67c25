"""One trip to the thread pool per request (docs/architecture.md, "Requests and transactions").

Routes stay plain `def` functions that take `session: SessionDep` and a caller parameter
(`PagePatient`, `CurrentClinician`, ...). Every domain router is included through `include`
(app/main.py), which builds its routes with `OneTripRoute`: the sync endpoint becomes an
async one that keeps every other parameter for FastAPI to parse and validate on the event
loop, then makes a single `run_in_threadpool` call that

  opens the database session, finds the caller (the browser session or the bearer token),
  on pages checks the CSRF token and counts unread messages, checks the role, runs the route,
  slides the session's idle timeout (app.security.sessions.touch), and commits; it rolls back
  on any error and always closes the session.

Before, a page made four trips (lookup, message count, route, commit) and an API call three
(lookup, route, commit, plus one more to validate its response_model); each trip is two
thread hand-offs. The parameters the trip supplies (KINDS) are removed from the signature
FastAPI sees, so none of their dependencies run. Outside a trip (a route not built here)
they are ordinary dependencies and behave as before.

Order of refusals as before: when FastAPI refuses the request's parameters (422), the caller
is still checked first, in a trip without the route, so a signed-out caller is told to sign
in and a forged form is refused as such, and the 422 page shows the signed-in navigation.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any, get_args, get_origin

from fastapi import APIRouter, Depends, Request
from fastapi.dependencies.utils import get_typed_return_annotation, get_typed_signature
from fastapi.exceptions import RequestValidationError
from fastapi.params import Depends as DependsParam
from fastapi.routing import APIRoute
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from app.accounts import dependencies as deps
from app.accounts.models import User
from app.db import get_db, get_session
from app.security import csrf, sessions

_REQUEST = "trip_request__"
_TOKEN = "trip_bearer_token__"


@dataclass
class Plan:
    """What one route's trip supplies: parameter name -> ("session" | "auth" | caller kind)."""

    endpoint: Callable[..., Any]
    page: bool
    supplied: dict[str, Any] = field(default_factory=dict)
    bearer: bool = False  # the route needs the bearer token's user
    request: str = _REQUEST  # the parameter that brings the Request (the route's own, if any)


def _dependency_of(param: inspect.Parameter) -> Callable[..., Any] | None:
    found = param.default if isinstance(param.default, DependsParam) else None
    if get_origin(param.annotation) is Annotated:
        found = next((m for m in get_args(param.annotation)[1:] if isinstance(m, DependsParam)), found)
    return found.dependency if found is not None else None


def _plan(endpoint: Callable[..., Any], page: bool) -> tuple[Plan, inspect.Signature]:
    plan = Plan(endpoint, page)
    kept: list[inspect.Parameter] = []
    for p in get_typed_signature(endpoint).parameters.values():
        dep = _dependency_of(p)
        if dep is get_session:
            plan.supplied[p.name] = "session"
        elif dep is deps.current_auth_session:
            plan.supplied[p.name] = "auth"
        elif dep in deps.ROLES:
            plan.supplied[p.name] = deps.ROLES[dep]
            plan.bearer = plan.bearer or deps.ROLES[dep][0] == "bearer"
        else:
            if p.annotation is Request:
                plan.request = p.name
            kept.append(p.replace(kind=inspect.Parameter.KEYWORD_ONLY))
    if plan.request == _REQUEST:
        kept.append(inspect.Parameter(_REQUEST, inspect.Parameter.KEYWORD_ONLY, annotation=Request))
    if plan.bearer or (not page and "auth" in plan.supplied.values()):
        # The token is read on the event loop (async, no I/O) and keeps the OpenAPI security
        # scheme (the /docs Authorize button) on the route.
        kept.append(inspect.Parameter(_TOKEN, inspect.Parameter.KEYWORD_ONLY,
                                      annotation=Annotated[str | None, Depends(deps.oauth2_scheme)]))
        plan.bearer = True
    returns = get_typed_return_annotation(endpoint)  # FastAPI infers response_model from it
    return plan, inspect.Signature(kept, return_annotation=inspect.Signature.empty if returns is None else returns)


def _caller(plan: Plan, request: Request, session: Session, token: str | None,
            form: Any) -> tuple[User | None, Any]:
    """The caller, found as the old dependencies did, in their order: the cookie session,
    CSRF and the unread count on pages; the bearer token on API routes that need one."""
    user: User | None = None
    if plan.page:
        user = deps.browser_user(request, session)
        csrf.check(request, form)
        from app.messages.pages import nav_counts  # the Messages link's unread count
        nav_counts(request, session)
    if plan.bearer:
        user = deps.bearer_user(request, session, token)
    return user, getattr(request.state, "auth_session", None)


def _arguments(plan: Plan, user: User | None, auth: Any, session: Session) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, what in plan.supplied.items():
        if what == "session":
            out[name] = session
        elif what == "auth":
            out[name] = auth
        else:
            roles = what[1]
            out[name] = user if not roles else deps._role(user, *roles)
    return out


def _in_thread(plan: Plan, request: Request, token: str | None, form: Any,
               kwargs: dict[str, Any] | None) -> Any:
    """The whole request's database work. kwargs None: only find and check the caller (the
    parameters were refused), then roll back."""
    session = get_db().session()
    try:
        user, auth = _caller(plan, request, session, token, form)
        arguments = _arguments(plan, user, auth, session)
        if kwargs is None:
            session.rollback()
            return None
        result = plan.endpoint(**kwargs, **arguments)
        if auth is not None:
            sessions.touch(session, auth)
        session.commit()
        return result
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


async def _form_if_unsafe(plan: Plan, request: Request) -> Any:
    if plan.page and request.method in csrf.UNSAFE and request.headers.get("sec-fetch-site") != "cross-site":
        return await request.form()  # parsed once: FastAPI's Form parameters share it
    return None


def _wrap(endpoint: Callable[..., Any], page: bool) -> Callable[..., Any]:
    plan, signature = _plan(endpoint, page)

    async def one_trip(**kwargs: Any) -> Any:
        request = kwargs[plan.request] if plan.request != _REQUEST else kwargs.pop(_REQUEST)
        token = kwargs.pop(_TOKEN, None)
        form = await _form_if_unsafe(plan, request)
        return await run_in_threadpool(_in_thread, plan, request, token, form, kwargs)

    for attr in ("__module__", "__name__", "__qualname__", "__doc__"):
        setattr(one_trip, attr, getattr(endpoint, attr, None))
    one_trip.__signature__ = signature  # type: ignore[attr-defined]
    one_trip.trip_plan = plan  # type: ignore[attr-defined]
    return one_trip


class OneTripRoute(APIRoute):
    """An APIRoute whose sync endpoint runs in one trip (module docstring). Async endpoints
    are left alone."""

    page = False

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        if not hasattr(endpoint, "trip_plan") and not inspect.iscoroutinefunction(endpoint):
            endpoint = _wrap(endpoint, self.page)
        super().__init__(path, endpoint, **kwargs)

    def get_route_handler(self) -> Callable[..., Any]:
        handler = super().get_route_handler()
        plan: Plan | None = getattr(self.endpoint, "trip_plan", None)
        if plan is None:
            return handler

        async def checked(request: Request) -> Any:
            try:
                return await handler(request)
            except RequestValidationError:
                if not (plan.page or plan.bearer):  # nobody to check first
                    raise
                form = await _form_if_unsafe(plan, request)
                token = await deps.oauth2_scheme(request) if plan.bearer else None
                await run_in_threadpool(_in_thread, plan, request, token, form, None)
                raise

        return checked


class OneTripPageRoute(OneTripRoute):
    page = True


_ROUTE_ARGS = [n for n in inspect.signature(APIRoute.__init__).parameters
               if n not in ("self", "path", "endpoint")]


def _rebuild(router: APIRouter, cls: type[OneTripRoute]) -> None:
    for i, route in enumerate(router.routes):
        if type(route) is APIRoute:
            args = {n: getattr(route, n) for n in _ROUTE_ARGS if hasattr(route, n)}
            router.routes[i] = cls(route.path, route.endpoint, **args)
        elif isinstance(getattr(route, "original_router", None), APIRouter):  # a router included in it
            _rebuild(route.original_router, cls)  # type: ignore[attr-defined]


def include(app: Any, router: APIRouter, *, pages: bool, prefix: str = "") -> None:
    """app.include_router(router) after rebuilding each of its routes (and those of routers
    included in it) as a OneTripRoute (OneTripPageRoute for HTML pages: the browser session,
    the CSRF check and the unread count in the same trip). In place, once: a route already
    rebuilt is left as it is."""
    _rebuild(router, OneTripPageRoute if pages else OneTripRoute)
    app.include_router(router, prefix=prefix)
