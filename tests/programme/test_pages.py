"""The programme in the browser (TestClient): a new patient's first module from start to
finish, the weekly check-in before a module, locked modules, every page of every module."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from markupsafe import escape
from sqlalchemy import select

from app.config import ROOT, get_settings
from app.programme import content
from app.programme.models import ModuleProgress, QuizResponse
from tests.factories import browser_login, csrf_from, make_user
from tests.programme.support import M1, M2, do_checkin, links, thought_record_form

PROGRAMME = content.load(ROOT / "modules_content")
ALL_PAGES = [(m.slug, p.slug) for m in PROGRAMME.modules for p in m.pages]


def test_new_patient_walks_through_module_one(client, session, frozen_clock, monkeypatch):
    patient = make_user(session, name="Sam")
    browser_login(client, patient)

    r = client.get("/modules")
    assert r.status_code == 200
    assert "Start module 1" in r.text
    assert "Module 2 opens when you finish module 1, and not before Monday 9 March (7 days after module 1 opened)." in r.text

    # The module begins with the weekly check-in: nothing else lets the patient past it.
    first = f"/modules/{M1}/pages/welcome"
    r = client.get(first)
    assert r.status_code == 200 and "First, your weekly check-in" in r.text
    assert f'href="/checkins/weekly?next=/modules/{M1}"' in r.text
    assert "We are glad you are here" not in r.text
    assert session.scalars(select(ModuleProgress)).all() == []
    do_checkin(session, patient)

    # Page by page, following the "Next page" links.
    r = client.get(first)
    assert r.status_code == 200 and "We are glad you are here" in r.text
    assert "Page 1 of 8" in r.text and 'aria-valuemax="8" aria-valuenow="1"' in r.text
    url, seen = first, []
    while True:
        page = client.get(url)
        assert page.status_code == 200, url
        seen.append(url)
        nxt = re.search(r'<a class="button" href="([^"]+)" rel="next">', page.text)
        if nxt is None:
            break
        url = nxt.group(1)
    assert seen[-1] == f"/modules/{M1}/quiz" and len(seen) == 8
    assert "Page 8 of 8" in page.text and "I have finished this module" in page.text

    # Resume where you left off.
    client.get(f"/modules/{M1}/pages/thoughts-and-feelings")
    r = client.get(f"/modules/{M1}")
    assert "Carry on from page 4" in r.text and "Thoughts and feelings" in r.text
    assert "Carry on where I left off" in client.get("/").text

    # Check your understanding: feedback after answering, answers stored encrypted.
    token = csrf_from(page.text)
    r = client.post(f"/modules/{M1}/quiz", data={"csrf_token": token, "q0": "1"})
    assert r.status_code == 422 and "Please choose an answer" in r.text  # question 2 unanswered
    assert session.scalars(select(QuizResponse)).all() == []
    r = client.post(f"/modules/{M1}/quiz", data={"csrf_token": token, "q0": "1", "q1": "1"})
    assert r.status_code == 200 and "Not quite. Worried is an emotion." in r.text
    assert "Yes. Each part can make the others stronger." in r.text
    stored = session.scalars(select(QuizResponse)).one()
    assert stored.content_version == 2 and b"[1,1]" not in bytes(stored.answers_enc)

    # The thought record from this week's practice.
    form = client.get("/homework/thought-record-starter")
    assert form.status_code == 200 and "Thought record: first steps" in form.text
    key = re.search(r'name="form_key" value="([^"]+)"', form.text).group(1)
    r = client.post("/homework/thought-record-starter", data={
        "csrf_token": token, "form_key": key, "action": "submit", **thought_record_form()}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/workbook?notice=saved")
    wb = client.get("/workbook")
    assert "Thought record: first steps" in wb.text and "Done" in wb.text
    printed = client.get("/workbook/print")
    assert "She must be fed up with me." in printed.text and "70 out of 100" in printed.text

    # Finish the module: module 2 is locked, with its opening date.
    r = client.post(f"/modules/{M1}/complete", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/modules/{M1}/finished"
    r = client.get(r.headers["location"])
    assert "You have finished module 1" in r.text and "Module 2 opens on Monday 9 March (7 days after module 1 opened)." in r.text
    progress = session.scalars(select(ModuleProgress)).one()
    session.refresh(progress)
    assert progress.completed_at == datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    assert progress.content_version_completed == 2 and progress.content_version_read == 2
    r = client.get(f"/modules/{M2}")
    assert r.status_code == 403 and "Module 2 opens on Monday 9 March." in r.text
    assert "What you can do now" in r.text
    # completed modules stay readable
    assert client.get(f"/modules/{M1}/pages/vicious-cycles").status_code == 200
    assert "Read it again" in client.get(f"/modules/{M1}").text

    # With no interval, the next module opens as soon as the last one is finished.
    monkeypatch.setenv("ICBT_MODULE_INTERVAL_DAYS", "0")
    get_settings.cache_clear()
    r = client.get(f"/modules/{M2}")
    assert r.status_code == 200 and "Start module 2" in r.text
    # ... and its first page asks for the check-in only when the last one is 6+ days old
    assert "Why keep track?" in client.get(f"/modules/{M2}/pages/why-keep-track").text
    frozen_clock(datetime(2026, 3, 8, 9, 0, tzinfo=UTC))
    browser_login(client, patient)  # the session has timed out in the meantime
    assert "First, your weekly check-in" in client.get(f"/modules/{M2}/pages/why-keep-track").text


def test_module_two_opens_a_week_later(client, session, frozen_clock):
    patient = make_user(session)
    browser_login(client, patient)
    do_checkin(session, patient)
    page = client.get(f"/modules/{M1}/pages/welcome")
    client.post(f"/modules/{M1}/complete", data={"csrf_token": csrf_from(page.text)})
    assert client.get(f"/modules/{M2}").status_code == 403
    frozen_clock(datetime(2026, 3, 9, 8, 59, tzinfo=UTC))
    browser_login(client, patient)
    r = client.get(f"/modules/{M2}")
    assert r.status_code == 403 and "later today, at 09:00 UTC" in r.text
    frozen_clock(datetime(2026, 3, 9, 9, 0, tzinfo=UTC))
    browser_login(client, patient)
    assert client.get(f"/modules/{M2}").status_code == 200


def test_locked_pages_quiz_and_homework_are_friendly_403s(client, session, frozen_clock):
    patient = make_user(session)
    browser_login(client, patient)
    token = csrf_from(client.get("/modules").text)
    for url in [f"/modules/{M2}", f"/modules/{M2}/pages/why-keep-track", f"/modules/{M2}/quiz",
                f"/modules/{M2}/finished", "/homework/activity-mood-log"]:
        r = client.get(url)
        assert r.status_code == 403, url
        assert "Module 2 is not open yet" in r.text and "once you have finished module 1" in r.text, url
        assert "Start module 1" in r.text, url
    for url in [f"/modules/{M2}/complete", f"/modules/{M2}/quiz", "/homework/activity-mood-log"]:
        r = client.post(url, data={"csrf_token": token, "q0": "0", "q1": "0"})
        assert r.status_code == 403 and "Module 2 is not open yet" in r.text, url
    assert session.scalars(select(ModuleProgress)).all() == []


def test_unknown_module_or_page_is_404(client, session):
    patient = make_user(session)
    browser_login(client, patient)
    assert client.get("/modules/no-such-module").status_code == 404
    assert client.get(f"/modules/{M1}/pages/no-such-page").status_code == 404


@pytest.mark.parametrize(("module_slug", "page_slug"), ALL_PAGES)
def test_every_page_of_every_module_renders(client, session, module_slug, page_slug, monkeypatch):
    monkeypatch.setenv("ICBT_MODULE_INTERVAL_DAYS", "0")
    get_settings.cache_clear()
    patient = make_user(session)
    from app.programme import service
    for m in PROGRAMME.modules:  # open every module
        if m.slug == module_slug:
            break
        service.complete(session, patient.user, m.slug)
    do_checkin(session, patient)
    browser_login(client, patient)
    module = PROGRAMME.module(module_slug)
    page = module.page(page_slug)
    r = client.get(f"/modules/{module_slug}/pages/{page_slug}")
    assert r.status_code == 200
    assert f"<h1>{escape(page.title)}</h1>" in r.text
    assert f"Page {page.index + 1} of {len(module.pages) + 1}" in r.text
    assert "<script" not in r.text and 'style="' not in r.text
    assert page.html in r.text
    for href in links(r.text):
        assert not href.startswith("javascript:")
    quiz = client.get(f"/modules/{module_slug}/quiz")
    assert quiz.status_code == 200 and str(escape(module.quiz[0].question)) in quiz.text
