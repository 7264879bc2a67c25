"""The home page's next step (with why) and the reminders section of the account page, at
phone and desktop width, accessible (axe)."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.conftest import DESKTOP, PHONE, Journey, api_patient, sign_in, unique_email


def test_next_step_and_reminder_preferences(browser, base_url, shots):  # type: ignore[no-untyped-def]
    email = unique_email("remind")
    api = api_patient(base_url, email, "Sam")
    r = api.put("/api/v1/me/reminders", json={"time_zone": "America/New_York", "remind_at": "18:30",
                                              "quiet_hours": {"start": "22:00", "end": "07:00"}})
    assert r.status_code == 200, r.text
    for size in (PHONE, DESKTOP):
        ctx = browser.new_context(viewport=size)
        page = ctx.new_page()
        j = Journey(page, base_url, shots, who=f"{size['width']}")
        j.goto("/login")
        sign_in(page, base_url, email)
        j.check("home")
        expect(page.locator("#next-step")).to_be_visible()
        expect(page.locator("#next-step-why")).to_contain_text("Because")
        j.goto("/account#reminders", "account-reminders")
        expect(page.get_by_label("Your time zone")).to_have_value("America/New_York")
        page.get_by_label("Your time zone").fill("Mars/Olympus")
        page.get_by_role("button", name="Save reminder choices").click()
        j.check("account-reminders-error")
        expect(page.locator("#e-time_zone")).to_contain_text("not a time zone we know")
        j.done()
        ctx.close()
