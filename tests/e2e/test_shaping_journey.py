"""Journey: shaping the programme for one patient, and the safety plan written together.
The clinician (desktop) slows this patient's pace, holds module 2 with a private reason and a
message for the patient, and changes the patient's safety plan with them; the patient (phone)
sees module 2 paused with the clinician's words (never the reason), then sees who changed the
plan and when. The clinician lifts the hold; the patient sees when module 2 opens."""

from __future__ import annotations

import re
from contextlib import closing

from playwright.sync_api import expect

from tests.e2e.conftest import DESKTOP, PHONE, Journey, LiveServer, api_patient, sign_in, unique_email

REASON = "Private: wants to consolidate activity scheduling before thought work"
MESSAGE = "Let's spend a little longer on module 1 before the next one."
COPING = "Walk round the block and ring my sister"


def test_shaping_and_plan_together(page, browser, live_server: LiveServer, base_url, shots):
    doctor, patient = unique_email("pace"), unique_email("sam")
    live_server.create_user("clinician", doctor, "Dr Lee Pace")
    with closing(api_patient(base_url, patient, "Sam")):
        live_server.assign(patient, doctor)

    ctx = browser.new_context(viewport=DESKTOP)
    try:
        cpage = ctx.new_page()
        cj = Journey(cpage, base_url, shots, who="clinician")
        cj.goto("/login")
        sign_in(cpage, base_url, doctor)
        cj.check("dashboard")
        cpage.get_by_role("link", name="Sam").first.click()
        pace = cpage.locator("section[aria-labelledby=shaping]")
        expect(pace).to_be_visible()
        cj.check("record")
        # a bad interval: the form again with the message, nothing stored
        pace.get_by_label("Days between modules for this patient").fill("40")
        pace.get_by_role("button", name="Save interval").click()
        expect(cpage.locator("section[aria-labelledby=shaping]")).to_contain_text("28")
        cj.check("record-interval-error")
        pace = cpage.locator("section[aria-labelledby=shaping]")
        pace.get_by_label("Days between modules for this patient").fill("10")
        pace.get_by_role("button", name="Save interval").click()
        expect(cpage.get_by_role("status")).to_contain_text("Release interval saved")
        cj.check()
        pace = cpage.locator("section[aria-labelledby=shaping]")
        pace.get_by_label("Reason (private, never shown to the patient)").fill(REASON)
        pace.get_by_label("Message for the patient (optional)").fill(MESSAGE)
        pace.get_by_role("button", name="Hold module").click()
        expect(cpage.get_by_role("status")).to_contain_text("Module held")
        expect(cpage.locator("section[aria-labelledby=shaping]")).to_contain_text(REASON)
        cj.check("record-held")

        cpage.get_by_role("link", name=re.compile("plan with the patient")).click()
        cj.check("plan-edit")
        cpage.get_by_label("Things I can do on my own").fill(COPING)
        cpage.get_by_role("button", name="Save the safety plan").click()
        expect(cpage.get_by_role("status")).to_contain_text("The safety plan is saved")
        cj.check("plan-saved")

        # ---- the patient, on a phone
        page.set_viewport_size(PHONE)
        pj = Journey(page, base_url, shots, who="patient")
        pj.goto("/login")
        sign_in(page, base_url, patient)
        pj.check()
        pj.goto("/modules", "modules-paused")
        expect(page.get_by_role("main")).to_contain_text(MESSAGE)
        assert REASON not in page.content()
        pj.goto("/", "home-paused")
        assert REASON not in page.content()
        pj.goto("/safety-plan", "plan-changed-by-care-team")
        main = page.get_by_role("main")
        expect(main).to_contain_text(COPING)
        expect(main).to_contain_text("Dr Lee Pace")
        expect(main).to_contain_text("Things I can do on my own")

        # ---- the clinician lifts the hold; the patient sees when module 2 opens
        cj.goto("/clinician")
        cpage.get_by_role("link", name="Sam").first.click()
        cj.check()
        cpage.locator("section[aria-labelledby=shaping]").get_by_role(
            "button", name=re.compile("^Lift the hold")).click()
        expect(cpage.get_by_role("status")).to_contain_text("Hold lifted")
        cj.check()
        pj.goto("/modules", "modules-after-lift")
        expect(page.get_by_role("main")).not_to_contain_text(MESSAGE)
        expect(page.get_by_role("main")).to_contain_text(re.compile("Module 2 opens"))
        pj.done()
        cj.done()
    finally:
        ctx.close()
