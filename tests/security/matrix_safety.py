"""Route x role matrix: the safety plan and "I am not safe right now". The patient's routes are
theirs only (each patient has one plan, their own, so there is nothing of another patient's to
ask for); the care team's routes are the patient's assigned clinicians' (404 for anyone else)."""

from __future__ import annotations

from tests.security.access import Access, Ctx, Entry


def plan(ctx: Ctx) -> dict[str, str]:
    return {"coping": "Walk the dog", "warning_signs": "Not sleeping"}


def plan_of(session, person) -> int:  # type: ignore[no-untyped-def]
    """Give the person a saved plan (version 1); its version."""
    from app.safety import service
    v = service.save(session, person.user, {"coping": "Walk the dog"}).version
    session.commit()
    return v


def versions(ctx: Ctx) -> dict[str, str]:
    """Version 1 of A's plan and of B's (each asks for their own)."""
    plan_of(ctx.session, ctx.patient_a)
    plan_of(ctx.session, ctx.patient_b)
    return {"number": "1"}


def patient_a(ctx: Ctx) -> dict[str, str]:
    return {"patient_id": str(ctx.patient_a.id)}


def version_of_a(ctx: Ctx) -> dict[str, str]:
    plan_of(ctx.session, ctx.patient_a)
    return {"patient_id": str(ctx.patient_a.id), "number": "1"}


def plan_form(ctx: Ctx) -> dict[str, str]:
    """The page's form: the sections and the version they were written from (no plan yet: 0)."""
    return {**plan(ctx), "version": "0"}


def clinician_plan(ctx: Ctx) -> dict[str, object]:
    return {**plan(ctx), "version": 0}


def source(ctx: Ctx) -> dict[str, str]:
    return {"source": "checkin"}


ENTRIES: dict[tuple[str, str], Entry] = {
    ("GET", "/safety-plan"): Entry(Access.PATIENT),
    ("GET", "/safety-plan/edit"): Entry(Access.PATIENT),
    ("POST", "/safety-plan"): Entry(Access.PATIENT, body=plan_form),
    ("GET", "/safety-plan/versions/{number}"): Entry(Access.PATIENT, make=versions),
    ("GET", "/not-safe"): Entry(Access.PATIENT),
    ("POST", "/not-safe"): Entry(Access.PATIENT, body=source),
    ("GET", "/api/v1/safety-plan"): Entry(Access.PATIENT),
    ("PUT", "/api/v1/safety-plan"): Entry(Access.PATIENT, body=plan),
    ("POST", "/api/v1/not-safe"): Entry(Access.PATIENT, body=source),
    ("GET", "/api/v1/safety-plan/versions/{number}"): Entry(Access.PATIENT, make=versions),
    # the plan written with the care team
    ("GET", "/clinician/patients/{patient_id}/safety-plan"): Entry(Access.CLINICIAN, make=patient_a, scoped=True),
    ("POST", "/clinician/patients/{patient_id}/safety-plan"): Entry(Access.CLINICIAN, make=patient_a, scoped=True,
                                                                  body=plan_form),
    ("GET", "/clinician/patients/{patient_id}/safety-plan/versions/{number}"): Entry(
        Access.CLINICIAN, make=version_of_a, scoped=True),
    ("GET", "/api/v1/clinician/patients/{patient_id}/safety-plan"): Entry(Access.CLINICIAN, make=patient_a,
                                                                        scoped=True),
    ("PUT", "/api/v1/clinician/patients/{patient_id}/safety-plan"): Entry(Access.CLINICIAN, make=patient_a,
                                                                        scoped=True, body=clinician_plan),
    ("GET", "/api/v1/clinician/patients/{patient_id}/safety-plan/versions/{number}"): Entry(
        Access.CLINICIAN, make=version_of_a, scoped=True),
}
