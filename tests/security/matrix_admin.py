"""The admin area: admins only, everyone else 403 (pages) and anonymous to the sign-in page."""

from __future__ import annotations

import uuid

from app.accounts import service as accounts
from app.accounts.models import Role
from tests.factories import make_user
from tests.security.access import Access, Ctx, Entry


def some_patient(ctx: Ctx) -> dict[str, str]:
    return {"user_id": str(ctx.patient_a.id)}


def fresh_patient(ctx: Ctx) -> dict[str, str]:
    """A throwaway patient, so disabling or assigning does not change the six test people."""
    return {"user_id": str(make_user(ctx.session, Role.patient).id)}


def fresh_clinician(ctx: Ctx) -> dict[str, str]:
    ctx.extra["clinician"] = make_user(ctx.session, Role.clinician)
    return fresh_patient(ctx)


def fresh_assignment(ctx: Ctx) -> dict[str, str]:
    patient, clinician = make_user(ctx.session, Role.patient), make_user(ctx.session, Role.clinician)
    accounts.assign(ctx.session, patient.user, clinician.user)
    ctx.session.commit()
    return {"user_id": str(patient.id), "clinician_id": str(clinician.id)}


ENTRIES = {
    ("GET", "/admin"): Entry(Access.ADMIN),
    ("GET", "/admin/users/new"): Entry(Access.ADMIN),
    ("POST", "/admin/users"): Entry(Access.ADMIN, body=lambda c: {
        "role": "clinician", "email": f"staff-{uuid.uuid4().hex[:10]}@example.org", "display_name": "New"}),
    ("GET", "/admin/users/{user_id}"): Entry(Access.ADMIN, make=some_patient),
    ("GET", "/admin/users/{user_id}/disable"): Entry(Access.ADMIN, make=some_patient),
    ("POST", "/admin/users/{user_id}/active"): Entry(Access.ADMIN, make=fresh_patient,
                                                     body=lambda c: {"active": "no", "confirm": "yes"}),
    ("POST", "/admin/users/{user_id}/invite"): Entry(Access.ADMIN, make=fresh_patient),
    ("POST", "/admin/users/{user_id}/clinicians"): Entry(Access.ADMIN, make=fresh_clinician,
                                                         body=lambda c: {"clinician_id": str(c.extra["clinician"].id)}),
    ("POST", "/admin/users/{user_id}/clinicians/{clinician_id}/remove"): Entry(Access.ADMIN, make=fresh_assignment),
}
