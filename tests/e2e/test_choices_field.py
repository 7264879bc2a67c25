"""Module 4's thinking traps in a real browser: a group of checkboxes ticked by keyboard on a
phone-sized screen, kept when the form comes back with a message, and accessible (axe)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import DESKTOP, PHONE, Journey, LiveServer, api_patient, make_live_server, sign_in, unique_email


@pytest.fixture(scope="module")
def no_wait_server(tmp_path_factory) -> LiveServer:  # type: ignore[no-untyped-def]
    server = make_live_server(tmp_path_factory.mktemp("choices"), ICBT_MODULE_INTERVAL_DAYS="0")
    server.start()
    yield server
    server.stop()


def test_thinking_traps_are_ticked_by_keyboard_and_kept_after_an_error(page, no_wait_server, shots):
    base = no_wait_server.url
    email = unique_email("traps")
    api = api_patient(base, email)
    assert api.post("/api/v1/assessments", json={"instrument": "phq9", "answers": [1, 1, 1, 1, 1, 0, 0, 0, 0],
                                                 "difficulty": 1}).status_code == 201
    assert api.post("/api/v1/assessments", json={"instrument": "gad7", "answers": [1, 1, 0, 0, 0, 0, 0],
                                                 "difficulty": 1}).status_code == 201  # the weekly pair
    for m in api.get("/api/v1/modules").json()[:3]:
        assert api.post(f"/api/v1/modules/{m['slug']}/complete").status_code == 200, m
    page.set_viewport_size(PHONE)
    sign_in(page, base, email)
    j = Journey(page, base, shots)
    j.check()
    j.goto("/homework/thought-catching", "phone-form")
    group = page.get_by_role("group", name="Which thinking traps does it fit?")
    expect(group).to_be_visible()
    mind = group.get_by_role("checkbox", name="Mind reading")
    label = group.get_by_role("checkbox", name="Labelling")
    # by keyboard: Tab reaches the boxes and Space ticks them
    group.get_by_role("checkbox", name="All-or-nothing thinking").focus()
    page.keyboard.press("Tab")
    expect(mind).to_be_focused()
    page.keyboard.press("Space")
    for _ in range(4):
        page.keyboard.press("Tab")
    expect(label).to_be_focused()
    page.keyboard.press("Space")
    expect(mind).to_be_checked()
    expect(label).to_be_checked()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # no sideways scroll
    page.get_by_label("What was happening?").fill("Team meeting")
    page.get_by_label("What did you feel?").fill("Anxious")
    page.get_by_label("What went through your mind?").fill("They think I'm useless.")
    # "How strong was the feeling?" left empty: the form comes back with the boxes still ticked
    page.get_by_role("button", name="Save and finish").click()
    j.check("phone-error-kept")
    expect(page.get_by_text("Some answers need another look")).to_be_visible()
    expect(mind).to_be_checked()
    expect(label).to_be_checked()
    expect(group.get_by_role("checkbox", name="Fortune telling")).not_to_be_checked()
    page.get_by_label("How strong was the feeling?").fill("70")
    page.get_by_role("button", name="Save and finish").click()
    j.check()
    page.set_viewport_size(DESKTOP)
    j.goto("/workbook/print", "desktop-print")
    expect(page.get_by_text("Mind reading, Labelling")).to_be_visible()
    entry = api.get("/api/v1/homework/entries").json()[0]
    assert entry["answers"]["thinking_trap"] == ["Mind reading", "Labelling"]
    j.goto(f"/homework/entries/{entry['id']}", "desktop-entry")
    expect(mind).to_be_checked()
    j.done()
    api.close()
