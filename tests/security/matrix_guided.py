"""Guided support: reviews, notes, homework feedback, opening or holding a module, the release
interval, the episode. Only the patient's assigned clinicians; an unassigned clinician gets 404
like a missing patient."""

from tests.security.access import Access, Ctx, Entry

TASK = "thought-record-starter"
ANSWERS = {"situation": "At work", "thoughts": "I will mess this up",
           "emotions": [{"emotion": "Anxious", "intensity": 60}]}


def patient_a(ctx: Ctx) -> dict[str, str]:
    return {"patient_id": str(ctx.patient_a.id)}


def entry_of_a(ctx: Ctx) -> dict[str, str]:
    from app.homework import service
    view = service.create(ctx.session, ctx.patient_a.user, TASK, ANSWERS)
    ctx.session.commit()
    return {"patient_id": str(ctx.patient_a.id), "entry_id": str(view.id)}


def module_of_a(ctx: Ctx) -> dict[str, str]:
    return {"patient_id": str(ctx.patient_a.id), "slug": "noticing-patterns"}


def held_module_of_a(ctx: Ctx) -> dict[str, str]:
    """Module 2 of patient A, held by their clinician (again, if a previous role lifted it)."""
    from app.errors import Conflict
    from app.guided import shaping
    try:
        shaping.hold(ctx.session, ctx.clinician.user, ctx.patient_a.id, "noticing-patterns", "Matrix reason")
    except Conflict:
        ctx.session.rollback()
    ctx.session.commit()
    return module_of_a(ctx)


NOTE = {"body": "Matrix note"}
HOLD = {"reason": "Matrix reason", "message": "Matrix message"}
C = Access.CLINICIAN

ENTRIES = {
    ("GET", "/api/v1/clinician/reviews"): Entry(C),
    ("GET", "/clinician/reviews"): Entry(C),
    ("POST", "/api/v1/clinician/patients/{patient_id}/reviews"): Entry(C, make=patient_a, scoped=True,
                                                                       body=lambda ctx: {"note": "ok", "message": "Hi"}),
    ("GET", "/clinician/patients/{patient_id}/review"): Entry(C, make=patient_a, scoped=True),
    ("POST", "/clinician/patients/{patient_id}/review"): Entry(C, make=patient_a, scoped=True,
                                                               body=lambda ctx: {"note": "ok", "message": "Hi"}),
    ("GET", "/api/v1/clinician/patients/{patient_id}/notes"): Entry(C, make=patient_a, scoped=True),
    ("POST", "/api/v1/clinician/patients/{patient_id}/notes"): Entry(C, make=patient_a, scoped=True, body=lambda ctx: NOTE),
    ("POST", "/clinician/patients/{patient_id}/notes"): Entry(C, make=patient_a, scoped=True, body=lambda ctx: NOTE),
    ("POST", "/api/v1/clinician/patients/{patient_id}/homework/{entry_id}/feedback"): Entry(
        C, make=entry_of_a, scoped=True, body=lambda ctx: NOTE),
    ("POST", "/clinician/patients/{patient_id}/homework/{entry_id}/feedback"): Entry(
        C, make=entry_of_a, scoped=True, body=lambda ctx: NOTE),
    ("POST", "/api/v1/clinician/patients/{patient_id}/modules/{slug}/open"): Entry(C, make=module_of_a, scoped=True),
    ("POST", "/clinician/patients/{patient_id}/modules/{slug}/open"): Entry(C, make=module_of_a, scoped=True),
    ("POST", "/api/v1/clinician/patients/{patient_id}/modules/{slug}/hold"): Entry(
        C, make=module_of_a, scoped=True, body=lambda ctx: HOLD, ok=(409,)),
    ("DELETE", "/api/v1/clinician/patients/{patient_id}/modules/{slug}/hold"): Entry(
        C, make=held_module_of_a, scoped=True),
    ("GET", "/api/v1/clinician/patients/{patient_id}/pace"): Entry(C, make=held_module_of_a, scoped=True),
    ("PUT", "/api/v1/clinician/patients/{patient_id}/interval"): Entry(
        C, make=patient_a, scoped=True, body=lambda ctx: {"days": 5}),
    ("POST", "/clinician/patients/{patient_id}/holds"): Entry(
        C, make=patient_a, scoped=True, body=lambda ctx: {"module": "noticing-patterns", **HOLD}),
    ("POST", "/clinician/patients/{patient_id}/holds/{slug}/lift"): Entry(C, make=held_module_of_a, scoped=True),
    ("POST", "/clinician/patients/{patient_id}/interval"): Entry(
        C, make=patient_a, scoped=True, body=lambda ctx: {"days": "5"}),
    ("POST", "/api/v1/clinician/patients/{patient_id}/discharge"): Entry(
        C, make=patient_a, scoped=True, body=lambda ctx: {"reason": "finished", "note": "Done well"}),
    ("GET", "/admin/assign"): Entry(Access.ADMIN),
    ("POST", "/admin/assign"): Entry(Access.ADMIN, body=lambda ctx: {"patient_ids": str(ctx.patient_b.id),
                                                                     "clinician_id": str(ctx.clinician.id)}),
    ("POST", "/clinician/patients/{patient_id}/episode"): Entry(
        C, make=patient_a, scoped=True, body=lambda ctx: {"status": "active", "reason": "", "note": "Started"}),
}
