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


def _emergency_phones() -> list:  # type: ignore[type-arg]
    """The emergency tier's phone lines, for every error page (issue 12)."""
    try:
        return [r for r in service.pathway("emergency").resources if r.phone]
    except Exception:  # an error page must render even if the file could not be read
        return []


from app.web import env as _env  # noqa: E402

_env.globals["emergency_phones"] = _emergency_phones
