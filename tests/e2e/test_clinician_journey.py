"""Journey 3: a clinician's morning, at a desk and on a phone.

Three assigned patients with open alerts of each tier (set up through the JSON API). The
clinician signs in, reads the inbox (the most urgent first), opens the patient with the
emergency, sees their charts, and acknowledges the alert with a note."""

from __future__ import annotations

import re
from contextlib import closing
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import DESKTOP, PHONE, Journey, LiveServer, api_patient, sign_in, unique_email

TIERS = ["EMERGENCY", "URGENT", "ROUTINE"]


def _seed(live_server: LiveServer, doctor: str, tag: str) -> dict[str, str]:
    """name -> tier of the alert each patient raises."""
    people = {f"Emery {tag}": "emergency", f"Uma {tag}": "urgent", f"Rowan {tag}": "routine"}
    for name, tier in people.items():
        email = unique_email(name.split()[0].lower())
        with closing(api_patient(live_server.url, email, name)) as c:
            live_server.assign(email, doctor)
            # a few diary entries and a baseline, so the patient page has charts to draw
            for days, mood in ((3, 5), (2, 4), (1, 4)):
                at = (datetime.now(UTC) - timedelta(days=days)).isoformat()
                assert c.post("/api/v1/diary", json={"mood": mood, "emotions": ["tired"], "recorded_at": at}).status_code == 201
            answers = {"emergency": [1, 1, 1, 1, 1, 1, 1, 1, 0],     # 8, then "I am not safe right now"
                       "urgent": [1, 1, 1, 1, 1, 1, 1, 1, 1],        # item 9 = 1: urgent
                       "routine": [3, 3, 3, 2, 2, 3, 2, 2, 0]}[tier]  # 20: severe score, routine
            r = c.post("/api/v1/assessments", json={"instrument": "phq9", "answers": answers, "difficulty": 2})
            assert r.status_code == 201, r.text
            if tier == "emergency":
                assert c.post("/api/v1/not-safe", json={"source": "diary"}).status_code == 201
    return people


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_clinicians_morning(page, live_server: LiveServer, base_url, shots, viewport):
    tag = "desk" if viewport == DESKTOP else "phone"
    doctor = unique_email("morning")
    live_server.create_user("clinician", doctor, f"Dr Morning {tag}")
    people = _seed(live_server, doctor, tag)
    emergency = next(n for n, t in people.items() if t == "emergency")

    page.set_viewport_size(viewport)
    j = Journey(page, base_url, shots)
    j.goto("/login", "login")
    sign_in(page, base_url, doctor)

    # ---- the dashboard: patients with the most urgent open alert first
    expect(page.get_by_role("heading", name="My patients")).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text(re.compile(r"\d+ alerts? waiting"))
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(3)
    names = [rows.nth(i).get_by_role("link").first.inner_text().strip() for i in range(3)]
    assert [people[n] for n in names] == ["emergency", "urgent", "routine"], names
    j.check("dashboard")

    # ---- the inbox, sorted by tier
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Alerts").click()
    expect(page.get_by_role("heading", name="Alerts", exact=True)).to_be_visible()
    cards = page.locator("main li.card")
    expect(cards.first).to_be_visible()
    tiers = [cards.nth(i).locator(".badge").first.inner_text() for i in range(cards.count())]
    order = [TIERS.index(t) for t in tiers]
    assert order == sorted(order), f"the inbox is not sorted by tier: {tiers}"
    assert {"EMERGENCY", "URGENT", "ROUTINE"} <= set(tiers), tiers
    j.check("inbox")

    # ---- the patient with the emergency: their page, with charts
    cards.first.get_by_role("link", name=emergency).click()
    expect(page.get_by_role("heading", name=emergency, level=1)).to_be_visible()
    scores = page.locator("section[aria-labelledby=scores]")
    expect(scores.locator("svg[role=img]").first).to_be_visible()
    expect(page.locator("section[aria-labelledby=mood] svg[role=img]")).to_be_visible()
    j.check("patient")

    # ---- acknowledge the emergency with a note
    page.locator("section[aria-labelledby=alerts] li.card").filter(has_text="EMERGENCY").get_by_role("link").first.click()
    expect(page).to_have_url(re.compile(r"/clinician/alerts/[0-9a-f-]+$"))
    expect(page.locator("main .badge.emergency").first).to_be_visible()
    j.check("alert")
    page.get_by_label("Contacted the patient", exact=True).check()   # urgent/emergency: an action (issue 12)
    page.get_by_label(re.compile(r"^Note")).fill("Called the patient at 08:40; crisis team involved.")
    page.get_by_role("button", name="Acknowledge").click()
    expect(page.get_by_role("main")).to_contain_text("Called the patient at 08:40; crisis team involved.")
    j.check("acknowledged")

    # ---- back in the inbox: the emergency is no longer waiting
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Alerts").click()
    expect(page.get_by_role("heading", name="Alerts", exact=True)).to_be_visible()
    open_cards = page.locator("main li.card").filter(has_text=tag)
    expect(open_cards.filter(has_text="EMERGENCY")).to_have_count(0)
    expect(open_cards.filter(has_text="URGENT")).to_have_count(1)
    j.check("inbox-after")
    j.done()
