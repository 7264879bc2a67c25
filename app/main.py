"""create_app(): routers, static files, error handlers, security headers, background worker."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import import_module

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy import text
from starlette.exceptions import HTTPException as StarletteHTTPException

from app import startup, trip, web
from app.config import ROOT, Env, get_settings
from app.db import get_db
from app.errors import AppError, NotAuthenticated
from app.i18n import N_
from app.i18n_middleware import LocaleMiddleware
from app.security import csrf
from app.security.headers import SecurityHeaders
from app.web import redirect, render

log = logging.getLogger("icbt")

# Each domain contributes `api.router` (JSON, under /api/v1) and/or `pages.router` (HTML).
DOMAINS = ["accounts", "home", "escalation", "diary", "assessments", "programme", "homework",
           "privacy", "outcomes",
           "monitoring", "alerts", "safety", "clinician", "admin", "contact", "messages", "guided",
           "reminders"]


def _include_domains(app: FastAPI) -> None:
    """Every domain router, its routes built by app/trip.py: one trip to the thread pool per
    request (the caller's lookup, on pages the CSRF check and unread count, the route, the
    commit)."""
    for name in DOMAINS:
        for kind in ("api", "pages"):
            try:
                mod = import_module(f"app.{name}.{kind}")
            except ModuleNotFoundError as e:
                if e.name in (f"app.{name}", f"app.{name}.{kind}"):
                    continue
                raise
            trip.include(app, mod.router, pages=kind == "pages", prefix="/api/v1" if kind == "api" else "")


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path in ("/healthz", "/openapi.json")


async def _audit_refusal(request: Request, exc: Exception) -> None:
    """Security item 32: a clinician (or admin) refused a record with 404 is audited."""
    from app.errors import NotFound
    user = getattr(request.state, "user", None)
    if not isinstance(exc, NotFound) or user is None:
        return
    import uuid

    from sqlalchemy import inspect as sa_inspect
    from starlette.concurrency import run_in_threadpool

    from app.audit import service as audit
    state = sa_inspect(user, raiseerr=False)  # the request's session may have expired it
    user_id = state.identity[0] if state is not None and state.identity else getattr(user, "id", None)
    raw = request.path_params.get("patient_id")
    try:
        patient_id = uuid.UUID(str(raw)) if raw is not None else None
    except ValueError:
        patient_id = None
    try:
        await run_in_threadpool(audit.record_refusal, user_id, request.method, request.url.path, patient_id)
    except Exception:  # noqa: BLE001 - never turn a 404 into a 500; the log says why
        log.exception("could not audit a refused request to %s", request.url.path)


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(AppError)
    async def app_error(request: Request, exc: AppError):  # type: ignore[no-untyped-def]
        await _audit_refusal(request, exc)
        if _wants_json(request):
            return JSONResponse(exc.body(), status_code=exc.status_code, headers=exc.headers)
        from app.safety import expired
        if expired.applies(request, exc):   # "I am not safe" never fails silently (issue 12)
            return await expired.handle(request, exc)
        if isinstance(exc, NotAuthenticated):
            nxt = request.url.path if request.method == "GET" else "/"
            return redirect(f"/login?next={nxt}")
        return render(request, "errors/error.html",
                      {"status": exc.status_code, "title": exc.title, "detail": exc.detail},
                      status_code=exc.status_code)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):  # type: ignore[no-untyped-def]
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        detail = N_("We could not find that page.") if exc.status_code == 404 else str(exc.detail)
        if _wants_json(request):
            return JSONResponse({"error": code, "detail": detail}, status_code=exc.status_code,
                                headers=getattr(exc, "headers", None))
        return render(request, "errors/error.html",
                      {"status": exc.status_code, "title": detail, "detail": ""},
                      status_code=exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError):  # type: ignore[no-untyped-def]
        errors = [{k: v for k, v in e.items() if k in ("loc", "msg", "type")} for e in exc.errors()]
        if _wants_json(request):
            return JSONResponse({"error": "validation_error", "detail": errors}, status_code=422)
        return render(request, "errors/error.html",
                      {"status": 422, "title": N_("Some of the answers need another look."),
                       "detail": "; ".join(f"{'.'.join(str(p) for p in e['loc'][1:])}: {e['msg']}" for e in errors)},
                      status_code=422)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception):  # type: ignore[no-untyped-def]
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        if _wants_json(request):
            return JSONResponse({"error": "internal_error", "detail": "Something went wrong on our side."},
                                status_code=500)
        return render(request, "errors/error.html",
                      {"status": 500, "title": N_("Something went wrong on our side."),
                       "detail": N_("Please try again. If you need help now, use the Get help now link.")},
                      status_code=500)


def _install_docs(app: FastAPI) -> None:
    """The OpenAPI page at /docs: Swagger UI 5 from local files (the swagger-ui-py package; no
    CDN), with the Authorize button wired to the OAuth2 password flow at /api/v1/auth/token."""
    from importlib.util import find_spec
    from pathlib import Path

    from fastapi.openapi.docs import get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
    from fastapi.responses import HTMLResponse

    from app.security.headers import csp_allowing_inline_scripts

    spec = find_spec("swagger_ui")  # located, not imported (its __init__ wires other frameworks)
    assert spec is not None and spec.submodule_search_locations, "pip install swagger-ui-py"
    swagger_static = Path(list(spec.submodule_search_locations)[0]) / "static"
    app.mount("/static/swagger", StaticFiles(directory=str(swagger_static)), name="swagger")
    page = get_swagger_ui_html(
        openapi_url=app.openapi_url or "/openapi.json", title=f"{app.title} API",
        swagger_js_url="/static/swagger/swagger-ui-bundle.js",
        swagger_css_url="/static/swagger/swagger-ui.css",
        swagger_favicon_url="/static/swagger/favicon-32x32.png",
        oauth2_redirect_url="/docs/oauth2-redirect",
        init_oauth={"clientId": "icbt-docs", "appName": "iCBT API docs"},
        swagger_ui_parameters={"persistAuthorization": True},
    ).body.decode()
    redirect_page = get_swagger_ui_oauth2_redirect_html().body.decode()

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return HTMLResponse(page, headers={"Content-Security-Policy": csp_allowing_inline_scripts(page)})

    @app.get("/docs/oauth2-redirect", include_in_schema=False)
    def docs_oauth2_redirect() -> HTMLResponse:
        return HTMLResponse(redirect_page,
                            headers={"Content-Security-Policy": csp_allowing_inline_scripts(redirect_page)})


def create_app(*, run_worker: bool | None = None) -> FastAPI:
    settings = get_settings()
    startup.check(settings)  # raises ConfigError with one line saying what to fix
    from app.security import passwords
    passwords.configure()  # size the hashing gate from settings; pre-compute the dummy hash

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        import anyio.to_thread

        from app.db import REQUEST_THREADS
        # As many request threads as pooled connections (app/db.py): none waits for one.
        anyio.to_thread.current_default_thread_limiter().total_tokens = REQUEST_THREADS
        worker = None
        if run_worker if run_worker is not None else settings.run_worker:
            try:
                from app.alerts.worker import start_background_worker
            except ModuleNotFoundError:
                start_background_worker = None
            if start_background_worker is not None:
                worker = start_background_worker(settings)
        if settings.env != Env.test:
            # What start-up made (modules, routes, mappers, catalogues: ~175,000 objects) lives as
            # long as the process: keep it out of the garbage collector's full passes, which
            # otherwise walk it all and stall a request for ~65 ms every few hundred requests
            # (bench: the clinicians' pages' p95/p99). Not in tests, which start many apps in one
            # process and would keep each one's leftovers.
            gc.collect()
            gc.freeze()
        yield
        if worker is not None:
            await worker.stop()

    app = FastAPI(title="iCBT", version="0.1.0", lifespan=lifespan, docs_url=None, redoc_url=None,
                  description="Internet-delivered CBT self-help programme. JSON API under /api/v1; "
                              "sign in with the Authorize button (OAuth2 password flow).")
    _install_error_handlers(app)
    # Templates are read once; only development looks for edited files on every render.
    web.env.auto_reload = settings.env.value == "development"
    from app.security.body_limit import BodyLimit
    from app.security.text import TextGuard
    app.add_middleware(TextGuard)  # inside BodyLimit: reads only bodies within the limit
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)  # innermost of the three: headers still apply
    app.add_middleware(SecurityHeaders, https=settings.base_url.startswith("https://"))
    app.add_middleware(csrf.AnonCookieMiddleware, secure=settings.env.value != "development")
    app.add_middleware(LocaleMiddleware, secure=settings.env.value != "development")
    _install_docs(app)  # before /static: it mounts /static/swagger
    app.mount("/static", StaticFiles(directory=str(ROOT / "static")), name="static")

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> FileResponse:  # browsers ask for it on every page, whatever the <link> says
        return FileResponse(ROOT / "static" / "favicon.ico", media_type="image/x-icon",
                            headers={"Cache-Control": "public, max-age=86400"})

    @app.get("/healthz", tags=["ops"])
    def healthz() -> dict[str, str]:
        with get_db().engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return {"status": "ok"}

    _include_domains(app)
    return app
