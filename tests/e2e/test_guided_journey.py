"""Journey: guided support. A patient (phone) writes to their care team; the clinician
(desktop) sees them in Reviews due, completes the review with a private note and a reply,
gives feedback on a homework entry and opens module 2 early; the patient sees the reply, the
feedback and module 2, and never the note. A message with a risk phrase shows the crisis
resources at once."""

from __future__ import annotations

import re
from contextlib import closing

from playwright.sync_api import expect

from tests.e2e.conftest import DESKTOP, PHONE, Journey, LiveServer, api_patient, sign_in, unique_email

NOTE = "Private formulation: avoidance keeps the low mood going"
REPLY = "Thank you for writing, Robin. Your thought record was a real step."
FEEDBACK = "You caught the thought and how strong it felt. Next, try a kinder alternative."
TASK = "thought-record-starter"
ANSWERS = {"situation": "At work", "thoughts": "I will mess this up",
           "emotions": [{"emotion": "Anxious", "intensity": 60}]}


def test_guided_week(page, browser, live_server: LiveServer, base_url, shots):
    doctor, patient = unique_email("guide"), unique_email("robin")
    live_server.create_user("clinician", doctor, "Dr Ada Guide")
    with closing(api_patient(base_url, patient, "Robin")) as c:
        live_server.assign(patient, doctor)
        r = c.post(f"/api/v1/homework/{TASK}/entries", json={"answers": ANSWERS})
        assert r.status_code == 201, r.text

    # ---- the patient, on a phone: writes to the care team
    page.set_viewport_size(PHONE)
    pj = Journey(page, base_url, shots, who="patient")
    pj.goto("/login")
    sign_in(page, base_url, patient)
    pj.check()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Messages").click()
    expect(page.get_by_role("heading", name="Messages", level=1)).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text("Messages are not for emergencies")
    expect(page.get_by_role("main").get_by_role("link", name="Get help now")).to_be_visible()
    pj.check("messages-empty")
    page.get_by_label("Your message").fill("I did the thought record. It was hard but I tried.")
    page.get_by_role("button", name="Send message").click()
    expect(page.get_by_role("status")).to_contain_text("Your message has been sent")
    pj.check("messages-sent")

    # ---- the clinician, at a desk
    ctx = browser.new_context(viewport=DESKTOP)
    try:
        cpage = ctx.new_page()
        cj = Journey(cpage, base_url, shots, who="clinician")
        cj.goto("/login")
        sign_in(cpage, base_url, doctor)
        cj.check()
        cpage.get_by_role("navigation", name="Main").get_by_role("link", name="Reviews due").click()
        row = cpage.locator("table tbody tr").filter(has_text="Robin")
        expect(row).to_contain_text("1 new")
        cj.check("reviews-due")
        row.get_by_role("link", name="Robin").click()
        expect(cpage.get_by_role("heading", name="Weekly review: Robin")).to_be_visible()
        expect(cpage.get_by_role("main")).to_contain_text("It was hard but I tried")
        expect(cpage.get_by_role("main")).to_contain_text("Homework: ")
        cj.check("review")
        cpage.get_by_label("Private note (never shown to the patient)").fill(NOTE)
        cpage.get_by_label("Message to the patient (optional)").fill(REPLY)
        cpage.get_by_role("button", name="Complete review").click()
        expect(cpage.get_by_role("status")).to_contain_text("Review recorded")
        expect(cpage.locator("section[aria-labelledby=notes]")).to_contain_text(NOTE)
        cj.check("record-after-review")
        cpage.locator("section[aria-labelledby=homework] details summary").first.click()
        cpage.get_by_label("Feedback for the patient on this entry").first.fill(FEEDBACK)
        cpage.get_by_role("button", name=re.compile("^Send feedback")).first.click()
        expect(cpage.get_by_role("status")).to_contain_text("Feedback sent")
        cj.check()
        cpage.get_by_role("button", name=re.compile("^Open module 2 now")).click()
        expect(cpage.get_by_role("status")).to_contain_text("Module opened")
        expect(cpage.locator("section[aria-labelledby=modules]")).to_contain_text("open since")
        cj.check("record-module-opened")
        cj.goto("/clinician/reviews")
        expect(cpage.get_by_role("main")).to_contain_text("No reviews are due")
        cj.done()
    finally:
        ctx.close()

    # ---- the patient again: the reply, the feedback and module 2; never the note
    pj.goto("/", "home-with-reply")
    expect(page.get_by_role("main")).to_contain_text(REPLY)
    assert NOTE not in page.content()
    page.get_by_role("navigation", name="Main").get_by_role("link", name=re.compile("^Messages")).click()
    expect(page.get_by_role("main")).to_contain_text(REPLY)
    assert NOTE not in page.content()
    pj.check("messages-reply")
    pj.goto("/workbook", "workbook-feedback")
    expect(page.get_by_role("main")).to_contain_text("New feedback")
    page.get_by_role("link", name=re.compile("^Entry from")).first.click()
    expect(page.get_by_role("main")).to_contain_text(FEEDBACK)
    assert NOTE not in page.content()
    pj.check("entry-feedback")
    pj.goto("/modules/noticing-patterns", "module-2")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Noticing")
    assert NOTE not in page.content()

    # ---- a risk phrase: crisis resources at once
    pj.goto("/messages")
    page.get_by_label("Your message").fill("Some nights I think I want to end it all.")
    page.get_by_role("button", name="Send message").click()
    expect(page.get_by_role("alert")).to_contain_text("Your care team has been alerted")
    crisis = page.locator("section.crisis").first
    expect(crisis).to_be_visible()
    expect(crisis.locator('a[href^="tel:"]').first).to_be_visible()
    pj.check("messages-risk")
    pj.done()
