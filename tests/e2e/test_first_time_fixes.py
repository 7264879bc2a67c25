"""Issue 20 seen fixed in a real browser, on a phone (390 px) and at a desk (1280 px): the mood
scale in one row, the week view, quiz feedback quotes, a homework draft opened from the module
and a failed save that keeps everything, the favicon; and for an admin: search, the "waiting
for a clinician" filter, the invitation page and the confirmation before disabling. Every page
is checked with axe (Journey.check); the key steps are done with the keyboard."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import DESKTOP, PHONE, Journey, LiveServer, Mailbox, api_patient, sign_in, unique_email

M1 = "thoughts-feelings-actions"
TASK = "thought-record-starter"


def _no_favicon_404(page) -> list[str]:  # type: ignore[no-untyped-def]
    missing: list[str] = []
    page.on("response", lambda r: missing.append(r.url) if "favicon" in r.url and r.status >= 400 else None)
    return missing


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_patient_first_week(page, base_url, shots, viewport):
    page.set_viewport_size(viewport)
    missing_icons = _no_favicon_404(page)
    email = unique_email("first-week")
    api = api_patient(base_url, email, name="Robin")
    r = api.post("/api/v1/assessments", json={"instrument": "phq9", "answers": [1, 1, 1, 1, 1, 0, 0, 0, 0],
                                              "difficulty": 1})
    assert r.status_code == 201, r.text
    r = api.post("/api/v1/assessments", json={"instrument": "gad7", "answers": [1, 1, 0, 0, 0, 0, 0],
                                              "difficulty": 1})   # the weekly check-in is the pair
    assert r.status_code == 201, r.text
    sign_in(page, base_url, email)
    j = Journey(page, base_url, shots)
    j.check()

    # ---- the mood scale: 0 to 10 in one row, each end label at its end
    j.goto("/diary", "diary-mood-scale")
    boxes = [page.locator(".scale .radio").nth(i).bounding_box() for i in range(11)]
    assert len({round(b["y"]) for b in boxes}) == 1, f"the scale wraps: {[b['y'] for b in boxes]}"
    assert all(b["width"] >= 24 for b in boxes), "each answer stays at least 24 px wide"
    ends = page.locator(".scale-ends span")
    low, high = ends.nth(0).bounding_box(), ends.nth(1).bounding_box()
    assert abs(low["x"] - boxes[0]["x"]) < 4, "0 = Very low starts at the 0"
    assert abs((high["x"] + high["width"]) - (boxes[10]["x"] + boxes[10]["width"])) < 4, "10 = Very good ends at the 10"
    # by keyboard: Tab into the scale, arrows move along it
    page.locator(".scale input[value='5']").focus()
    page.keyboard.press("ArrowRight")
    expect(page.locator(".scale input[value='6']")).to_be_checked()
    expect(page.locator(".scale input[value='6']")).to_be_focused()

    # ---- the week view: days still to come are not "No entries"
    j.goto("/diary/week", "week-view")
    days = page.locator("section.day")
    n = days.count()
    today_index = next(i for i in range(n) if "(today)" in days.nth(i).locator("h2").inner_text())
    for i in range(n):
        text = days.nth(i).inner_text()
        if i > today_index:
            assert "This day is still to come." in text and "No entries" not in text
        else:
            assert "still to come" not in text

    # ---- quiz feedback: an option that is a quoted thought is quoted once
    j.goto(f"/modules/{M1}/quiz")
    first = page.locator("#f-q0 input").nth(1)
    first.focus()
    page.keyboard.press("Space")                               # "Worried"
    page.locator("#f-q1 input").nth(1).check()
    page.get_by_role("button", name="Check my answers").press("Enter")
    expect(page.locator("#feedback")).to_be_visible()
    j.check("quiz-feedback")
    feedback = page.locator("#feedback").inner_text()
    assert "The answer we had in mind: “She must be fed up with me.”" in feedback
    assert not re.search(r"[“”]\"|\"[“”]|““|””", feedback), feedback

    # ---- homework: the module's practice link opens the draft where it was left
    j.goto(f"/modules/{M1}")
    page.get_by_role("link", name="Thought record: first steps").first.click()
    j.check("homework-blank")
    page.get_by_label("What was happening?").fill("At the bus stop, my friend had not replied all day.")
    page.locator("[name='answers.emotions.0.emotion']").fill("Worried")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("Your draft is saved")).to_be_visible()
    j.check()
    j.goto(f"/modules/{M1}")
    page.get_by_role("link", name="Thought record: first steps").first.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_text("This is the draft you saved")).to_be_visible()
    expect(page.get_by_label("What was happening?")).to_have_value("At the bus stop, my friend had not replied all day.")
    j.check("homework-draft-reopened")
    # a failed save keeps every answer and adds no row
    rows_before = page.locator(".rows-field fieldset.card").count()
    page.get_by_label("What did you notice in your body?").fill("Tight chest")
    page.get_by_role("button", name="Save and finish").click()
    expect(page.get_by_role("heading", name="Some answers need another look")).to_be_visible()
    j.check("homework-failed-save")
    assert page.locator(".rows-field fieldset.card").count() == rows_before
    expect(page.get_by_label("What was happening?")).to_have_value("At the bus stop, my friend had not replied all day.")
    expect(page.get_by_label("What did you notice in your body?")).to_have_value("Tight chest")
    expect(page.locator("[name='answers.emotions.0.emotion']")).to_have_value("Worried")

    # ---- the favicon
    icon = page.request.get(base_url + "/favicon.ico")
    assert icon.status == 200 and icon.headers["content-type"] == "image/x-icon"
    assert page.request.get(base_url + "/static/favicon.svg").status == 200
    assert not missing_icons, missing_icons
    j.done()
    api.close()


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_admin_finds_people_invites_and_disables_with_care(page, browser, live_server: LiveServer,
                                                           mailbox: Mailbox, base_url, shots, viewport):
    page.set_viewport_size(viewport)
    tag = viewport["width"]
    admin, clin = unique_email("admin"), unique_email("clin")
    live_server.create_user("admin", admin, f"Ada Admin {tag}")
    live_server.create_user("clinician", clin, f"Dr Kim {tag}")
    waiting, looked_after = unique_email("waiting"), unique_email("looked")
    api_patient(base_url, waiting, name=f"Wendy Waiting {tag}").close()
    api_patient(base_url, looked_after, name=f"Lou Looked-after {tag}").close()
    live_server.assign(looked_after, clin)
    sign_in(page, base_url, admin)
    j = Journey(page, base_url, shots, who="admin")
    j.check()
    j.goto("/admin", "users")

    # search by part of a name, by keyboard
    page.get_by_label("Find an account").focus()
    page.keyboard.type(f"waiting {tag}")
    page.keyboard.press("Enter")
    expect(page.get_by_role("link", name=f"Wendy Waiting {tag}")).to_be_visible()
    j.check("search")
    expect(page.get_by_role("link", name=f"Lou Looked-after {tag}")).to_have_count(0)

    # patients waiting for a clinician
    page.get_by_role("link", name="Clear the search").click()
    j.check()
    page.get_by_role("link", name="Patients waiting for a clinician").click()
    expect(page.get_by_role("link", name=f"Wendy Waiting {tag}")).to_be_visible()
    expect(page.get_by_role("link", name=f"Lou Looked-after {tag}")).to_have_count(0)
    j.check("waiting-for-a-clinician")

    # an invitation: the new person is welcomed, not warned about other devices
    invitee = unique_email("invitee")
    j.goto("/admin/users/new?role=patient")
    page.get_by_label("Email address").fill(invitee)
    page.get_by_label("Name (optional)").fill(f"Ina Invited {tag}")
    page.get_by_role("button", name="Create the account").click()
    expect(page.get_by_text("Account created.")).to_be_visible()
    j.check()
    body = mailbox.wait_for(invitee)[0].get_payload(decode=True).decode()
    link = re.search(r"http://\S+/reset-password/\S+", body).group(0)
    other = browser.new_page(viewport=viewport)
    k = Journey(other, base_url, shots, who="invitee")
    k.goto(link, "invitation")
    expect(other.get_by_role("heading", name="Welcome to Steady Steps")).to_be_visible()
    assert "other device" not in other.locator("main").inner_text()
    k.done()
    other.close()

    # disabling asks first; the keyboard reaches both answers
    j.goto("/admin?q=" + waiting)
    page.get_by_role("link", name=f"Wendy Waiting {tag}").click()
    j.check()
    page.get_by_role("link", name="Disable the account…").click()
    expect(page.get_by_role("heading", name="Disable this account?")).to_be_visible()
    j.check("confirm-disable")
    yes = page.get_by_role("button", name="Yes, disable the account")
    yes.focus()
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="No, keep it active")).to_be_focused()
    page.keyboard.press("Shift+Tab")
    expect(yes).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_text("The account is disabled and signed out everywhere.")).to_be_visible()
    j.check("disabled")
    j.done()
