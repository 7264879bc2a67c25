"""Route x role matrix: the safety plan and "I am not safe right now" (patients only; each
patient has one plan, their own, so there is nothing of another patient's to ask for)."""

from __future__ import annotations

from tests.security.access import Access, Ctx, Entry


def plan(ctx: Ctx) -> dict[str, str]:
    return {"coping": "Walk the dog", "warning_signs": "Not sleeping"}


def source(ctx: Ctx) -> dict[str, str]:
    return {"source": "checkin"}


ENTRIES: dict[tuple[str, str], Entry] = {
    ("GET", "/safety-plan"): Entry(Access.PATIENT),
    ("GET", "/safety-plan/edit"): Entry(Access.PATIENT),
    ("POST", "/safety-plan"): Entry(Access.PATIENT, body=plan),
    ("GET", "/not-safe"): Entry(Access.PATIENT),
    ("POST", "/not-safe"): Entry(Access.PATIENT, body=source),
    ("GET", "/api/v1/safety-plan"): Entry(Access.PATIENT),
    ("PUT", "/api/v1/safety-plan"): Entry(Access.PATIENT, body=plan),
    ("POST", "/api/v1/not-safe"): Entry(Access.PATIENT, body=source),
}
