"""Route x role matrix: reminder preferences (patients), the unsubscribe link (no sign-in:
the signed token is the authority, for a throwaway patient so it changes nobody else)."""

from __future__ import annotations

from tests.factories import make_user
from tests.security.access import Access, Ctx, Entry


def token(ctx: Ctx) -> dict[str, str]:
    from app.reminders import service
    return {"token": service.unsubscribe_token(make_user(ctx.session).id, "checkin")}


def prefs(ctx: Ctx) -> dict[str, object]:
    return {"time_zone": "Europe/Paris", "remind_at": "18:00"}


def sub(ctx: Ctx) -> dict[str, object]:
    return {"endpoint": "https://push.example.org/sub-1", "keys": {"p256dh": "B" * 40, "auth": "a" * 16}}


ENTRIES: dict[tuple[str, str], Entry] = {
    ("GET", "/api/v1/me/reminders"): Entry(Access.PATIENT),
    ("PUT", "/api/v1/me/reminders"): Entry(Access.PATIENT, body=prefs),
    ("GET", "/api/v1/me/reminders/sent"): Entry(Access.PATIENT),
    ("POST", "/api/v1/unsubscribe/{token}"): Entry(Access.PUBLIC, make=token),
    ("POST", "/account/reminders"): Entry(Access.PATIENT, body=lambda c: {"time_zone": "Europe/Paris"}),
    ("GET", "/api/v1/push/public-key"): Entry(Access.PUBLIC),
    ("POST", "/api/v1/me/push-subscriptions"): Entry(Access.PATIENT, body=sub),
    ("DELETE", "/api/v1/me/push-subscriptions"): Entry(Access.PATIENT, body=sub, ok=(204, 404)),
    ("POST", "/account/push"): Entry(Access.PATIENT, body=lambda c: {"endpoint": "https://push.example.org/x",
                                                                     "p256dh": "B" * 40, "auth": "a" * 16}),
    ("GET", "/unsubscribe/{token}"): Entry(Access.PUBLIC, make=token),
    ("POST", "/unsubscribe/{token}"): Entry(Access.PUBLIC, make=token),
}
