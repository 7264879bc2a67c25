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
    from app.home import dashboard  # composed from the other domains' services
    return render(request, "patient/home.html", dashboard.patient_home(session, user))
