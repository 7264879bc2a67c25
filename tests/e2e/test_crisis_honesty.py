"""Crisis honesty, end to end (issue 12).

1. No clinician, no on-call list, no mail server: "I am not safe right now" says plainly that
   nobody could be reached automatically and shows 999 and the crisis lines; the admin sees the
   unrouted alert at the top of /admin.
2. An assigned clinician and a mail sink: the patient is told their care team has been told;
   after the clinician acknowledges with an action and a note, the patient reads "has seen this".
Screenshots at 390 px and 1280 px."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import DESKTOP, PHONE, Journey, LiveServer, Mailbox, make_live_server, register_patient, \
    sign_in, unique_email


@pytest.fixture
def lonely_server(tmp_path_factory):  # type: ignore[no-untyped-def]
    server = make_live_server(tmp_path_factory.mktemp("lonely"), None, ICBT_ONCALL_EMAILS="")
    server.start()
    yield server
    server.stop()


def _not_safe(page, j: Journey, label: str) -> None:  # type: ignore[no-untyped-def]
    j.goto("/diary")
    page.get_by_role("button", name="I am not safe right now").click()
    expect(page.locator('section.crisis a[href="tel:999"]').first).to_be_visible()
    j.check(label)


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390", "1280"])
def test_nobody_reachable_is_said_plainly_and_admin_sees_it(page, browser, lonely_server: LiveServer, shots,
                                                            viewport):
    base = lonely_server.url
    patient, admin = unique_email("alone"), unique_email("admin")
    page.set_viewport_size(viewport)
    j = Journey(page, base, shots, who="patient")
    j.goto("/register?safe=yes")
    register_patient(page, base, patient, name="Robin", journey=j)
    expect(page.get_by_role("heading", name="Hello, Robin")).to_be_visible()
    j.check()
    _not_safe(page, j, "not-safe-unreachable")
    main = page.get_by_role("main")
    expect(main).to_contain_text("We could not reach your care team automatically")
    expect(main).not_to_contain_text("has been told")
    expect(main.locator('a[href="tel:116123"]').first).to_be_visible()     # Samaritans
    expect(main.locator('a[href="tel:111"]').first).to_be_visible()
    j.done()

    lonely_server.create_user("admin", admin)
    ctx = browser.new_context(viewport=viewport)
    try:
        apage = ctx.new_page()
        aj = Journey(apage, base, shots, who="admin")
        aj.goto("/login")
        sign_in(apage, base, admin)
        expect(apage.get_by_role("heading", name=re.compile("alert.* reached nobody"))).to_be_visible()
        aj.check("admin-unrouted")
        aj.done()
    finally:
        ctx.close()


def test_told_then_seen_after_action_and_note(page, browser, live_server: LiveServer, mailbox: Mailbox,
                                              base_url, shots):
    doctor, patient = unique_email("doc"), unique_email("told")
    live_server.create_user("clinician", doctor, "Dr Lee")
    page.set_viewport_size(PHONE)
    j = Journey(page, base_url, shots, who="patient")
    j.goto("/register?safe=yes")
    register_patient(page, base_url, patient, name="Ash", journey=j)
    expect(page.get_by_role("heading", name="Hello, Ash")).to_be_visible()
    j.check()
    live_server.assign(patient, doctor)
    _not_safe(page, j, "not-safe-told")
    expect(page.get_by_role("main")).to_contain_text(re.compile(r"Your care team (has been told|is being told now)"))
    mailbox.wait_for(doctor, timeout=30)
    j.goto("/", "home-told")
    expect(page.get_by_role("main")).to_contain_text("Your care team has been told")

    ctx = browser.new_context(viewport=DESKTOP)
    try:
        cpage = ctx.new_page()
        cj = Journey(cpage, base_url, shots, who="clinician")
        cj.goto("/login")
        sign_in(cpage, base_url, doctor)
        cj.check()
        cj.goto("/clinician/alerts")
        cpage.get_by_role("link", name="Open to acknowledge").first.click()
        expect(cpage.locator('a[href="tel:+447911123456"]').first).to_be_visible()   # tap to call
        cj.check("alert")
        cpage.get_by_role("button", name="Acknowledge").click()                     # nothing filled in
        expect(cpage.get_by_role("main")).to_contain_text("needs an action")
        cj.check("alert-422")
        cpage.get_by_label("Contacted the patient", exact=True).check()
        cpage.get_by_label(re.compile(r"^Note")).fill("Phoned Ash; safe with their sister tonight.")
        cpage.get_by_role("button", name="Acknowledge").click()
        expect(cpage.get_by_role("main")).to_contain_text("Phoned Ash; safe with their sister tonight.")
        cj.check("alert-acknowledged")
        cj.done()
    finally:
        ctx.close()

    j.goto("/", "home-seen")
    expect(page.get_by_role("main")).to_contain_text("Your care team has seen this")
    j.done()
