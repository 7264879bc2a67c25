"""Route x role matrix: the patient's own contact details (issue 12)."""

from __future__ import annotations

from tests.security.access import Access, Ctx, Entry


def contact(ctx: Ctx) -> dict[str, str]:
    return {"phone": "07911 123456"}


ENTRIES: dict[tuple[str, str], Entry] = {
    ("GET", "/account/contact"): Entry(Access.PATIENT),
    ("POST", "/account/contact"): Entry(Access.PATIENT, body=contact),
    ("GET", "/api/v1/me/contact"): Entry(Access.PATIENT),
    ("PUT", "/api/v1/me/contact"): Entry(Access.PATIENT, body=contact),
    # an invited patient's first sign-in: the safety question, then the phone number
    ("GET", "/welcome/safe"): Entry(Access.PATIENT),
    ("POST", "/welcome/safe"): Entry(Access.PATIENT, body=lambda ctx: {"safe": "yes"}),
    ("GET", "/welcome/phone"): Entry(Access.PATIENT),
    ("POST", "/welcome/phone"): Entry(Access.PATIENT, body=contact),
}
