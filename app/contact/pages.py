"""Pages: the patient's contact details (/account/contact), linked from the account page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from app.accounts.dependencies import PagePatient
from app.contact import service
from app.db import SessionDep
from app.web import redirect, render

router = APIRouter(include_in_schema=False)

FIELDS = ("phone", "gp_name", "gp_phone", "ec_name", "ec_relationship", "ec_phone", "call_times")
Short = Annotated[str, Form(max_length=400)]


def _values(c) -> dict[str, str]:  # type: ignore[no-untyped-def]
    if c is None:
        return {k: "" for k in FIELDS}
    return {"phone": c.phone or "", "gp_name": c.gp.name if c.gp else "", "gp_phone": c.gp.phone if c.gp else "",
            "ec_name": c.emergency_contact.name if c.emergency_contact else "",
            "ec_relationship": c.emergency_contact.relationship if c.emergency_contact else "",
            "ec_phone": c.emergency_contact.phone if c.emergency_contact else "", "call_times": c.call_times or ""}


@router.get("/account/contact")
def contact_form(request: Request, session: SessionDep, patient: PagePatient, first: int = 0) -> Response:
    return render(request, "patient/contact_form.html", {
        "values": _values(service.get(session, patient.id)), "errors": {}, "first": bool(first),
        "page_title": _t('How we can reach you')})


@router.post("/account/contact")
def save_contact(request: Request, session: SessionDep, patient: PagePatient, phone: Short = "",
                 gp_name: Short = "", gp_phone: Short = "", ec_name: Short = "", ec_relationship: Short = "",
                 ec_phone: Short = "", call_times: Short = "") -> Response:
    form = {"phone": phone, "gp_name": gp_name, "gp_phone": gp_phone, "ec_name": ec_name,
            "ec_relationship": ec_relationship, "ec_phone": ec_phone, "call_times": call_times}
    try:
        service.save(session, patient.id, service.from_form(form))
    except service.ContactInvalid as e:
        return render(request, "patient/contact_form.html", {
            "values": form, "errors": e.errors, "first": False, "page_title": _t('How we can reach you')},
            status_code=422)
    return redirect("/account?notice=contact-saved")


from app.contact.first_signin import router as _first_signin  # noqa: E402  (issue 12)
from app.i18n import N_, _t  # noqa: F401 - interface text (app.i18n)

router.include_router(_first_signin)
