"""Journey 2: a crisis, end to end (clinical-rules.md sections 4 and 5).

PHQ-9 item 9 "More than half the days" -> the result page shows crisis resources at once and
offers the safety plan -> the assigned clinician gets an e-mail with no health data in it ->
the clinician acknowledges from the inbox -> the patient reads that the care team has seen it.
And "I am not safe right now" from the diary: a full-page crisis screen, and e-mail to the
on-call list."""

from __future__ import annotations

import re
from email.message import Message

from playwright.sync_api import expect

from tests.e2e.conftest import (
    DESKTOP,
    PHONE,
    Journey,
    LiveServer,
    Mailbox,
    register_patient,
    sign_in,
    unique_email,
)
from tests.e2e.test_patient_journey import ANSWER

#: total 13 (moderate); item 9 = 2 ("More than half the days"): the urgent item9_high rule.
CRISIS_PHQ9 = [2, 2, 1, 2, 1, 1, 1, 1, 2]
CRISIS_TOTAL = 13
ONCALL = "oncall@example.org"
PATIENT_NAME = "Jordan"


def mail_text(msg: Message) -> str:
    """Subject and every text part, decoded (base64 / quoted-printable)."""
    parts = [str(msg["Subject"] or "")]
    for part in msg.walk():
        if part.get_content_maintype() == "text":
            payload = part.get_payload(decode=True) or b""
            parts.append(payload.decode(part.get_content_charset() or "utf-8", "replace"))
    return "\n".join(parts)


def forbidden_phrases() -> set[str]:
    """Words that would say what the alert is about: the rules' names and labels, the
    instruments, their items and answers, bands, and the words of a crisis."""
    from app.assessments import scoring
    from app.monitoring import rules

    phrases = {"better off dead", "hurting yourself", "item 9", "item9", "phq", "gad", "score",
               "suicid", "self-harm", "more than half the days", "nearly every day", "not safe",
               "not_safe", "minimal", "mild", "moderate", "severe", "mood", "diary", "check-in"}
    phrases |= {v.lower() for k, v in vars(rules).items() if k.isupper() and isinstance(v, str)}  # rule ids
    try:
        from app.alerts.service import RULE_LABELS
        phrases |= {label.lower() for label in RULE_LABELS.values()}
    except ImportError:
        pass
    for spec in scoring.INSTRUMENTS.values():
        phrases |= {item.text.lower() for item in spec.items}
    return phrases


def assert_no_health_data(msg: Message, *, patient_email: str, patient_name: str) -> None:
    """clinical-rules.md section 5: only that an alert of tier X is waiting, and a link."""
    text = mail_text(msg)
    words = re.sub(r"https?://\S+", " ", text)   # the link's port number is not a score
    low = words.lower()
    assert patient_email.lower() not in text.lower(), "the patient's e-mail address is in the alert e-mail"
    assert patient_name.lower() not in low, "the patient's name is in the alert e-mail"
    for phrase in forbidden_phrases():
        assert phrase not in low, f"health data ({phrase!r}) in the alert e-mail: {text!r}"
    assert not re.search(rf"\b{CRISIS_TOTAL}\b", words), f"the score {CRISIS_TOTAL} is in the alert e-mail: {text!r}"
    assert re.search(r"https?://\S+/clinician", text), f"no link to the dashboard in the alert e-mail: {text!r}"


def answer_phq9(page, answers: list[int]) -> None:  # type: ignore[no-untyped-def]
    groups = page.locator("form fieldset")
    for i, value in enumerate(answers):
        groups.nth(i).get_by_label(ANSWER[value], exact=True).check()
    groups.nth(len(answers)).get_by_label("Very difficult", exact=True).check()


def test_item9_reaches_the_clinician_and_back(page, browser, live_server: LiveServer, mailbox: Mailbox,
                                              base_url, shots):
    doctor, patient = unique_email("doc"), unique_email("crisis")
    live_server.create_user("clinician", doctor, "Dr Sam Okafor")

    # ---- the patient, on a phone
    page.set_viewport_size(PHONE)
    pj = Journey(page, base_url, shots, who="patient")
    pj.goto("/register?safe=yes")
    register_patient(page, base_url, patient, name=PATIENT_NAME, journey=pj)
    expect(page.get_by_role("heading", name=f"Hello, {PATIENT_NAME}")).to_be_visible()
    pj.check()
    live_server.assign(patient, doctor)

    pj.goto("/checkins/phq9", "phq9-form")
    answer_phq9(page, CRISIS_PHQ9)
    page.get_by_role("button", name="See my result").click()
    expect(page).to_have_url(re.compile(r"/checkins/results/"))
    # crisis resources at once, above the score: a number to call, and the safety plan
    crisis = page.locator("section.crisis").first
    expect(crisis).to_be_visible()
    expect(crisis.locator('a[href^="tel:"]').first).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text(re.compile(r"Your care team (has been told|is being told now)"))
    expect(page.get_by_role("link", name="Write a safety plan")).to_be_visible()
    expect(page.locator(".score")).to_contain_text(f"{CRISIS_TOTAL} out of 27")
    assert crisis.bounding_box()["y"] < page.locator(".score").bounding_box()["y"], \
        "the crisis resources must come before the score"
    pj.check("phq9-result-crisis")

    pj.goto("/", "home-told")
    expect(page.get_by_role("heading", name="From your care team")).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text(re.compile(r"Your care team (has been told|is being told now)"))

    # ---- the assigned clinician's e-mail: no health data
    [msg] = mailbox.wait_for(doctor, timeout=30)
    assert_no_health_data(msg, patient_email=patient, patient_name=PATIENT_NAME)
    assert "urgent" in mail_text(msg).lower(), "the e-mail names the tier"

    # ---- the clinician, at a desk: inbox, patient, acknowledge with a note
    ctx = browser.new_context(viewport=DESKTOP)
    try:
        cpage = ctx.new_page()
        cj = Journey(cpage, base_url, shots, who="clinician")
        cj.goto("/login")
        sign_in(cpage, base_url, doctor)
        expect(cpage.get_by_role("heading", name="My patients")).to_be_visible()
        expect(cpage.get_by_role("main")).to_contain_text("1 urgent")
        cj.check("dashboard")
        cpage.get_by_role("navigation", name="Main").get_by_role("link", name="Alerts").click()
        expect(cpage.get_by_role("heading", name="Alerts", exact=True)).to_be_visible()
        card = cpage.locator("li.card").filter(has_text=PATIENT_NAME)
        expect(card).to_have_count(1)
        expect(card).to_contain_text("URGENT")
        cj.check("inbox")
        card.get_by_role("link", name=PATIENT_NAME).click()
        expect(cpage.get_by_role("heading", name=PATIENT_NAME, level=1)).to_be_visible()
        expect(cpage.locator("#scores ~ section, section[aria-labelledby=scores]").locator("svg").first).to_be_visible()
        expect(cpage.get_by_role("main")).to_contain_text("item 9")
        cj.check("patient")
        cpage.locator("section[aria-labelledby=alerts]").get_by_role("link").first.click()
        expect(cpage).to_have_url(re.compile(r"/clinician/alerts/[0-9a-f-]+$"))
        cj.check("alert")
        cpage.get_by_label("Contacted the patient", exact=True).check()
        cpage.get_by_label(re.compile(r"^Note")).fill("Phoned Jordan; safety plan reviewed together.")
        cpage.get_by_role("button", name="Acknowledge").click()
        expect(cpage.get_by_role("main")).to_contain_text("Phoned Jordan; safety plan reviewed together.")
        expect(cpage.get_by_role("main").locator(".badge", has_text="acknowledged").first).to_be_visible()
        cj.check("alert-acknowledged")
        cj.done()
    finally:
        ctx.close()

    # ---- the patient sees, in plain words, that the care team has seen it
    pj.goto("/", "home-seen")
    expect(page.get_by_role("main")).to_contain_text("Your care team has seen this")
    pj.done()


def test_not_safe_from_the_diary_raises_an_emergency(page, live_server: LiveServer, mailbox: Mailbox,
                                                     base_url, shots):
    doctor, patient = unique_email("doc"), unique_email("notsafe")
    live_server.create_user("clinician", doctor)
    page.set_viewport_size(PHONE)
    j = Journey(page, base_url, shots)
    j.goto("/register?safe=yes")
    register_patient(page, base_url, patient, name="Casey", journey=j)
    expect(page.get_by_role("heading", name="Hello, Casey")).to_be_visible()
    j.check()
    live_server.assign(patient, doctor)
    oncall_before = len(mailbox.to(ONCALL))

    j.goto("/diary", "diary")
    page.get_by_role("button", name="I am not safe right now").click()
    # the full-page crisis screen: an emergency number to call, straight away
    expect(page.locator("section.crisis").first).to_be_visible()
    expect(page.locator('section.crisis a[href="tel:999"]').first).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("help", re.I))
    j.check("crisis-screen")
    j.done()

    oncall = mailbox.wait_for(ONCALL, timeout=30, count=oncall_before + 1)[-1]
    [assigned] = mailbox.wait_for(doctor, timeout=30)
    for msg in (oncall, assigned):
        assert "emergency" in mail_text(msg).lower(), mail_text(msg)
        assert_no_health_data(msg, patient_email=patient, patient_name="Casey")
