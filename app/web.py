"""The one Jinja2Templates object, its filters and globals."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from starlette.responses import HTMLResponse, RedirectResponse

from app import i18n
from app.config import ROOT, get_settings
from app.security import csrf

templates = Jinja2Templates(directory=str(ROOT / "templates"))
env = templates.env
env.add_extension("jinja2.ext.i18n")
env.globals["csrf_field_name"] = csrf.FIELD
# {% trans %} and _() in templates: the request's language (app.i18n); newstyle, so that
# _("%(n)s days", n=3) formats and escapes its variables.
env.install_gettext_callables(i18n.gettext, i18n.template_ngettext, newstyle=True)  # type: ignore[attr-defined]
env.policies["ext.i18n.trimmed"] = True


def _csrf_token(request: Request) -> str:
    return csrf.token_for(request)


def _zone(ctx: Any) -> Any:
    """The viewer's time zone (request.state.time_zone, set when a patient's page loads)."""
    request = ctx.get("request")
    return getattr(getattr(request, "state", None), "time_zone", None)


@pass_context
def _date(ctx: Any, value: datetime | None, fmt: str = "%-d %B %Y") -> str:
    if not value:
        return ""
    tz = _zone(ctx)
    local = tz is not None and isinstance(value, datetime) and value.tzinfo is not None
    return i18n.format_when(value.astimezone(tz) if local else value, fmt)


@pass_context
def _datetime(ctx: Any, value: datetime | None) -> str:
    if not value:
        return ""
    tz = _zone(ctx)
    if tz is None or value.tzinfo is None:
        return i18n.format_when(value, "%-d %b %Y, %H:%M") + " UTC"
    local = value.astimezone(tz)
    return f"{i18n.format_when(local, '%-d %b %Y, %H:%M')} {local.tzname()}"


env.globals["csrf_token"] = _csrf_token
env.filters["date"] = _date
env.filters["datetime"] = _datetime
env.globals["self_registration"] = lambda: get_settings().self_registration
env.filters["number"] = lambda n: i18n.format_number(n)
env.globals["language_names"] = i18n.names


def _instrument_language(instrument: str) -> str:
    from app.assessments.languages import asked_in
    return asked_in(instrument)


env.globals["instrument_language"] = _instrument_language


_TRANSLATED_KEYS = ("notice", "page_title", "title", "detail")


def locale_of(request: Request) -> str:
    """The page's language: set by app.i18n_middleware, refined by the account's choice."""
    return getattr(request.state, "locale", None) or i18n.default_locale()


def render(request: Request, template: str, context: dict[str, Any] | None = None,
           status_code: int = 200) -> HTMLResponse:
    """Render a page. All database work is done by the route before this call."""
    code = locale_of(request)
    i18n.set_current(code)   # the template's gettext reads it (the route may run in another thread)
    ctx = dict(context or {})
    for key in _TRANSLATED_KEYS:   # fixed notices and titles set in Python (marked there with N_)
        if isinstance(ctx.get(key), str):
            ctx[key] = i18n.gettext(ctx[key])
    ctx = {"user": getattr(request.state, "user", None), "locale": code,
           "html_lang": i18n.html_lang(code), "text_dir": i18n.direction(code), **ctx}
    return templates.TemplateResponse(request, template, ctx, status_code=status_code)


def redirect(url: str, status_code: int = 303) -> RedirectResponse:
    return RedirectResponse(url, status_code=status_code)


def flash_url(url: str, message: str) -> str:
    """Append a short, fixed notice key to a redirect (no user text in URLs)."""
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}notice={message}"
