"""Pages: "My patients" (/clinician) and one patient's record (/clinician/patients/{id})."""

from __future__ import annotations

import math
import uuid

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app import clock
from app.accounts.dependencies import PageClinician
from app.alerts import service as alerts
from app.alerts.pages import age_words, until_words
from app.clinician import service
from app.db import SessionDep
from app.web import render

router = APIRouter(include_in_schema=False)


@router.get("/clinician")
def dashboard(request: Request, session: SessionDep, clinician: PageClinician, page: int = 1) -> Response:
    page = max(1, min(page, 100000))
    rows, total = service.my_patients(session, clinician, page=page)
    now = clock.now()
    return render(request, "clinician/dashboard.html", {
        "rows": rows, "total": total, "page": page, "pages": max(1, math.ceil(total / service.PAGE_SIZE)),
        "counts": alerts.open_count_for_clinician(session, clinician.id),
        "age": lambda at: age_words(at, now), "page_title": "My patients"})


@router.get("/clinician/patients/{patient_id}")
def patient_page(request: Request, session: SessionDep, clinician: PageClinician, patient_id: uuid.UUID) -> Response:
    rec = service.patient_record(session, clinician, patient_id, with_charts=True)
    now = clock.now()
    return render(request, "clinician/patient.html", {
        "rec": rec, "age": lambda at: age_words(at, now), "until": lambda at: until_words(at, now),
        "band_labels": service.BAND_LABELS, "sections": _plan_sections(),
        "page_title": rec.name or rec.email})


def _plan_sections():  # type: ignore[no-untyped-def]
    from app.safety import service as safety
    return safety.SECTIONS
