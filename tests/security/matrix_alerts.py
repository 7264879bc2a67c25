"""Route x role matrix: clinician alerts (pages and JSON). Only clinicians; another
clinician's patient's alert is 404 like a missing one (an urgent alert, not under on-call cover)."""

from __future__ import annotations

from tests.security.access import Access, Ctx, Entry


def make_alert(ctx: Ctx) -> dict[str, str]:
    from app.alerts import service as alerts
    from app.monitoring import service as monitoring
    from app.monitoring.rules import Flag, Tier

    monitoring.lock_patient(ctx.session, ctx.patient_a.id)
    alert = alerts.raise_alert(ctx.session, ctx.patient_a.id, Flag("item9_high", Tier.URGENT, 2, "item9=2"))
    ctx.session.commit()
    return {"alert_id": str(alert.id)}


def note(ctx: Ctx) -> dict[str, str]:
    return {"note": "Phoned the patient"}


ENTRIES: dict[tuple[str, str], Entry] = {
    ("GET", "/clinician/alerts"): Entry(Access.CLINICIAN),
    ("GET", "/clinician/alerts/{alert_id}"): Entry(Access.CLINICIAN, make=make_alert, scoped=True),
    ("POST", "/clinician/alerts/{alert_id}/acknowledge"): Entry(Access.CLINICIAN, make=make_alert, body=note, scoped=True),
    ("POST", "/clinician/alerts/{alert_id}/resolve"): Entry(Access.CLINICIAN, make=make_alert, body=note, scoped=True),
    ("GET", "/api/v1/clinician/alerts"): Entry(Access.CLINICIAN),
    ("GET", "/api/v1/clinician/alerts/{alert_id}"): Entry(Access.CLINICIAN, make=make_alert, scoped=True),
    ("POST", "/api/v1/clinician/alerts/{alert_id}/acknowledge"): Entry(Access.CLINICIAN, make=make_alert, body=note,
                                                                       scoped=True, ok=(200, 409)),
    ("POST", "/api/v1/clinician/alerts/{alert_id}/resolve"): Entry(Access.CLINICIAN, make=make_alert, body=note,
                                                                   scoped=True),
}
