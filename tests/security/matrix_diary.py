"""Mood diary: a patient's own entries only (another patient gets the same 404 as a missing id)."""

from tests.security.access import Access, Ctx, Entry

FORM = {"mood": "6", "emotions": ["calm"], "note": "matrix", "sleep_hours": "7.5", "activities": "walk"}


def entry_of_a(ctx: Ctx) -> dict[str, str]:
    from app.diary import service
    from app.diary.schemas import DiaryIn
    view = service.create(ctx.session, ctx.patient_a.user, DiaryIn(mood=5, note="patient A's words"))
    ctx.session.commit()
    return {"entry_id": str(view.id)}


ENTRIES = {
    ("POST", "/api/v1/diary"): Entry(Access.PATIENT, body=lambda ctx: {"mood": 6, "emotions": ["calm"]}),
    ("GET", "/api/v1/diary"): Entry(Access.PATIENT),
    ("GET", "/api/v1/diary/{entry_id}"): Entry(Access.PATIENT, make=entry_of_a, scoped=True),
    ("PATCH", "/api/v1/diary/{entry_id}"): Entry(Access.PATIENT, make=entry_of_a, scoped=True,
                                                 body=lambda ctx: {"mood": 2}),
    ("DELETE", "/api/v1/diary/{entry_id}"): Entry(Access.PATIENT, make=entry_of_a, scoped=True),
    ("GET", "/diary"): Entry(Access.PATIENT),
    ("POST", "/diary"): Entry(Access.PATIENT, body=lambda ctx: FORM),
    ("GET", "/diary/entries"): Entry(Access.PATIENT),
    ("GET", "/diary/week"): Entry(Access.PATIENT),
    ("GET", "/diary/{entry_id}/edit"): Entry(Access.PATIENT, make=entry_of_a, scoped=True),
    ("POST", "/diary/{entry_id}/edit"): Entry(Access.PATIENT, make=entry_of_a, scoped=True, body=lambda ctx: FORM),
    ("GET", "/diary/{entry_id}/delete"): Entry(Access.PATIENT, make=entry_of_a, scoped=True),
    ("POST", "/diary/{entry_id}/delete"): Entry(Access.PATIENT, make=entry_of_a, scoped=True),
    ("POST", "/diary/not-safe"): Entry(Access.PATIENT),
}
