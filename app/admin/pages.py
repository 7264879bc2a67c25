"""The admin area: accounts, invitations, enable/disable, clinician assignments. HTML forms
only (CSRF-protected by the page router); every change is audited."""

from __future__ import annotations

import re
import uuid
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response

from app.accounts.dependencies import PageAdmin
from app.accounts.models import Role
from app.accounts.schemas import EMAIL_PATTERN
from app.admin import search, service
from app.db import SessionDep
from app.errors import Conflict, InvalidInput
from app.web import redirect, render
from app.i18n import N_, _t  # noqa: F401 - interface text (app.i18n)

router = APIRouter(include_in_schema=False)

NOTICES = {
    "created": N_("Account created. We have emailed a link to choose a password (it works for 3 days)."),
    "invited": N_("We have emailed a new link to choose a password."),
    "enabled": N_("The account is enabled."),
    "disabled": N_("The account is disabled and signed out everywhere."),
    "assigned": N_("Clinician assigned."),
    "unassigned": N_("Clinician removed."),
}
ROLE_LABELS = {Role.patient: "Patient", Role.clinician: "Clinician", Role.admin: "Admin"}


@router.get("/admin")
def users(request: Request, session: SessionDep, admin: PageAdmin, role: str = "", page: int = 1,
          notice: str | None = None, q: Annotated[str, Query(max_length=200)] = "",
          unassigned: Annotated[str, Query(max_length=5)] = "") -> Response:
    find = search.clean(q, unassigned)
    chosen = Role.patient if find.unassigned else (Role(role) if role in Role.__members__ else None)
    page = min(max(page, 1), 100_000)
    people, total = service.list_users(session, admin, role=chosen, page=page, find=find)
    pages = max(1, -(-total // service.PAGE_SIZE))
    return render(request, "admin/users.html", {
        "people": people, "total": total, "page": page, "pages": pages, "role": chosen,
        "roles": ROLE_LABELS, "notice": NOTICES.get(notice or ""), "find": find,
        "scan_limit": search.SCAN_LIMIT, "unrouted": _unrouted(session),
        "reaches_everyone": service.search_reaches_everyone(session, role=chosen, find=find)})


def _unrouted(session: SessionDep) -> list:  # type: ignore[type-arg]
    from app.alerts import honesty
    return honesty.unrouted(session)


def _new_form(request: Request, form: dict[str, str], errors: dict[str, str], status_code: int = 200) -> Response:
    return render(request, "admin/new_user.html", {"form": form, "errors": errors, "roles": ROLE_LABELS},
                  status_code=status_code)


@router.get("/admin/users/new")
def new_user_form(request: Request, admin: PageAdmin, role: str = "patient") -> Response:
    return _new_form(request, {"role": role if role in Role.__members__ else "patient"}, {})


@router.post("/admin/users")
def create_user(request: Request, session: SessionDep, admin: PageAdmin,
                role: Annotated[str, Form(max_length=16)] = "",
                email: Annotated[str, Form(max_length=254)] = "",
                display_name: Annotated[str, Form(max_length=80)] = "") -> Response:
    form = {"role": role, "email": email, "display_name": display_name}
    errors: dict[str, str] = {}
    if role not in Role.__members__:
        errors["role"] = _t('Choose the kind of account.')
    if re.match(EMAIL_PATTERN, email.strip()) is None:
        errors["email"] = _t('Enter an email address like name@example.com.')
    if not errors:
        try:
            user = service.create_account(session, admin, role=Role(role), email=email,
                                          display_name=display_name.strip() or None)
        except Conflict:
            errors["email"] = _t('An account with this email address already exists.')
        except InvalidInput as e:
            errors[e.field or "email"] = e.detail
        else:
            return redirect(f"/admin/users/{user.id}?notice=created")
    return _new_form(request, form, errors, status_code=422)


def _detail(request: Request, session: SessionDep, admin: PageAdmin, user_id: uuid.UUID,
            errors: dict[str, str] | None = None, notice: str | None = None, status_code: int = 200) -> Response:
    person = service.get_person(session, admin, user_id)
    choices = (service.clinician_choices(session, [c.id for c in person.clinicians])
               if person.role == Role.patient else [])
    return render(request, "admin/user.html", {
        "person": person, "choices": choices, "roles": ROLE_LABELS, "errors": errors or {},
        "is_self": person.id == admin.id, "notice": NOTICES.get(notice or "")}, status_code=status_code)


@router.get("/admin/users/{user_id}")
def user_detail(request: Request, session: SessionDep, admin: PageAdmin, user_id: uuid.UUID,
                notice: str | None = None) -> Response:
    return _detail(request, session, admin, user_id, notice=notice)


def _confirm_disable(request: Request, session: SessionDep, admin: PageAdmin, user_id: uuid.UUID) -> Response:
    """Disabling signs a person out everywhere and stops their programme: one more step first."""
    person = service.get_person(session, admin, user_id)
    if person.id == admin.id or not person.is_active:
        return redirect(f"/admin/users/{user_id}")
    return render(request, "admin/confirm_disable.html", {"person": person, "roles": ROLE_LABELS})


@router.get("/admin/users/{user_id}/disable")
def confirm_disable(request: Request, session: SessionDep, admin: PageAdmin, user_id: uuid.UUID) -> Response:
    return _confirm_disable(request, session, admin, user_id)


@router.post("/admin/users/{user_id}/active")
def set_active(request: Request, session: SessionDep, admin: PageAdmin, user_id: uuid.UUID,
               active: Annotated[str, Form(max_length=5)] = "",
               confirm: Annotated[str, Form(max_length=5)] = "") -> Response:
    if active not in ("yes", "no"):
        return _detail(request, session, admin, user_id, {"active": "Choose enable or disable."}, status_code=422)
    if active == "no" and confirm != "yes" and user_id != admin.id:  # not confirmed: ask, change nothing
        return _confirm_disable(request, session, admin, user_id)
    try:
        service.set_active(session, admin, user_id, active == "yes")
    except InvalidInput as e:
        return _detail(request, session, admin, user_id, {e.field or "active": e.detail}, status_code=422)
    return redirect(f"/admin/users/{user_id}?notice={'enabled' if active == 'yes' else 'disabled'}")


@router.post("/admin/users/{user_id}/invite")
def invite(request: Request, session: SessionDep, admin: PageAdmin, user_id: uuid.UUID) -> Response:
    try:
        service.resend_invitation(session, admin, user_id)
    except InvalidInput as e:
        return _detail(request, session, admin, user_id, {e.field or "invite": e.detail}, status_code=422)
    return redirect(f"/admin/users/{user_id}?notice=invited")


@router.post("/admin/users/{user_id}/clinicians")
def assign(request: Request, session: SessionDep, admin: PageAdmin, user_id: uuid.UUID,
           clinician_id: Annotated[str, Form(max_length=40)] = "") -> Response:
    try:
        cid = uuid.UUID(clinician_id)
    except ValueError:
        return _detail(request, session, admin, user_id, {"clinician": "Choose a clinician."}, status_code=422)
    try:
        service.assign(session, admin, user_id, cid)
    except InvalidInput as e:
        return _detail(request, session, admin, user_id, {"clinician": e.detail}, status_code=422)
    return redirect(f"/admin/users/{user_id}?notice=assigned")


@router.post("/admin/users/{user_id}/clinicians/{clinician_id}/remove")
def unassign(request: Request, session: SessionDep, admin: PageAdmin, user_id: uuid.UUID,
             clinician_id: uuid.UUID) -> Response:
    service.unassign(session, admin, user_id, clinician_id)
    return redirect(f"/admin/users/{user_id}?notice=unassigned")
