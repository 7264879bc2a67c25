"""security.md item 13: security headers on every HTML page (enumerated from the app), on
errors and on JSON; no-store on pages; HSTS only over HTTPS; /docs without 'unsafe-inline'."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from app.accounts.models import Role
from app.config import get_settings
from tests.factories import browser_login, make_user
from tests.security.routes import app_routes, is_api

DIRECTIVES = ("object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'")


def header_problems(resp, where: str) -> list[str]:  # type: ignore[no-untyped-def]
    h = resp.headers
    out = []
    csp = h.get("content-security-policy", "")
    for d in DIRECTIVES:
        if d not in csp:
            out.append(f"{where}: CSP lacks {d}")
    if "unsafe-inline" in csp or "unsafe-eval" in csp:
        out.append(f"{where}: CSP allows inline script or eval")
    if h.get("x-content-type-options") != "nosniff":
        out.append(f"{where}: no X-Content-Type-Options: nosniff")
    if not h.get("referrer-policy"):
        out.append(f"{where}: no Referrer-Policy")
    if "no-store" not in h.get("cache-control", ""):
        out.append(f"{where}: no Cache-Control: no-store")
    return out


def page_urls(app) -> list[str]:  # type: ignore[no-untyped-def]
    routes, _ = app_routes(app)
    urls = [re.sub(r"\{\w+(?::\w+)?\}", "00000000-0000-4000-8000-000000000000", p)
            for m, p in routes if m == "GET" and not is_api(p) and p not in ("/openapi.json",)]
    return sorted(set(urls)) + ["/no-such-page"]


@pytest.mark.parametrize("role", [None, Role.patient, Role.clinician, Role.admin])
def test_every_page_has_the_headers(client, session, app, role):
    if role is not None:
        browser_login(client, make_user(session, role))
    problems = []
    for url in page_urls(app):
        r = client.get(url, follow_redirects=False)
        if url.startswith("/docs"):
            continue  # its own CSP, checked below
        if url == "/favicon.ico":
            continue  # an icon, no data: it may be cached (like /static)
        problems += header_problems(r, f"{role.value if role else 'anonymous'} GET {url} ({r.status_code})")
    assert not problems, "\n".join(problems)


def test_json_answers_have_the_headers(client, session):
    problems = header_problems(client.get("/api/v1/me"), "GET /api/v1/me (401)")
    problems += header_problems(client.get("/api/v1/help"), "GET /api/v1/help")
    assert not problems, "\n".join(problems)


def test_docs_page_allows_only_its_own_inline_script(client):
    r = client.get("/docs")
    assert r.status_code == 200
    csp = r.headers["content-security-policy"]
    assert "'unsafe-inline'" not in csp and "'sha256-" in csp
    assert all(d in csp for d in DIRECTIVES)
    assert "cdn." not in r.text and "https://" not in r.text  # everything served from here
    assert client.get("/static/swagger/swagger-ui-bundle.js").status_code == 200


def test_hsts_only_when_served_over_https(db, monkeypatch):
    from app.main import create_app
    monkeypatch.setattr(get_settings(), "base_url", "http://127.0.0.1:8000")
    with TestClient(create_app(run_worker=False), base_url="https://testserver") as c:
        assert "strict-transport-security" not in c.get("/login").headers
    monkeypatch.setattr(get_settings(), "base_url", "https://clinic.example.org")
    with TestClient(create_app(run_worker=False), base_url="https://testserver") as c:
        hsts = c.get("/login").headers.get("strict-transport-security", "")
    assert re.search(r"max-age=(\d+)", hsts) and int(re.search(r"max-age=(\d+)", hsts).group(1)) >= 31536000
