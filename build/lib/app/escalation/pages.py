from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.accounts.dependencies import PageUserOptional
from app.escalation import service
from app.web import render

router = APIRouter(include_in_schema=False)


@router.get("/help")
def help_page(request: Request, user: PageUserOptional) -> Response:
    """Public: no sign-in, no JavaScript."""
    return render(request, "public/help.html", {"help": service.help_out()})
