"""Forms on the patient's record for shaping their programme (app/guided/shaping.py): hold a
module with a private reason and an optional message for the patient, lift a hold, set the
release interval or put it back to the default. Bad input shows the record again (422)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from app.accounts.dependencies import PageClinician
from app.db import SessionDep
from app.errors import Conflict, InvalidInput
from app.guided import shaping
from app.i18n import _t

router = APIRouter(include_in_schema=False)
Text = Annotated[str, Form(max_length=50_000)]
Short = Annotated[str, Form(max_length=64)]

_FIELDS = {"reason": "hold_reason", "message": "hold_message", "module": "hold_module", "days": "interval_days"}


def _back(patient_id: uuid.UUID, notice: str) -> Response:
    from app.guided.pages import _back as back
    return back(patient_id, notice, "#shaping")


def _again(request: Request, session: SessionDep, clinician: PageClinician, patient_id: uuid.UUID,
           e: InvalidInput | Conflict, default: str, form: dict[str, str]) -> Response:
    from app.guided.pages import _record_with_error
    field = _FIELDS.get(getattr(e, "field", None) or "", default)
    return _record_with_error(request, session, clinician, patient_id, {field: e.detail}, form)


@router.post("/clinician/patients/{patient_id}/holds")
def hold(request: Request, session: SessionDep, clinician: PageClinician, patient_id: uuid.UUID,
         module: Short = "", reason: Text = "", message: Text = "") -> Response:
    try:
        if not module:
            raise InvalidInput(_t("Choose the module to hold."), field="module")
        shaping.hold(session, clinician, patient_id, module, reason, message)
    except (InvalidInput, Conflict) as e:
        return _again(request, session, clinician, patient_id, e, "hold_module",
                      {"hold_module": module, "hold_reason": reason, "hold_message": message})
    return _back(patient_id, "held")


@router.post("/clinician/patients/{patient_id}/holds/{slug}/lift")
def lift(request: Request, session: SessionDep, clinician: PageClinician, patient_id: uuid.UUID,
         slug: str) -> Response:
    shaping.lift(session, clinician, patient_id, slug, missing_ok=True)   # sent twice: already lifted
    return _back(patient_id, "lifted")


@router.post("/clinician/patients/{patient_id}/interval")
def interval(request: Request, session: SessionDep, clinician: PageClinician, patient_id: uuid.UUID,
             days: Short = "", reset: Short = "") -> Response:
    try:
        if reset:
            shaping.set_interval(session, clinician, patient_id, None)
        else:
            text = days.strip()
            shaping.set_interval(session, clinician, patient_id, int(text) if text.isdigit() and len(text) < 4 else text)
    except (InvalidInput, Conflict) as e:
        return _again(request, session, clinician, patient_id, e, "interval_days", {"interval_days": days})
    return _back(patient_id, "interval")
