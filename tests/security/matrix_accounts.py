"""Accounts: sign-in, registration, account page, password reset; JSON auth and /me."""

from __future__ import annotations

import secrets
import uuid

from app.accounts import reset
from tests.factories import PASSWORD, make_user
from tests.security.access import Access, Ctx, Entry


def _email(prefix: str = "new") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}@example.org"


def reset_link(ctx: Ctx) -> dict[str, str]:
    """A live link for a throwaway account (using it revokes that account's sessions)."""
    token = secrets.token_urlsafe(32)
    reset._issue(ctx.session, make_user(ctx.session).user, "reset", reset.token_hash(token))
    ctx.session.commit()
    return {"token": token}


def confirm_link(ctx: Ctx) -> dict[str, str]:
    """A live e-mail confirmation link for a throwaway account."""
    token = secrets.token_urlsafe(32)
    reset._issue(ctx.session, make_user(ctx.session).user, "confirm", reset.token_hash(token))
    ctx.session.commit()
    return {"token": token}


ENTRIES = {
    # pages
    ("GET", "/login"): Entry(Access.PUBLIC),
    ("POST", "/login"): Entry(Access.PUBLIC, body=lambda c: {"email": c.patient_a.email, "password": PASSWORD}),
    ("POST", "/logout"): Entry(Access.PUBLIC),
    ("GET", "/register"): Entry(Access.PUBLIC),
    ("POST", "/register"): Entry(Access.PUBLIC, body=lambda c: {
        "email": _email(), "password": PASSWORD, "consent": "yes", "role": "admin",
        "phone": "07911 123456", "date_of_birth": "1990-04-23"}),
    ("GET", "/privacy"): Entry(Access.PUBLIC),
    ("GET", "/register/check-email"): Entry(Access.PUBLIC),
    ("GET", "/confirm-email/{token}"): Entry(Access.PUBLIC, make=confirm_link),
    ("GET", "/forgot-password"): Entry(Access.PUBLIC),
    ("POST", "/forgot-password"): Entry(Access.PUBLIC, body=lambda c: {"email": c.patient_a.email}),
    ("GET", "/reset-password/{token}"): Entry(Access.PUBLIC, make=reset_link),
    ("POST", "/reset-password/{token}"): Entry(Access.PUBLIC, make=reset_link,
                                               body=lambda c: {"password": PASSWORD, "confirm": PASSWORD}),
    ("GET", "/account"): Entry(Access.SIGNED_IN),
    ("POST", "/account/password"): Entry(Access.SIGNED_IN, body=lambda c: {
        "current_password": PASSWORD, "new_password": PASSWORD}),
    ("POST", "/account/sessions/revoke-others"): Entry(Access.SIGNED_IN),
    ("POST", "/account/language"): Entry(Access.SIGNED_IN, body=lambda c: {"language": "es"}),
    # JSON API
    ("POST", "/api/v1/auth/register"): Entry(Access.PUBLIC, body=lambda c: {
        "email": _email(), "password": PASSWORD, "phone": "07911 123456", "consent": True}),
    ("POST", "/api/v1/auth/token"): Entry(Access.PUBLIC, body=lambda c: {
        "username": c.patient_a.email, "password": PASSWORD}),
    ("POST", "/api/v1/auth/logout"): Entry(Access.SIGNED_IN),
    ("GET", "/api/v1/me"): Entry(Access.SIGNED_IN),
    ("PATCH", "/api/v1/me"): Entry(Access.SIGNED_IN, body=lambda c: {"display_name": "Sam", "time_zone": "Europe/London"}),
}
