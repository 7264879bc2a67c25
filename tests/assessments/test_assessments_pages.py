"""Check-in pages: the exact instrument wording, server-side validation with the message beside
the item, the result (band, meaning, change, escalation, crisis resources), item 9 asked again,
history, progress, "I am not safe right now"."""

from __future__ import annotations

import html as htmllib
import re
import uuid
from datetime import timedelta

import pytest

from app import clock
from app.assessments import scoring
from tests.assessments.support import GAD7_MODERATE, PHQ9_MILD, PHQ9_MODERATE, count_assessments
from tests.factories import api_token, browser_login, csrf_from, make_user


@pytest.fixture
def alice(client, session):  # type: ignore[no-untyped-def]
    p = make_user(session)
    browser_login(client, p)
    return p


def answers_form(answers: list[int], difficulty: int | None = None) -> dict[str, str]:
    data = {f"q{i}": str(a) for i, a in enumerate(answers, start=1)}
    if difficulty is not None:
        data["difficulty"] = str(difficulty)
    return data


def post_checkin(client, instrument: str, data: dict, **kw):  # type: ignore[no-untyped-def]
    page = client.get(f"/checkins/{instrument}").text
    key = re.search(r'name="idempotency_key" value="([^"]+)"', page).group(1)
    return client.post(f"/checkins/{instrument}", data={"csrf_token": csrf_from(page), "idempotency_key": key,
                                                        **data}, follow_redirects=False, **kw)


def squash(html: str) -> str:
    return htmllib.unescape(re.sub(r"\s+", " ", html))


def text_of(html: str) -> str:
    """The words a person reads: tags dropped, spaces squashed."""
    return re.sub(r" +", " ", squash(re.sub(r"<[^>]+>", " ", html))).replace(" .", ".").replace(" ,", ",")


@pytest.mark.parametrize("key", ["phq9", "gad7"])
def test_form_has_the_exact_wording_in_fieldsets(client, alice, key):
    spec = scoring.INSTRUMENTS[key]
    r = client.get(f"/checkins/{key}")
    assert r.status_code == 200
    page = squash(r.text)
    assert "<script" not in r.text and "style=" not in r.text
    assert spec.header in page
    for item in spec.items:
        assert f"<legend>{item.number}. {item.text}</legend>" in page
        for o in spec.options:
            assert f'name="q{item.number}" value="{o.value}"' in page
    for o in spec.options:
        assert f"<span>{o.label}</span>" in page
    assert page.count("<fieldset") == spec.n_items + (1 if spec.difficulty else 0)
    if spec.difficulty:
        assert spec.difficulty.text in page and "Answer this if you ticked any problem" in page
        for o in spec.difficulty.options:
            assert f"<span>{o.label}</span>" in page


def test_unknown_instrument_is_404(client, alice):
    assert client.get("/checkins/bdi2").status_code == 404


def test_every_item_is_required_on_the_web_form(client, session, alice):
    data = answers_form(PHQ9_MODERATE, 1)
    del data["q4"]
    data["q7"] = "4"
    r = post_checkin(client, "phq9", data)
    assert r.status_code == 422
    assert "Please choose an answer for question 4." in r.text and "Please choose an answer for question 7." in r.text
    assert 'href="#f-q4"' in r.text and 'id="f-q4"' in r.text
    # what was ticked is kept
    assert re.search(r'name="q1" value="2"\s+checked', r.text)
    assert count_assessments(session) == 0


def test_difficulty_is_required_when_any_problem_is_ticked(client, session, alice):
    r = post_checkin(client, "phq9", answers_form(PHQ9_MILD))
    assert r.status_code == 422 and "please also answer this last question" in r.text
    assert 'id="f-difficulty"' in r.text
    assert count_assessments(session) == 0
    r = post_checkin(client, "phq9", answers_form([0] * 9))  # nothing ticked: not needed
    assert r.status_code == 303
    assert count_assessments(session) == 1


def test_result_page_shows_band_meaning_and_change(client, session, frozen_clock):
    p = make_user(session)
    browser_login(client, p)
    r = post_checkin(client, "phq9", answers_form([2, 2, 2, 2, 2, 2, 1, 1, 0], 2))  # 14 moderate
    assert r.status_code == 303
    first = text_of(client.get(r.headers["location"]).text)
    assert "14 out of 27" in first and "in the moderate range" in first
    assert "This is not a diagnosis" in first
    assert "This is your first PHQ-9 check-in, so it is your starting point." in first
    frozen_clock(clock.now() + timedelta(days=7))
    browser_login(client, p)
    r = post_checkin(client, "phq9", answers_form([1, 1, 1, 0, 1, 0, 0, 0, 0], 1))  # 4 minimal
    second = text_of(client.get(r.headers["location"]).text)
    assert "4 out of 27" in second and "in the minimal range" in second
    assert "Your score is 10 points lower than at your first check-in" in second
    assert "reliable improvement" in second
    assert "called a response" in second and "remission" in second
    # the first result, seen later, still compares only with what came before it
    first_again = text_of(client.get(f"/checkins/results/{_ids(session, p)[0]}").text)
    assert "This is your first PHQ-9 check-in" in first_again


def _ids(session, person):  # type: ignore[no-untyped-def]
    from app.assessments import service
    session.rollback()
    return [v.id for v in service.history(session, person.id)]


def test_result_page_reliable_rise_and_recovery_words(client, session, frozen_clock):
    p = make_user(session)
    browser_login(client, p)
    post_checkin(client, "gad7", answers_form([0, 1, 0, 1, 0, 0, 0], 0))  # 2
    frozen_clock(clock.now() + timedelta(days=7))
    browser_login(client, p)
    r = post_checkin(client, "gad7", answers_form(GAD7_MODERATE, 1))  # 11
    page = text_of(client.get(r.headers["location"]).text)
    assert "9 points higher" in page and "reliable rise" in page and "moderate range" in page


def test_item9_shows_crisis_resources_and_the_safety_plan(client, alice, monkeypatch):
    from app.monitoring import hooks
    monkeypatch.setattr(hooks, "on_checkin", lambda *a: [])  # even with no flags (monitor absent)
    r = post_checkin(client, "phq9", answers_form([1, 1, 1, 1, 1, 1, 1, 1, 1], 1))
    page = client.get(r.headers["location"]).text
    assert 'href="/safety-plan/edit"' in page and "Write a safety plan" in page   # none yet
    assert "the steps and people you chose" not in page
    assert "If you are having thoughts of hurting yourself" in page
    assert 'href="tel:999"' in page and "116 123" in page  # the shipped example's resources
    assert 'action="/checkins/not-safe"' in page


def test_no_crisis_box_without_item9_or_a_severe_score(client, alice, monkeypatch):
    from app.monitoring import hooks
    monkeypatch.setattr(hooks, "on_checkin", lambda *a: [])
    r = post_checkin(client, "phq9", answers_form(PHQ9_MODERATE, 1))
    page = client.get(r.headers["location"]).text
    assert "If you are having thoughts of hurting yourself" not in page
    assert "Open your safety plan" not in page and 'href="/safety-plan/edit"' not in page  # (the menu links it always)
    assert 'action="/checkins/not-safe"' in page  # always there


def test_escalation_pathway_is_shown_at_once(client, alice, monkeypatch):
    from app.monitoring import hooks
    from app.monitoring.rules import Flag, Tier
    monkeypatch.setattr(hooks, "on_checkin", lambda *a: [Flag("reliable_deterioration", Tier.ROUTINE, 1, "x"),
                                                         Flag("item9_high", Tier.URGENT, 2, "y")])
    r = post_checkin(client, "phq9", answers_form([2, 2, 2, 2, 2, 2, 2, 2, 2], 3))
    page = client.get(r.headers["location"]).text
    assert '<section class="crisis" aria-labelledby="pathway-urgent">' in page
    assert "Help is available today" in page  # the urgent tier's title
    assert page.index("pathway-urgent") < page.index("Your score")  # before the score


def test_resubmitted_form_stores_one_checkin(client, session, alice):
    page = client.get("/checkins/gad7").text
    data = {"csrf_token": csrf_from(page), **answers_form(GAD7_MODERATE, 1),
            "idempotency_key": re.search(r'name="idempotency_key" value="([^"]+)"', page).group(1)}
    a = client.post("/checkins/gad7", data=data, follow_redirects=False)
    b = client.post("/checkins/gad7", data=data, follow_redirects=False)
    assert a.status_code == b.status_code == 303 and a.headers["location"] == b.headers["location"]
    assert count_assessments(session) == 1


def test_missing_item9_is_asked_again_before_the_result(client, alice):
    h = api_token(client, alice)
    a = client.post("/api/v1/assessments", json={"instrument": "phq9", "answers": [1] * 8 + [None]},
                    headers=h).json()
    r = client.get(f"/checkins/results/{a['id']}")
    assert r.status_code == 200 and "One more question before your result" in r.text
    assert scoring.PHQ9.items[8].text in r.text and "out of 27" not in r.text
    bad = client.post(f"/checkins/results/{a['id']}/item9", data={"csrf_token": csrf_from(r.text), "item9": "7"})
    assert bad.status_code == 422 and "Please choose an answer." in bad.text
    ok = client.post(f"/checkins/results/{a['id']}/item9", data={"csrf_token": csrf_from(r.text), "item9": "0"},
                     follow_redirects=False)
    assert ok.status_code == 303
    result = text_of(client.get(ok.headers["location"]).text)
    assert "8 out of 27" in result and "estimate" not in result
    assert client.get(f"/api/v1/assessments/{a['id']}", headers=h).json()["item9"] == 0


def test_item9_can_be_skipped(client, alice):
    h = api_token(client, alice)
    a = client.post("/api/v1/assessments", json={"instrument": "phq9", "answers": [1] * 8 + [None]},
                    headers=h).json()
    page = client.get(f"/checkins/results/{a['id']}")
    assert f'href="/checkins/results/{a["id"]}?item9=skip"' in page.text
    shown = text_of(client.get(f"/checkins/results/{a['id']}?item9=skip").text)
    assert "9 out of 27" in shown and "this score is an estimate" in shown
    assert "The last question was not answered" in shown


def test_pages_render_for_a_new_patient_with_no_data(client, alice):
    for url in ("/checkins", "/checkins/history", "/progress", "/diary", "/diary/week", "/diary/entries"):
        r = client.get(url)
        assert r.status_code == 200, url
        assert "<script" not in r.text and "style=" not in r.text, url
    assert "Your weekly check-in is ready" in client.get("/checkins").text
    progress = client.get("/progress").text
    assert "No PHQ-9 check-ins yet" in progress and "No GAD-7 check-ins yet" in progress
    assert "No diary entries in this period yet" in progress
    assert "None yet." in client.get("/checkins/history").text


def test_checkins_page_says_when_the_next_one_is_due(client, alice):
    post_checkin(client, "phq9", answers_form(PHQ9_MODERATE, 1))
    page = text_of(client.get("/checkins").text)
    assert "Your weekly check-in is ready: anxiety check-in (GAD-7)" in page  # half done: still due
    post_checkin(client, "gad7", answers_form(GAD7_MODERATE, 1))
    page = text_of(client.get("/checkins").text)
    due = (clock.now() + timedelta(days=7)).strftime("%A %-d %B")
    assert f"Your next weekly check-in (PHQ-9 and GAD-7) is due on {due}" in page
    assert "Last time, on" in page and "11 out of 27 (moderate)" in page


def test_history_lists_past_checkins(client, alice):
    post_checkin(client, "phq9", answers_form(PHQ9_MODERATE, 1))
    post_checkin(client, "gad7", answers_form(GAD7_MODERATE, 1))
    html = client.get("/checkins/history").text
    assert text_of(html).count("11 out of") == 2 and html.count('href="/checkins/results/') == 2


def test_progress_page_has_the_charts(client, alice):
    post_checkin(client, "phq9", answers_form(PHQ9_MODERATE, 1))
    h = api_token(client, alice)
    for mood in (3, 5, 6):
        client.post("/api/v1/diary", json={"mood": mood}, headers=h)
    page = client.get("/progress").text
    assert page.count('role="img"') == 2  # mood and PHQ-9; GAD-7 shows its empty message
    assert "Your first PHQ-9 score is 11 out of 27 (moderate)" in text_of(page)
    assert "No GAD-7 check-ins yet" in page and "<details>" in page


def test_patient_b_gets_404_for_patient_a_result(client, anon_client, session, alice):
    r = post_checkin(client, "phq9", answers_form(PHQ9_MODERATE, 1))
    aid = r.headers["location"].rsplit("/", 1)[1]
    bob = make_user(session)
    browser_login(anon_client, bob)
    missing = str(uuid.uuid4())
    theirs, nothing = anon_client.get(f"/checkins/results/{aid}"), anon_client.get(f"/checkins/results/{missing}")
    assert theirs.status_code == nothing.status_code == 404
    assert theirs.text.replace(aid, "") == nothing.text.replace(missing, "")
    token = csrf_from(anon_client.get("/checkins").text)
    r = anon_client.post(f"/checkins/results/{aid}/item9", data={"csrf_token": token, "item9": "0"})
    assert r.status_code == 404
    assert "11 out of" not in anon_client.get("/checkins").text


def test_not_safe_from_the_checkins(client, alice, monkeypatch):
    from app.monitoring import service as monitoring
    calls = []
    monkeypatch.setattr(monitoring, "report_not_safe", lambda s, p, source: calls.append(source))
    page = client.get("/checkins").text
    r = client.post("/checkins/not-safe", data={"csrf_token": csrf_from(page)}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/not-safe?told=1&source=checkin"
    assert calls == ["checkin"]
    # A cross-site post raises nothing: it is sent to the "not safe" sign-in page (crisis lines
    # first). A same-site post with a stale form token still raises (security item 33:
    # tests/safety/test_not_safe_expired.py).
    r = client.post("/checkins/not-safe", data={}, headers={"Sec-Fetch-Site": "cross-site"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login?not_safe=")
    assert calls == ["checkin"]


def test_anonymous_is_sent_to_sign_in(anon_client):
    for url in ("/checkins", "/checkins/phq9", "/progress"):
        r = anon_client.get(url, follow_redirects=False)
        assert r.status_code in (302, 303, 307) and r.headers["location"].startswith("/login"), url


def test_a_hidden_patient_id_field_has_no_effect(client, session, alice):
    bob = make_user(session)
    r = post_checkin(client, "gad7", {**answers_form(GAD7_MODERATE, 1), "patient_id": str(bob.id)})
    assert r.status_code == 303
    assert count_assessments(session, alice.id) == 1 and count_assessments(session, bob.id) == 0
