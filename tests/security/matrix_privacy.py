"""Route x role matrix: data rights (account self-service, consent, export, erasure) and the
clinician's FHIR Bundle. Bodies that would sign the caller out (withdrawal, erasure) carry a
wrong password or no confirmation, so they answer 422: the role check has passed by then."""

from __future__ import annotations

import secrets

from app.accounts.models import Role
from app.privacy import service as privacy
from app.privacy.models import EmailChange, ErasureRequest
from tests.factories import PASSWORD, make_user
from tests.security.access import Access, Ctx, Entry

WRONG = {"password": "not the password"}


def email_link(ctx: Ctx) -> dict[str, str]:
    """A live e-mail change link for a throwaway account."""
    from app import clock
    person = make_user(ctx.session)
    token = secrets.token_urlsafe(32)
    now = clock.now()
    row = EmailChange(user_id=person.id, token_hash=privacy._token_hash(token), created_at=now,
                      expires_at=now + privacy.EMAIL_CHANGE_TTL)
    privacy.crypto.seal(ctx.session, row, "new_email_enc", f"moved-{secrets.token_hex(4)}@example.org")
    ctx.session.add(row)
    ctx.session.commit()
    return {"token": token}


def erasure_request(ctx: Ctx) -> dict[str, str]:
    from app import clock
    person = make_user(ctx.session, Role.patient)
    row = ErasureRequest(user_id=person.id, requested_at=clock.now())
    ctx.session.add(row)
    ctx.session.commit()
    return {"request_id": str(row.id)}


def patient_a(ctx: Ctx) -> dict[str, str]:
    return {"patient_id": str(ctx.patient_a.id)}


ENTRIES: dict[tuple[str, str], Entry] = {
    # pages
    ("POST", "/account/name"): Entry(Access.SIGNED_IN, body=lambda c: {"display_name": "Sam"}),
    ("POST", "/account/email"): Entry(Access.SIGNED_IN, body=lambda c: {
        "new_email": f"n-{secrets.token_hex(4)}@example.org", "email_password": "wrong password"}),
    ("GET", "/account/email/confirm/{token}"): Entry(Access.PUBLIC, make=email_link),
    ("POST", "/account/email/confirm/{token}"): Entry(Access.PUBLIC, make=email_link),
    ("GET", "/consent"): Entry(Access.SIGNED_IN),
    ("POST", "/consent"): Entry(Access.SIGNED_IN, body=lambda c: {"consent": "yes", "next": "/"}),
    ("POST", "/account/consent/withdraw"): Entry(Access.SIGNED_IN, body=lambda c: {}),
    ("GET", "/account/export.json"): Entry(Access.PATIENT),
    ("GET", "/account/export.fhir.json"): Entry(Access.PATIENT),
    ("GET", "/account/summary"): Entry(Access.PATIENT),
    ("POST", "/account/erasure"): Entry(Access.PATIENT, body=lambda c: {"erasure_password": "wrong"}),
    ("GET", "/admin/erasure"): Entry(Access.ADMIN),
    ("POST", "/admin/erasure/{request_id}"): Entry(Access.ADMIN, make=erasure_request,
                                                   body=lambda c: {"confirm_email": "someone@else.example"}),
    # JSON API
    ("POST", "/api/v1/me/email"): Entry(Access.SIGNED_IN, body=lambda c: {
        "email": f"n-{secrets.token_hex(4)}@example.org", **WRONG}),
    ("GET", "/api/v1/me/consent"): Entry(Access.SIGNED_IN),
    ("POST", "/api/v1/me/consent"): Entry(Access.SIGNED_IN),
    ("POST", "/api/v1/me/consent/withdraw"): Entry(Access.SIGNED_IN, body=lambda c: WRONG),
    ("GET", "/api/v1/me/export"): Entry(Access.PATIENT),
    ("GET", "/api/v1/me/export/fhir"): Entry(Access.PATIENT),
    ("POST", "/api/v1/me/erasure"): Entry(Access.PATIENT, body=lambda c: WRONG),
    ("GET", "/api/v1/clinician/patients/{patient_id}/fhir"): Entry(Access.CLINICIAN, make=patient_a, scoped=True),
}
assert PASSWORD not in str(WRONG)
