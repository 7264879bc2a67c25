"""The patient's home page: one clear next step, this week's module, diary streak, latest
check-in and when the next is due, and any alert in plain words."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from app.config import get_settings
from tests.factories import browser_login, csrf_from, make_user
from tests.programme.support import M1, do_checkin


def next_step(html: str) -> str:
    m = re.search(r'<section class="card highlight" aria-labelledby="next-step">(.*?)</section>', html, re.S)
    assert m, "no next step on the home page"
    return m.group(1)


def test_next_step_moves_from_check_in_to_module_to_diary(client, session, frozen_clock):
    patient = make_user(session, name="Ade")
    browser_login(client, patient)
    html = client.get("/").text
    assert "Hello, Ade" in html
    step = next_step(html)
    assert 'href="/checkins/weekly?next=/"' in step and "Do my check-in" in step
    assert "You have not done a check-in yet." in html and "Your next check-in is due now." in html
    assert "Module 1: How thoughts, feelings, body and actions connect" in html
    assert "Module 2 opens when you finish module 1, and not before Monday 9 March (7 days after module 1 opened)." in html

    do_checkin(session, patient)
    html = client.get("/").text
    step = next_step(html)
    assert "Start module 1" in step and f'href="/modules/{M1}"' in step
    assert "Your last check-in was today: a score of 0 out of 27, in the minimal range." in html
    assert "Your next check-in is due on Monday 9 March." in html

    client.get(f"/modules/{M1}/pages/the-five-areas")
    html = client.get("/").text
    step = next_step(html)
    assert "Carry on with module 1" in step and f'href="/modules/{M1}/pages/the-five-areas"' in step
    assert "Page 3 of 8" in html and 'aria-valuemax="8" aria-valuenow="3"' in html

    client.post(f"/modules/{M1}/complete", data={"csrf_token": csrf_from(html)})
    html = client.get("/").text
    step = next_step(html)
    assert "Write in my diary" in step and 'href="/diary"' in step
    assert "You have finished the modules that are open so far." in html
    assert "Module 2 opens on Monday 9 March (7 days after module 1 opened)." in html and "1 of 7 modules finished" in html


def test_diary_streak_and_alert_in_plain_words(client, session, frozen_clock):
    # no clinician, no on-call, no mail server: the patient is told nobody could be reached
    from app.assessments import service as assessments
    from app.diary import service as diary
    from app.diary.schemas import DiaryIn
    patient = make_user(session)
    for days_ago in (2, 1, 0):
        diary.create(session, patient.user, DiaryIn(mood=6, recorded_at=datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
                                                    - timedelta(days=days_ago)))
    assessments.submit(session, patient.user, "phq9", [1, 1, 1, 1, 1, 1, 1, 1, 2], difficulty=1)
    session.commit()
    browser_login(client, patient)
    html = client.get("/").text
    assert "You have written in your diary 3 days in a row." in html
    assert "From your care team" in html and "We could not reach your care team automatically." in html
    assert "has been told" not in html


def test_all_modules_finished(client, session, frozen_clock, monkeypatch):
    monkeypatch.setenv("ICBT_MODULE_INTERVAL_DAYS", "0")
    get_settings.cache_clear()
    from app.programme import service
    patient = make_user(session)
    for m in service.programme().modules:
        service.complete(session, patient.user, m.slug)
    do_checkin(session, patient)
    browser_login(client, patient)
    html = client.get("/").text
    assert "You have finished all 7 modules." in html and "Write in my diary" in next_step(html)


def test_visitors_and_other_roles(client, session):
    assert "Hello" not in client.get("/").text
    clinician = make_user(session, "clinician")
    browser_login(client, clinician)
    r = client.get("/", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/clinician"


def test_home_page_days_and_range_in_the_patients_language(client, session, frozen_clock):
    """"today" and the severity range come from the catalogue, not English literals."""
    from app.home.dashboard import _day
    from app import i18n
    from datetime import UTC, datetime, timedelta

    now = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)
    with i18n.using("es"):
        assert _day(now, now) == "hoy"
        assert _day(now - timedelta(days=1), now) == "ayer"
        assert _day(now + timedelta(days=1), now) == "mañana"
        assert _day(now + timedelta(days=5), now) == "el " + i18n.format_when(now + timedelta(days=5), "%A %-d %B")
    with i18n.using("en"):
        assert _day(now + timedelta(days=5), now) == "on Monday 9 March"
