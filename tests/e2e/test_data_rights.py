"""Data rights in a real browser: the admin's outcomes page and the patient's account page and
printable summary, at 390 px and 1280 px, accessible (axe), screenshots saved."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PHONE, assert_accessible, make_live_server, sign_in

DESKTOP = {"width": 1280, "height": 800}


@pytest.fixture(scope="module")
def demo(tmp_path_factory):  # type: ignore[no-untyped-def]
    server = make_live_server(tmp_path_factory.mktemp("rights"))
    server.cli("migrate")
    out = server.cli("seed-demo", "--patients", "8", "--weeks", "8", "--quiet")
    server.start()
    password = re.search(r"password\s+(\S+)", out).group(1)
    admin = re.search(r"admin\s+(\S+)", out).group(1)
    patient = re.search(r"patient\s+(\S+)", out).group(1)
    yield server, password, admin, patient
    server.stop()


def _sign_in(page, server, email, password):  # type: ignore[no-untyped-def]
    sign_in(page, server.url, email, password)
    if "/consent" in page.url:
        page.get_by_label(re.compile("I have read and agree")).check()
        page.get_by_role("button", name="Agree and continue").click()


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_outcomes_page(page, demo, shots, viewport):  # type: ignore[no-untyped-def]
    server, password, admin, _ = demo
    page.set_viewport_size(viewport)
    _sign_in(page, server, admin, password)
    page.goto(server.url + "/admin/outcomes")
    expect(page.get_by_role("heading", name="Service outcomes")).to_be_visible()
    expect(page.locator("svg.outcomes-chart")).to_be_visible()
    expect(page.get_by_role("heading", name="By month", exact=True)).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    assert_accessible(page)
    shots(page, "outcomes")


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_account_and_summary(page, demo, shots, viewport):  # type: ignore[no-untyped-def]
    server, password, _, patient = demo
    page.set_viewport_size(viewport)
    _sign_in(page, server, patient, password)
    page.goto(server.url + "/account")
    expect(page.get_by_role("heading", name="Your data")).to_be_visible()
    assert_accessible(page)
    shots(page, "account")
    page.get_by_role("link", name="A readable summary").click()
    expect(page.get_by_role("heading", name="Everything we keep about you")).to_be_visible()
    expect(page.locator("svg").first).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    assert_accessible(page)
    shots(page, "summary")
    page.screenshot(path=str(shots.dir / "summary-top.png"))  # the first screen, as a person sees it
    page.emulate_media(media="print")
    shots(page, "summary-print")
