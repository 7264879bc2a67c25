"""Admin pages: service outcomes (chart and table), its CSV, and a caseload's scores as CSV
in the `icbt import-scores` format."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.accounts import service as accounts
from app.accounts.dependencies import PageAdmin
from app.accounts.models import Role
from app.db import SessionDep
from app.errors import NotFound
from app.outcomes import service
from app.outcomes.chart import rates_chart
from app.web import render
from app.i18n import N_, _t  # noqa: F401 - interface text (app.i18n)

router = APIRouter(include_in_schema=False)


def _csv(text: str, filename: str) -> Response:
    return Response(text, media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"})


@router.get("/admin/outcomes")
def outcomes(request: Request, session: SessionDep, admin: PageAdmin) -> Response:
    rates = service.report(session, admin)
    clinicians = [(u.id, accounts.display_name_of(session, u) or accounts.email_of(session, u))
                  for u in service.clinicians(session)]
    return render(request, "outcomes/outcomes.html", {
        "page_title": _t('Service outcomes'), "rates": rates, "chart": rates_chart(rates.by_month),
        "clinicians": clinicians})


@router.get("/admin/outcomes.csv")
def outcomes_csv(session: SessionDep, admin: PageAdmin) -> Response:
    return _csv(service.rates_csv(service.report(session, admin)), "outcomes.csv")


@router.get("/admin/scores.csv")
def scores_csv(session: SessionDep, admin: PageAdmin, clinician: uuid.UUID | None = None) -> Response:
    """Every check-in of one clinician's caseload (or of every patient), ready for `icbt import-scores`."""
    if clinician is not None:
        who = accounts.get_user(session, clinician)
        if who is None or who.role != Role.clinician:
            raise NotFound()
    return _csv(service.scores_csv(session, admin, clinician_id=clinician), "scores.csv")
