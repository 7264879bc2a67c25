"""Messages: the patient's own conversation; on the clinician's side only the patient's
assigned clinicians (anyone else 404, like a missing patient)."""

from tests.security.access import Access, Ctx, Entry


def patient_a(ctx: Ctx) -> dict[str, str]:
    return {"patient_id": str(ctx.patient_a.id)}


BODY = {"body": "Hello from the matrix"}

ENTRIES = {
    ("GET", "/api/v1/messages"): Entry(Access.PATIENT),
    ("POST", "/api/v1/messages"): Entry(Access.PATIENT, body=lambda ctx: BODY),
    ("GET", "/messages"): Entry(Access.PATIENT),
    ("POST", "/messages"): Entry(Access.PATIENT, body=lambda ctx: BODY),
    ("GET", "/api/v1/clinician/patients/{patient_id}/messages"): Entry(Access.CLINICIAN, make=patient_a, scoped=True),
    ("POST", "/api/v1/clinician/patients/{patient_id}/messages"): Entry(Access.CLINICIAN, make=patient_a, scoped=True,
                                                                         body=lambda ctx: BODY),
    ("GET", "/clinician/patients/{patient_id}/messages"): Entry(Access.CLINICIAN, make=patient_a, scoped=True),
    ("POST", "/clinician/patients/{patient_id}/messages"): Entry(Access.CLINICIAN, make=patient_a, scoped=True,
                                                                 body=lambda ctx: BODY),
}
