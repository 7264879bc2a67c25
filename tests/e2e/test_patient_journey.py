"""Journey 1: a new patient, on a phone (and at a desk), from registration to their progress charts.

Every page reached is checked with axe (Journey.check) and the key ones are photographed."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import DESKTOP, PHONE, Journey, register_patient, unique_email

PHQ9 = [1, 2, 1, 1, 0, 1, 1, 0, 0]          # total 7 (mild), item 9 "Not at all"
GAD7 = [1, 1, 2, 1, 0, 1, 0]                # total 6 (mild)
ANSWER = ["Not at all", "Several days", "More than half the days", "Nearly every day"]
MODULE = "thoughts-feelings-actions"
MODULE_PAGES = 7


def answer_checkin(page, answers: list[int], difficulty: str | None = "Somewhat difficult") -> None:  # type: ignore[no-untyped-def]
    """Tick one answer per question (each question is a fieldset named by its legend)."""
    groups = page.locator("form fieldset")
    for i, value in enumerate(answers):
        groups.nth(i).get_by_label(ANSWER[value], exact=True).check()
    if difficulty:
        groups.nth(len(answers)).get_by_label(difficulty, exact=True).check()


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_new_patient(page, base_url, shots, viewport):
    page.set_viewport_size(viewport)
    j = Journey(page, base_url, shots)
    email = unique_email("journey")

    # ---- registration
    j.goto("/register", "register")
    register_patient(page, base_url, email, name="Robin", journey=j)
    expect(page.get_by_role("heading", name="Hello, Robin")).to_be_visible()
    j.check("home-new")

    # ---- baseline check-in from the home page's next step: the PHQ-9, then the GAD-7, one result
    page.get_by_role("link", name="Do my check-in").click()
    expect(page.get_by_role("heading", name=re.compile("Mood check-in"))).to_be_visible()
    expect(page.get_by_text("Your weekly check-in: part 1 of 2")).to_be_visible()
    j.check("phq9-form")
    answer_checkin(page, PHQ9)
    page.get_by_role("button", name="Next: the anxiety questions").click()
    expect(page.get_by_role("heading", name=re.compile("Anxiety check-in"))).to_be_visible()
    expect(page.get_by_text("Your weekly check-in: part 2 of 2")).to_be_visible()
    j.check("gad7-form")
    answer_checkin(page, GAD7)  # the GAD-7 ends with the difficulty question too
    page.get_by_role("button", name="See my result").click()
    expect(page.get_by_role("heading", name="Your check-in results")).to_be_visible()
    expect(page.locator(".score").nth(0)).to_contain_text("7 out of 27")
    expect(page.locator(".score").nth(0)).to_contain_text("mild")
    expect(page.locator(".score").nth(1)).to_contain_text("6 out of 21")
    j.check("weekly-result")

    # ---- the check-ins page: nothing due now, either part can be done alone
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Check-ins").click()
    expect(page.get_by_role("heading", name="Check-ins", exact=True)).to_be_visible()
    expect(page.get_by_text(re.compile("Your next weekly check-in \\(PHQ-9 and GAD-7\\) is due"))).to_be_visible()
    j.check("checkins")

    # ---- module 1, every page, the quiz, finished
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Modules").click()
    expect(page.get_by_role("heading", name="Your modules")).to_be_visible()
    j.check("modules")
    page.get_by_role("link", name="Start module 1").click()
    expect(page).to_have_url(re.compile(f"/modules/{MODULE}$"))
    j.check("module-1")
    page.get_by_role("main").get_by_role("link", name="Start module 1").click()
    for n in range(1, MODULE_PAGES + 1):
        expect(page.get_by_text(f"Page {n} of ", exact=False).first).to_be_visible()
        expect(page).to_have_url(re.compile(f"/modules/{MODULE}/pages/"))
        j.check(f"lesson-{n}" if n in (1, MODULE_PAGES) else None)
        page.get_by_role("navigation", name="Module pages").locator("a[rel=next]").click()
    expect(page.get_by_role("heading", name="Check your understanding")).to_be_visible()
    j.check("quiz")
    page.get_by_label('"She must be fed up with me."').check()
    page.get_by_label("When thoughts, emotions, body and actions feed each other", exact=False).check()
    page.get_by_role("button", name="Check my answers").click()
    expect(page.get_by_role("heading", name="Your answers")).to_be_visible()
    j.check("quiz-feedback")
    page.get_by_role("button", name="I have finished this module").click()
    expect(page).to_have_url(re.compile(f"/modules/{MODULE}/finished"))
    # Module 2 is locked, and the patient is told when it opens (the interval is 7 days here).
    expect(page.get_by_role("main")).to_contain_text(re.compile(r"Module 2 opens on \w+day \d{1,2} \w+"))
    j.check("module-finished")
    j.goto("/modules/noticing-patterns", "module-2-locked")
    expect(page.get_by_role("main")).to_contain_text(re.compile(r"opens on \w+day \d{1,2} \w+"))

    # ---- homework: the thought record, with one emotion row
    j.goto("/homework/thought-record-starter")
    page.get_by_label("What was happening?").fill("Waiting for the bus in the rain; a friend did not reply.")
    page.get_by_label("What went through your mind?").fill("She must be fed up with me.")
    row1 = page.get_by_role("group", name="What did you feel?: Row 1")
    row1.get_by_label("Emotion").fill("Worried")
    row1.get_by_label("How strong was it?").fill("70")
    page.get_by_label("What did you notice in your body?").fill("Tight chest")
    j.shots(page, "homework-filled")
    page.get_by_role("button", name="Save and finish").click()
    expect(page).to_have_url(re.compile("/workbook"))
    expect(page.get_by_role("status")).to_contain_text("Saved")
    j.check("workbook")
    page.get_by_role("link", name=re.compile("Entry from .*Thought record")).click()
    expect(page.get_by_label("What went through your mind?")).to_have_value("She must be fed up with me.")
    expect(page.get_by_role("group", name="What did you feel?: Row 1").get_by_label("Emotion")).to_have_value("Worried")
    expect(page.get_by_role("group", name="What did you feel?: Row 1").get_by_label("How strong was it?")).to_have_value("70")
    j.check("homework-saved")

    # ---- the mood diary
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Diary", exact=True).click()
    expect(page.get_by_role("heading", name="Mood diary")).to_be_visible()
    j.check("diary-empty")
    page.get_by_role("group", name="How is your mood right now?").get_by_label("6", exact=True).check()
    page.get_by_label("Hopeful").check()
    page.get_by_text("Add more details").click()
    page.get_by_label("Note").fill("A walk by the river helped.")
    page.get_by_role("button", name="Save entry").click()
    expect(page).to_have_url(re.compile(r"/diary\?saved="))
    expect(page.get_by_role("status")).to_be_visible()
    expect(page.locator(".entry-list")).to_contain_text("Mood 6")
    expect(page.locator(".entry-list")).to_contain_text("A walk by the river helped.")
    j.check("diary-saved")

    # ---- progress: charts with a PHQ-9 point and a mood point, and the numbers behind them
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Progress").click()
    expect(page.get_by_role("heading", name="Your progress")).to_be_visible()
    mood = page.locator("section.chart-figure").filter(has=page.get_by_role("heading", name=re.compile("mood", re.I)))
    phq9 = page.locator("section.chart-figure").filter(has=page.get_by_role("heading", name=re.compile("PHQ-9")))
    for chart in (mood, phq9):
        expect(chart.locator("svg[role=img]")).to_have_count(1)
        expect(chart.locator("svg circle").first).to_be_attached()
    expect(phq9.locator("svg circle")).to_have_count(1)          # one check-in, one point
    expect(mood.locator("svg circle")).to_have_count(2)          # one entry + the legend's dot
    for details in page.get_by_text("Show the numbers").all():
        details.click()
    expect(phq9.locator("table tbody tr")).to_have_count(1)
    expect(phq9.locator("table tbody tr")).to_contain_text("7")
    expect(mood.locator("table tbody tr")).to_have_count(1)
    expect(mood.locator("table tbody tr")).to_contain_text("6")
    j.check("progress")
    j.done()
