"""A new patient's first "Do my check-in" by keyboard alone: the PHQ-9, then the GAD-7, then
one result page for both (clinical-rules.md §5)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import DESKTOP, PHONE, Journey, api_patient, sign_in, unique_email
from tests.e2e.test_keyboard import choose, tab_to

PHQ9 = [0, 1, 2, 3, 1, 0, 2, 1, 0]   # 10
GAD7 = [1, 2, 0, 1, 3, 1, 0]         # 8


def answer_by_keyboard(page, answers: list[int], difficulty: int) -> None:  # type: ignore[no-untyped-def]
    tab_to(page, lambda i: i["name"] == "q1", "question 1")
    for n, value in enumerate(answers, start=1):
        if n > 1:
            page.keyboard.press("Tab")
        choose(page, f"q{n}", value)
    page.keyboard.press("Tab")
    choose(page, "difficulty", difficulty)


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_first_checkin_asks_phq9_then_gad7_by_keyboard(page, live_server, base_url, shots, viewport):
    email = unique_email("weekly")
    api_patient(base_url, email).close()
    page.set_viewport_size(viewport)
    j = Journey(page, base_url, shots)
    j.goto("/login")
    sign_in(page, base_url, email)
    expect(page.get_by_role("heading", name=re.compile("Hello"))).to_be_visible()
    expect(page.get_by_text(re.compile("Due now: nine questions about your mood"))).to_be_visible()
    j.check("weekly-home")

    # "Do my check-in" on the home page, reached and followed by keyboard
    info = tab_to(page, lambda i: i["tag"] == "a" and i["text"] == "Do my check-in", "Do my check-in")
    assert info["text"] == "Do my check-in"
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name=re.compile("Mood check-in"))).to_be_visible()
    j.check("weekly-phq9")
    answer_by_keyboard(page, PHQ9, 1)
    info = tab_to(page, lambda i: i["tag"] == "button", "the submit button", limit=1)
    assert info["text"] == "Next: the anxiety questions", info
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", name=re.compile("Anxiety check-in"))).to_be_visible()
    expect(page.get_by_text("Thank you: your answers to part 1 are saved.")).to_be_visible()
    j.check("weekly-gad7")
    answer_by_keyboard(page, GAD7, 2)
    info = tab_to(page, lambda i: i["tag"] == "button", "the submit button", limit=1)
    assert info["text"] == "See my result", info
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(r"/checkins/weekly/result\?ids="))
    expect(page.locator(".score").nth(0)).to_contain_text("10 out of 27")
    expect(page.locator(".score").nth(1)).to_contain_text("8 out of 21")
    j.check("weekly-result")
    j.done()
