"""Bulk assignment for admins: several patients to one clinician at once (/admin/assign).
All or nothing: an unknown patient or clinician stores no assignment."""

from __future__ import annotations

import math
import uuid
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from app.accounts.dependencies import PageAdmin
from app.accounts.models import Role, User
from app.admin import service as admin
from app.db import SessionDep
from app.errors import InvalidInput, NotFound
from app.web import redirect, render
from app.i18n import N_, _t  # noqa: F401 - interface text (app.i18n)

router = APIRouter(include_in_schema=False)
MAX_AT_ONCE = 200


def assign_many(session: Session, actor: User, patient_ids: list[uuid.UUID], clinician_id: uuid.UUID | None) -> int:
    """Assign every patient to the clinician (already assigned ones are left as they are)."""
    from app.accounts import service as accounts

    if not patient_ids:
        raise InvalidInput(_t('Choose at least one patient.'), field="patient_ids")
    if len(patient_ids) > MAX_AT_ONCE:
        raise InvalidInput(_t('Choose at most %(MAX_AT_ONCE)s patients at once.', MAX_AT_ONCE=MAX_AT_ONCE), field="patient_ids")
    clinician = accounts.get_user(session, clinician_id) if clinician_id else None
    if clinician is None or clinician.role != Role.clinician or not clinician.is_active:
        raise InvalidInput(_t('Choose an active clinician.'), field="clinician_id")
    patients = [accounts.get_user(session, pid) for pid in dict.fromkeys(patient_ids)]
    if any(p is None or p.role != Role.patient for p in patients):
        raise InvalidInput(_t('One of the chosen accounts is not a patient.'), field="patient_ids")
    for p in patients:
        admin.assign(session, actor, p.id, clinician.id)  # type: ignore[union-attr]
    return len(patients)


def _page(request: Request, session: Session, actor: User, page: int, *, errors: dict[str, str] | None = None,
          chosen: list[str] | None = None, clinician_id: str = "", notice: str | None = None,
          status_code: int = 200) -> Response:
    people, total = admin.list_users(session, actor, role=Role.patient, page=page)
    return render(request, "admin/assign_bulk.html", {
        "people": people, "total": total, "page": page, "pages": max(1, math.ceil(total / admin.PAGE_SIZE)),
        "clinicians": admin.clinician_choices(session, []), "errors": errors or {}, "chosen": set(chosen or []),
        "clinician_id": clinician_id, "notice": notice, "page_title": _t('Assign patients')}, status_code=status_code)


@router.get("/admin/assign")
def assign_form(request: Request, session: SessionDep, admin_user: PageAdmin, page: int = 1,
                done: int = 0) -> Response:
    notice = f"{done} patient{'s' if done != 1 else ''} assigned." if done > 0 else None
    return _page(request, session, admin_user, max(1, min(page, 100000)), notice=notice)


@router.post("/admin/assign")
def assign_submit(request: Request, session: SessionDep, admin_user: PageAdmin,
                  patient_ids: Annotated[list[str], Form(max_length=64)] = [],  # noqa: B006
                  clinician_id: Annotated[str, Form(max_length=64)] = "", page: int = 1) -> Response:
    try:
        try:
            ids = [uuid.UUID(x) for x in patient_ids]
            cid = uuid.UUID(clinician_id) if clinician_id else None
        except ValueError:
            raise InvalidInput(_t('That choice is not valid.'), field="patient_ids") from None
        n = assign_many(session, admin_user, ids, cid)
    except (InvalidInput, NotFound) as e:
        session.rollback()
        field = getattr(e, "field", None) or "patient_ids"
        return _page(request, session, admin_user, max(1, page), errors={field: e.detail}, chosen=patient_ids,
                     clinician_id=clinician_id, status_code=422)
    return redirect(f"/admin/assign?done={n}")
