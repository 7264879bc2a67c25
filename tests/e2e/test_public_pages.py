"""Public pages in a real browser: the help page without signing in, on a phone, accessible."""

from __future__ import annotations

import uuid

import pytest

from tests.e2e.conftest import assert_accessible, register_patient

PHONE = {"width": 390, "height": 844}


@pytest.mark.parametrize("viewport", [PHONE, {"width": 1280, "height": 800}], ids=["phone", "desktop"])
def test_help_is_one_tap_from_every_public_page(page, base_url, shots, viewport):
    page.set_viewport_size(viewport)
    for path in ["/", "/login", "/register", "/privacy"]:
        page.goto(base_url + path)
        assert_accessible(page)
        page.get_by_role("banner").get_by_role("link", name="Get help now").click()
        assert page.url.endswith("/help")
        assert page.get_by_role("link", name="Call 999").is_visible()
    assert_accessible(page)
    shots(page, "help")


def test_help_page_works_without_javascript(browser, base_url, shots):
    ctx = browser.new_context(java_script_enabled=False, viewport=PHONE)
    page = ctx.new_page()
    page.goto(base_url + "/help")
    assert page.get_by_role("heading", name="Get help now").is_visible()
    assert page.locator('a[href="tel:999"]').count() >= 1
    assert page.locator('a[href="tel:116123"]').count() >= 1
    shots(page, "help-no-js")
    ctx.close()


def test_register_and_sign_out(page, base_url, shots):
    page.set_viewport_size(PHONE)
    email = f"e2e-{uuid.uuid4().hex[:8]}@example.org"
    page.goto(base_url + "/register")
    assert_accessible(page)
    shots(page, "register")
    register_patient(page, base_url, email)
    assert page.url.rstrip("/") == base_url
    assert page.get_by_role("heading", name="Hello, Alex").is_visible()
    shots(page, "home")
    page.get_by_role("button", name="Sign out").click()
    assert "/login" in page.url
    assert page.get_by_text("You have signed out.").is_visible()
