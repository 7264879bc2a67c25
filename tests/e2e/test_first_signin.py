"""Browser journey (issue 12): an invited patient chooses a password, signs in, is asked whether
they are safe right now, then for a phone number (a bad one is refused), then reaches home."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import DESKTOP, PASSWORD, PHONE, Journey, sign_in, unique_email

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390", "1280"])
def test_invited_patient_first_sign_in(browser, live_server, mailbox, shots, viewport):  # type: ignore[no-untyped-def]
    base = live_server.url
    admin, invited = unique_email("admin"), unique_email("invited")
    live_server.create_user("admin", admin)
    ctx = browser.new_context(viewport=viewport)
    page = ctx.new_page()
    sign_in(page, base, admin)
    page.goto(base + "/admin/users/new")
    page.get_by_label("Patient (invited by the clinic)").check()
    page.get_by_label("Email address").fill(invited)
    page.get_by_role("button", name="Create the account").click()
    ctx.close()

    msg = mailbox.wait_for(invited, timeout=30)[0]
    body = next(p.get_payload(decode=True).decode() for p in msg.walk() if not p.is_multipart())
    link = re.search(r"(/reset-password/\S+)", body).group(1)

    ctx = browser.new_context(viewport=viewport)
    page = ctx.new_page()
    j = Journey(page, base, shots, who="invited")
    j.goto(link)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Type the password again").fill(PASSWORD)
    page.get_by_label("I have read and agree").check()
    page.get_by_role("button", name="Set up my account").click()
    expect(page).to_have_url(re.compile("/login"))
    j.check()
    sign_in(page, base, invited)
    expect(page).to_have_url(re.compile("/welcome/safe"))
    j.check("safety-question")
    page.get_by_label("No, I am not safe right now").check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Get help now")
    expect(page.get_by_text("Your care team has not been told")).to_be_visible()
    j.check("not-safe")
    page.get_by_role("link", name="Back to the question").click()
    expect(page).to_have_url(re.compile("/welcome/safe"))
    j.check()
    page.get_by_label("Yes, I am safe right now").check()
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(re.compile("/welcome/phone"))
    j.check("phone")
    page.get_by_label("Your phone number").fill("12")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".field-error")).to_contain_text("does not look like a phone number")
    j.check("phone-error")
    page.get_by_label("Your phone number").fill("07911 123456")
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(base + "/")
    expect(page.get_by_text("Please add your phone number")).to_have_count(0)
    j.check("home")
    j.done()
    ctx.close()
