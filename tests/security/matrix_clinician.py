"""Route x role matrix: the clinician dashboard. Only clinicians; an unassigned patient is
404 like a missing one."""

from __future__ import annotations

from tests.security.access import Access, Ctx, Entry


def patient_a(ctx: Ctx) -> dict[str, str]:
    return {"patient_id": str(ctx.patient_a.id)}


ENTRIES: dict[tuple[str, str], Entry] = {
    ("GET", "/clinician"): Entry(Access.CLINICIAN),
    ("GET", "/clinician/patients/{patient_id}"): Entry(Access.CLINICIAN, make=patient_a, scoped=True),
    ("GET", "/api/v1/clinician/patients"): Entry(Access.CLINICIAN),
    ("GET", "/api/v1/clinician/patients/{patient_id}"): Entry(Access.CLINICIAN, make=patient_a, scoped=True),
}
