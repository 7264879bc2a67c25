"""Check-ins and the progress page: a patient's own only (another patient gets the same 404 as
a missing id)."""

from tests.security.access import Access, Ctx, Entry

PHQ9 = [1, 2, 1, 0, 1, 1, 0, 0, 0]
PHQ9_FORM = {**{f"q{i}": str(a) for i, a in enumerate(PHQ9, start=1)}, "difficulty": "1"}


def instrument(ctx: Ctx) -> dict[str, str]:
    return {"instrument": "phq9"}


def checkin_of_a(ctx: Ctx) -> dict[str, str]:
    """A PHQ-9 of patient A with item 9 missing (so the item 9 routes have something to do)."""
    from app.assessments import service
    res = service.submit(ctx.session, ctx.patient_a.user, "phq9", [1, 1, 1, 1, 1, 1, 1, 1, None])
    ctx.session.commit()
    return {"assessment_id": str(res.assessment.id)}


ENTRIES = {
    ("POST", "/api/v1/assessments"): Entry(Access.PATIENT, body=lambda ctx: {"instrument": "phq9", "answers": PHQ9,
                                                                             "difficulty": 1}),
    ("GET", "/api/v1/assessments"): Entry(Access.PATIENT),
    ("GET", "/api/v1/assessments/due"): Entry(Access.PATIENT),
    ("GET", "/api/v1/assessments/{assessment_id}"): Entry(Access.PATIENT, make=checkin_of_a, scoped=True),
    ("POST", "/api/v1/assessments/{assessment_id}/item9"): Entry(Access.PATIENT, make=checkin_of_a, scoped=True,
                                                                 body=lambda ctx: {"item9": 0}),
    ("GET", "/checkins"): Entry(Access.PATIENT),
    ("GET", "/checkins/history"): Entry(Access.PATIENT),
    ("GET", "/checkins/weekly"): Entry(Access.PATIENT),
    # without ?ids= there is nothing to show: 404 for everyone allowed in; scoping of the ids
    # is tested in tests/assessments/test_weekly_flow.py (someone else's ids are 404)
    ("GET", "/checkins/weekly/result"): Entry(Access.PATIENT, ok=(404,)),
    ("GET", "/checkins/{instrument}"): Entry(Access.PATIENT, make=instrument),
    ("POST", "/checkins/{instrument}"): Entry(Access.PATIENT, make=instrument, body=lambda ctx: PHQ9_FORM),
    ("GET", "/checkins/results/{assessment_id}"): Entry(Access.PATIENT, make=checkin_of_a, scoped=True),
    ("POST", "/checkins/results/{assessment_id}/item9"): Entry(Access.PATIENT, make=checkin_of_a, scoped=True,
                                                               body=lambda ctx: {"item9": "0"}),
    ("POST", "/checkins/not-safe"): Entry(Access.PATIENT),
    ("GET", "/progress"): Entry(Access.PATIENT),
}
