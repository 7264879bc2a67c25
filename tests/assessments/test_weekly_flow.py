"""The weekly check-in in the browser: "Do my check-in" asks the PHQ-9 and then the GAD-7, with
one result page for both; every error of a form at once (difficulty included), values kept."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest

from app import clock
from tests.assessments.support import GAD7_MODERATE, PHQ9_MODERATE, count_assessments
from tests.assessments.test_assessments_pages import answers_form, squash, text_of
from tests.factories import browser_login, csrf_from, make_user


@pytest.fixture
def alice(client, session):  # type: ignore[no-untyped-def]
    p = make_user(session)
    browser_login(client, p)
    return p


def post_form(client, url: str, data: dict):  # type: ignore[no-untyped-def]
    """GET the form at url (with its query), then POST it with its own hidden fields."""
    page = client.get(url).text
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page))
    action = re.search(r'<form method="post" action="([^"]+)" class="card">', page).group(1)
    return client.post(action, data={**hidden, "csrf_token": csrf_from(page), **data}, follow_redirects=False)


def test_do_my_checkin_asks_phq9_then_gad7_then_one_result(client, session, alice):
    r = client.get("/checkins/weekly", follow_redirects=False)
    assert r.status_code == 303
    first = r.headers["location"]
    assert first.startswith("/checkins/phq9?flow=phq9,gad7")
    page = text_of(client.get(first).text)
    assert "Your weekly check-in: part 1 of 2" in page and "Next: the anxiety questions" in page

    r = post_form(client, first, answers_form(PHQ9_MODERATE, 1))
    assert r.status_code == 303
    second = r.headers["location"]
    assert second.startswith("/checkins/gad7?flow=phq9,gad7&done=")
    page = client.get(second).text
    assert "part 2 of 2" in text_of(page)
    assert "Over the last 2 weeks, how often have you been bothered by the following problems?" in squash(page)

    r = post_form(client, second, answers_form(GAD7_MODERATE, 2))
    assert r.status_code == 303
    result = r.headers["location"]
    assert result.startswith("/checkins/weekly/result?ids=")
    assert len(parse_qs(urlparse(result).query)["ids"][0].split(",")) == 2
    page = text_of(client.get(result).text)
    assert "Your check-in results" in page
    assert "Mood check-in (PHQ-9)" in page and "Anxiety check-in (GAD-7)" in page
    assert "11 out of 27" in page and "11 out of 21" in page
    assert count_assessments(session, alice.id) == 2

    # nothing due now; "Do my check-in" still asks both if the patient wants to
    assert "Do both now" in text_of(client.get("/checkins").text)
    assert client.get("/checkins/weekly", follow_redirects=False).headers["location"].startswith(
        "/checkins/phq9?flow=phq9,gad7")


def test_a_week_later_both_are_due_again(client, session, frozen_clock):
    p = make_user(session)
    browser_login(client, p)
    post_form(client, "/checkins/phq9?flow=phq9,gad7", answers_form(PHQ9_MODERATE, 1))
    post_form(client, "/checkins/gad7", answers_form(GAD7_MODERATE, 1))
    assert "Your weekly check-in is ready" not in text_of(client.get("/checkins").text)
    frozen_clock(clock.now() + timedelta(days=7, minutes=1))
    browser_login(client, p)
    page = text_of(client.get("/checkins").text)
    assert "Your weekly check-in is ready: mood check-in (PHQ-9), then anxiety check-in (GAD-7)" in page
    assert client.get("/checkins/weekly", follow_redirects=False).headers["location"].startswith(
        "/checkins/phq9?flow=phq9,gad7")


def test_only_what_is_still_due_is_asked(client, session, alice):
    post_form(client, "/checkins/phq9", answers_form(PHQ9_MODERATE, 1))  # the PHQ-9 alone
    r = client.get("/checkins/weekly", follow_redirects=False)
    assert r.headers["location"].startswith("/checkins/gad7?flow=gad7")
    r = post_form(client, r.headers["location"], answers_form(GAD7_MODERATE, 1))
    assert r.headers["location"].startswith("/checkins/weekly/result?ids=")


def test_every_error_at_once_with_the_difficulty_question(client, session, alice):
    """One submit shows the missing items AND the difficulty question (an answer is above 0),
    with what was ticked kept; nothing stored."""
    r = post_form(client, "/checkins/gad7?flow=phq9,gad7", {"q1": "2", "q3": "0"})
    assert r.status_code == 422
    page = squash(r.text)
    for n in (2, 4, 5, 6, 7):
        assert f"Please choose an answer for question {n}." in page
    assert "You ticked at least one problem, so please also answer this last question." in page
    assert re.search(r'name="q1" value="2"[^>]*checked', page)
    assert 'name="flow" value="phq9,gad7"' in page  # still in the weekly flow
    assert count_assessments(session, alice.id) == 0
    # all "Not at all": the difficulty question is not required
    r = post_form(client, "/checkins/gad7", answers_form([0] * 7))
    assert r.status_code == 303


def test_urgent_phq9_shows_its_help_before_the_gad7(client, session, alice):
    r = post_form(client, "/checkins/phq9?flow=phq9,gad7", answers_form([1, 1, 1, 1, 1, 1, 1, 1, 2], 1))
    loc = r.headers["location"]
    assert loc.startswith("/checkins/results/") and "next=%2Fcheckins%2Fgad7" in loc
    page = client.get(loc).text
    assert "pathway-urgent" in page and "Carry on with the next questions" in text_of(page)


def test_someone_elses_result_is_404(client, session, alice):
    post_form(client, "/checkins/phq9", answers_form(PHQ9_MODERATE, 1))
    from app.assessments import service
    session.rollback()
    [mine] = service.history(session, alice.id)
    bob = make_user(session)
    browser_login(client, bob)
    assert client.get(f"/checkins/weekly/result?ids={mine.id}").status_code == 404
    assert client.get("/checkins/weekly/result?ids=nonsense").status_code == 404


def test_module_interstitial_asks_for_both(client, session, alice):
    from app.programme import service as programme
    post_form(client, "/checkins/phq9", answers_form(PHQ9_MODERATE, 1))
    session.rollback()
    assert programme.checkin_needed(session, alice.user) is True  # the GAD-7 is still to do
    post_form(client, "/checkins/gad7", answers_form(GAD7_MODERATE, 1))
    session.rollback()
    assert programme.checkin_needed(session, alice.user) is False
