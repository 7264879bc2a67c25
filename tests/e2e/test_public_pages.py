"""Public pages in a real browser: the help page without signing in, on a phone, accessible."""

from __future__ import annotations

import uuid

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PHONE, assert_accessible, register_patient


@pytest.mark.parametrize("viewport", [PHONE, {"width": 1280, "height": 800}], ids=["phone", "desktop"])
def test_help_is_one_tap_from_every_public_page(page, base_url, shots, viewport):
    page.set_viewport_size(viewport)
    for path in ["/", "/login", "/register", "/privacy"]:
        page.goto(base_url + path)
        assert_accessible(page)
        page.get_by_role("banner").get_by_role("link", name="Get help now").click()
        expect(page).to_have_url(re.compile(r"/help$"))
        expect(page.get_by_role("link", name="Call 999").first).to_be_visible()
    assert_accessible(page)
    shots(page, "help")


def test_help_page_works_without_javascript(browser, base_url, shots):
    ctx = browser.new_context(java_script_enabled=False, viewport=PHONE)
    page = ctx.new_page()
    page.goto(base_url + "/help")
    expect(page.get_by_role("heading", name="Get help now")).to_be_visible()
    expect(page.locator('a[href="tel:999"]').first).to_be_visible()
    expect(page.locator('a[href="tel:116123"]').first).to_be_visible()
    shots(page, "help-no-js")
    ctx.close()


def test_register_and_sign_out(page, base_url, shots):
    page.set_viewport_size(PHONE)
    email = f"e2e-{uuid.uuid4().hex[:8]}@example.org"
    page.goto(base_url + "/register")
    assert_accessible(page)
    shots(page, "register")
    register_patient(page, base_url, email)
    expect(page.get_by_role("heading", name="Hello, Alex")).to_be_visible()
    assert page.url.rstrip("/") == base_url
    assert_accessible(page)
    shots(page, "home")
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You have signed out.")).to_be_visible()
    assert "/login" in page.url
    assert_accessible(page)
