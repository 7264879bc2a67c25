"""Homework entries: a patient's own only (another patient gets the same 404 as a missing id)."""

from tests.security.access import Access, Ctx, Entry

TASK = "thought-record-starter"
ANSWERS = {"situation": "At work", "thoughts": "I will mess this up",
           "emotions": [{"emotion": "Anxious", "intensity": 60}]}
FORM = {"answers.situation": "At work", "answers.thoughts": "I will mess this up",
        "answers.emotions.0.emotion": "Anxious", "answers.emotions.0.intensity": "60", "action": "submit"}


def task(ctx: Ctx) -> dict[str, str]:
    return {"task_slug": TASK}


def entry_of_a(ctx: Ctx) -> dict[str, str]:
    from app.homework import service
    view = service.create(ctx.session, ctx.patient_a.user, TASK, ANSWERS)
    return {"entry_id": str(view.id)}


ENTRIES = {
    ("POST", "/api/v1/homework/{task_slug}/entries"): Entry(Access.PATIENT, make=task, body=lambda ctx: {"answers": ANSWERS}),
    ("GET", "/api/v1/homework/entries"): Entry(Access.PATIENT),
    ("GET", "/api/v1/homework/entries/{entry_id}"): Entry(Access.PATIENT, make=entry_of_a, scoped=True),
    ("PATCH", "/api/v1/homework/entries/{entry_id}"): Entry(Access.PATIENT, make=entry_of_a, scoped=True,
                                                            body=lambda ctx: {"answers": ANSWERS}),
    ("GET", "/homework/{task_slug}"): Entry(Access.PATIENT, make=task),
    ("POST", "/homework/{task_slug}"): Entry(Access.PATIENT, make=task, body=lambda ctx: FORM),
    ("GET", "/homework/entries/{entry_id}"): Entry(Access.PATIENT, make=entry_of_a, scoped=True),
    ("POST", "/homework/entries/{entry_id}"): Entry(Access.PATIENT, make=entry_of_a, scoped=True, body=lambda ctx: FORM),
    ("GET", "/workbook"): Entry(Access.PATIENT),
    ("GET", "/workbook/print"): Entry(Access.PATIENT),
}
