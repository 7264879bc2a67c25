"""Pages: an assigned clinician edits the patient's safety plan with them
(/clinician/patients/{id}/safety-plan), and reads earlier versions. 404 for anyone else;
every read and save audited (app.safety.care_team)."""

from __future__ import annotations

import uuid

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from app.accounts import service as accounts
from app.accounts.dependencies import PageClinician
from app.accounts.models import User
from app.db import SessionDep
from app.errors import InvalidInput, NotFound
from app.safety import care_team, service
from app.safety.pages import Short, Text, form_version, router  # these routes are the pages router's
from app.web import redirect, render
from app.i18n import N_, _t  # noqa: F401 - interface text (app.i18n)

NOTICES = {"saved": N_("The safety plan is saved. The patient sees it, and that you changed it, on their plan.")}


def _page(request: Request, session: Session, clinician: User, patient_id: uuid.UUID, *,
          values: dict[str, str] | None = None, version: int | None = None, errors: dict[str, str] | None = None,
          conflict: service.PlanConflict | None = None, notice: str | None = None,
          status_code: int = 200) -> Response:
    p = care_team.read(session, clinician, patient_id)
    name = accounts.display_name_of(session, p.patient) or accounts.email_of(session, p.patient)
    return render(request, "clinician/safety_plan.html", {
        "patient_id": p.patient.id, "name": name, "plan": p.plan, "timeline": p.timeline,
        "values": values if values is not None else p.plan.sections,
        "version": p.plan.version if version is None else version, "sections": service.SECTIONS,
        "errors": errors or {}, "conflict": conflict, "yours": conflict.yours if conflict else {},
        "max": service.SECTION_MAX, "notice": NOTICES.get(notice or ""),
        "page_title": _t('Safety plan: %(name)s', name=name)}, status_code=status_code)


@router.get("/clinician/patients/{patient_id}/safety-plan")
def plan_page(request: Request, session: SessionDep, clinician: PageClinician, patient_id: uuid.UUID,
              notice: str | None = None) -> Response:
    return _page(request, session, clinician, patient_id, notice=notice)


@router.post("/clinician/patients/{patient_id}/safety-plan")
def save_plan(request: Request, session: SessionDep, clinician: PageClinician, patient_id: uuid.UUID,
              warning_signs: Text = "", coping: Text = "", social: Text = "", contacts: Text = "",
              professionals: Text = "", environment: Text = "", reasons: Text = "",
              version: Short = "") -> Response:
    data: dict[str, object] = {"warning_signs": warning_signs, "coping": coping, "social": social,
                               "contacts": contacts, "professionals": professionals,
                               "environment": environment, "reasons": reasons}
    assert set(data) == set(service.SECTION_KEYS)
    started_from = form_version(version)
    try:
        care_team.save(session, clinician, patient_id, data, started_from)
    except InvalidInput as e:
        return _page(request, session, clinician, patient_id, values={k: str(v) for k, v in data.items()},
                     version=started_from, errors={e.field or "form": e.detail}, status_code=422)
    except service.PlanConflict as e:
        return _page(request, session, clinician, patient_id, values=e.current.sections,
                     version=e.current.version, conflict=e, status_code=409)
    return redirect(f"/clinician/patients/{patient_id}/safety-plan?notice=saved")


@router.get("/clinician/patients/{patient_id}/safety-plan/versions/{number}")
def version_page(request: Request, session: SessionDep, clinician: PageClinician, patient_id: uuid.UUID,
                 number: int) -> Response:
    if not 0 < number < 10_000_000:
        raise NotFound()
    change = care_team.version(session, clinician, patient_id, number)
    return render(request, "patient/safety_plan_version.html", {
        "change": change, "sections": service.SECTIONS, "back_href": f"/clinician/patients/{patient_id}/safety-plan",
        "clinician_view": True, "page_title": _t('Safety plan, version %(number)s', number=change.number)})
