from __future__ import annotations


def test_healthz(client):
    r = client.get("/healthz")
    assert r.status_code == 200 and r.json() == {"status": "ok"}


def test_help_page_is_public_and_lists_emergency_numbers(client):
    r = client.get("/help")
    assert r.status_code == 200
    assert "999" in r.text and "116 123" in r.text and "85258" in r.text
    assert 'href="tel:999"' in r.text
    assert "<script" not in r.text  # works without JavaScript


def test_every_public_page_has_get_help_now_link(client):
    for url in ["/", "/login", "/register", "/help", "/privacy", "/no-such-page"]:
        r = client.get(url)
        assert '<a class="help-now" href="/help">Get help now</a>' in r.text, url


def test_api_errors_are_json_and_pages_are_html(client):
    r = client.get("/api/v1/no-such-thing")
    assert r.status_code == 404 and r.json() == {"error": "not_found", "detail": "We could not find that page."}
    r = client.get("/no-such-page")
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    r = client.get("/api/v1/me")
    assert r.status_code == 401 and r.json()["error"] == "not_authenticated"


def test_api_help_lists_every_tier(client):
    body = client.get("/api/v1/help").json()
    assert [t["tier"] for t in body["tiers"]] == ["emergency", "urgent", "routine"]
    assert body["example"] is True and body["region"] == "United Kingdom"


def test_layout_landmarks_and_skip_link(client):
    html = client.get("/").text
    for needle in ['<a class="skip-link" href="#main">', '<main id="main"', "<header", "<nav", "<footer",
                   'name="viewport"', 'lang="en"']:
        assert needle in html
