"""The one Jinja2Templates object, its filters and globals."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import HTMLResponse, RedirectResponse

from app.config import ROOT, get_settings
from app.security import csrf

templates = Jinja2Templates(directory=str(ROOT / "templates"))
env = templates.env
env.globals["csrf_field_name"] = csrf.FIELD


def _csrf_token(request: Request) -> str:
    return csrf.token_for(request)


def _date(value: datetime | None, fmt: str = "%-d %B %Y") -> str:
    return value.strftime(fmt) if value else ""


def _datetime(value: datetime | None) -> str:
    return value.strftime("%-d %b %Y, %H:%M UTC") if value else ""


env.globals["csrf_token"] = _csrf_token
env.filters["date"] = _date
env.filters["datetime"] = _datetime
env.globals["self_registration"] = lambda: get_settings().self_registration


def render(request: Request, template: str, context: dict[str, Any] | None = None,
           status_code: int = 200) -> HTMLResponse:
    """Render a page. All database work is done by the route before this call."""
    ctx = {"user": getattr(request.state, "user", None), **(context or {})}
    return templates.TemplateResponse(request, template, ctx, status_code=status_code)


def redirect(url: str, status_code: int = 303) -> RedirectResponse:
    return RedirectResponse(url, status_code=status_code)


def flash_url(url: str, message: str) -> str:
    """Append a short, fixed notice key to a redirect (no user text in URLs)."""
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}notice={message}"
