"""`/`: a welcome for visitors; each role's starting point once signed in."""

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.accounts.dependencies import PageUserOptional
from app.accounts.models import Role
from app.db import SessionDep
from app.web import redirect, render

router = APIRouter(include_in_schema=False)


@router.get("/")
def home(request: Request, session: SessionDep, user: PageUserOptional) -> Response:
    if user is None:
        return render(request, "public/welcome.html")
    if user.role == Role.clinician:
        return redirect("/clinician")
    if user.role == Role.admin:
        return redirect("/admin")
    from app.contact.first_signin import next_step  # an invited patient's first questions (issue 12)
    step = next_step(session, user)
    if step:
        return redirect(step)
    from app.home import dashboard  # composed from the other domains' services
    from app.contact import service as contact
    ctx = dashboard.patient_home(session, user)
    ctx["needs_phone"] = not contact.has_phone(session, user.id)   # asked at first sign-in (issue 12)
    return render(request, "patient/home.html", ctx)
