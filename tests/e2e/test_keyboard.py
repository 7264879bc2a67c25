"""The PHQ-9 completed with the keyboard alone (Tab, Space, arrow keys, Enter), with a visible
focus indicator on every element the keyboard reaches."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import DESKTOP, PHONE, Journey, api_patient, sign_in, unique_email

ANSWERS = [0, 1, 2, 3, 1, 0, 2, 1, 0]   # total 10; every position of the scale is used
DIFFICULTY = 2                          # "Very difficult"

FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const s = getComputedStyle(el);
  const r = el.getBoundingClientRect();
  return {tag: el.tagName.toLowerCase(), type: el.type || "", name: el.name || "", value: el.value || "",
          checked: !!el.checked, text: (el.innerText || el.value || "").trim().slice(0, 60),
          outlineStyle: s.outlineStyle, outlineWidth: s.outlineWidth, boxShadow: s.boxShadow,
          inViewport: r.bottom > 0 && r.top < window.innerHeight && r.width > 0 && r.height > 0};
}"""


def focused(page) -> dict:  # type: ignore[no-untyped-def, type-arg]
    info = page.evaluate(FOCUSED)
    assert info is not None, "nothing has the keyboard focus"
    return info


def assert_focus_visible(info: dict) -> None:  # type: ignore[type-arg]
    outline = info["outlineStyle"] != "none" and info["outlineWidth"] not in ("0px", "")
    shadow = info["boxShadow"] not in ("none", "")
    assert outline or shadow, f"no visible focus indicator on {info}"
    assert info["inViewport"], f"the focused element is off screen: {info}"


def tab_to(page, predicate, what: str, limit: int = 60) -> dict:  # type: ignore[no-untyped-def, type-arg]
    """Press Tab until the focused element matches; every element passed must show its focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        info = page.evaluate(FOCUSED)
        assert info is not None, f"{what} not reached: the focus left the page's controls"
        assert_focus_visible(info)
        if predicate(info):
            return info
    raise AssertionError(f"{what} not reached with {limit} presses of Tab")


def choose(page, name: str, value: int) -> None:  # type: ignore[no-untyped-def]
    """In a radio group reached by Tab (none ticked yet: the first option has the focus): Space
    ticks the first option, each ArrowDown moves to and ticks the next one."""
    info = focused(page)
    assert info["name"] == name and info["value"] == "0", f"expected the first option of {name}, at {info}"
    if value == 0:
        page.keyboard.press("Space")
    for _ in range(value):
        page.keyboard.press("ArrowDown")
    info = focused(page)
    assert_focus_visible(info)
    assert (info["name"], info["value"], info["checked"]) == (name, str(value), True), info


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_phq9_by_keyboard_alone(page, live_server, base_url, shots, viewport):
    email = unique_email("keys")
    api_patient(base_url, email).close()
    page.set_viewport_size(viewport)
    j = Journey(page, base_url, shots)
    j.goto("/login")
    sign_in(page, base_url, email)
    expect(page.get_by_role("heading", name=re.compile("Hello"))).to_be_visible()
    j.check()

    j.goto("/checkins/phq9")
    # the skip link comes first, and works
    info = tab_to(page, lambda i: i["tag"] == "a", "the skip link", limit=1)
    assert info["text"] == "Skip to main content", info
    page.keyboard.press("Enter")
    tab_to(page, lambda i: i["name"] == "q1", "question 1")
    for n, value in enumerate(ANSWERS, start=1):
        if n > 1:
            page.keyboard.press("Tab")  # out of the previous group, into this one
        choose(page, f"q{n}", value)
        if n == 5:
            shots(page, "keyboard-q5")
    page.keyboard.press("Tab")
    choose(page, "difficulty", DIFFICULTY)
    info = tab_to(page, lambda i: i["tag"] == "button", "the submit button", limit=1)
    assert info["text"] == "See my result", info
    shots(page, "keyboard-submit")
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(r"/checkins/results/"))
    expect(page.locator(".score")).to_contain_text(f"{sum(ANSWERS)} out of 27")
    j.check("keyboard-result")
    j.done()
