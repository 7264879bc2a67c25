"""Diary pages: quick entry without JavaScript, errors beside the field, one entry per form,
edit and delete, week view, and "I am not safe right now"."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest

from app import clock
from tests.diary.support import count_entries
from tests.factories import api_token, browser_login, csrf_from, make_user


@pytest.fixture
def alice(client, session):  # type: ignore[no-untyped-def]
    p = make_user(session)
    browser_login(client, p)
    return p


def post_form(client, data: dict, url: str = "/diary", page: str = "/diary", **kw):  # type: ignore[no-untyped-def]
    html = client.get(page).text
    fields = {"csrf_token": csrf_from(html)}
    m = re.search(r'name="idempotency_key" value="([^"]+)"', html)
    if m:
        fields["idempotency_key"] = m.group(1)
    return client.post(url, data={**fields, **data}, follow_redirects=False, **kw)


def assert_clean_html(html: str) -> None:
    assert "<script" not in html and "style=" not in html


def test_diary_page_for_a_new_patient(client, alice):
    r = client.get("/diary")
    assert r.status_code == 200
    html = r.text
    assert_clean_html(html)
    assert 'action="/diary"' in html and 'name="idempotency_key"' in html
    assert html.count('type="radio" name="mood"') == 11
    assert "0 = Very low" in html and "10 = Very good" in html
    assert 'type="checkbox" name="emotions" value="sad"' in html
    assert 'action="/diary/not-safe"' in html and "I am not safe right now" in html
    assert r.headers["cache-control"] == "no-store"


def test_quick_entry_saves_and_says_so(client, session, alice):
    r = post_form(client, {"mood": "7", "emotions": ["calm", "hopeful"]})
    assert r.status_code == 303 and r.headers["location"].startswith("/diary?saved=")
    page = client.get(r.headers["location"]).text
    assert "Saved." in page and "Mood 7" in page and "Calm, Hopeful" in page
    assert count_entries(session) == 1


def test_resubmitting_the_same_form_stores_one_entry(client, session, alice):
    html = client.get("/diary").text
    data = {"csrf_token": csrf_from(html), "mood": "5",
            "idempotency_key": re.search(r'name="idempotency_key" value="([^"]+)"', html).group(1)}
    first = client.post("/diary", data=data, follow_redirects=False)
    second = client.post("/diary", data=data, follow_redirects=False)  # double click / back + resend
    assert first.status_code == second.status_code == 303
    assert first.headers["location"] == second.headers["location"]
    assert count_entries(session) == 1
    # a fresh page gives a fresh key: a second entry on purpose is stored
    post_form(client, {"mood": "5"})
    assert count_entries(session) == 2


@pytest.mark.parametrize("mood", ["11", "-1", "5.5", "", "five"])
def test_bad_mood_shows_the_form_again_with_the_message_beside_it(client, session, alice, mood):
    r = post_form(client, {"mood": mood, "note": "keep me"})
    assert r.status_code == 422
    assert 'id="e-mood"' in r.text and "Choose a number from 0 (very low) to 10 (very good)." in r.text
    assert "keep me" in r.text  # what was typed is kept
    assert count_entries(session) == 0


@pytest.mark.parametrize("field, value, message", [
    ("note", "x" * 2001, "Please keep the note to 2,000 characters"),
    ("sleep_hours", "7.3", "in half hours"),
    ("sleep_hours", "25", "in half hours"),
    ("activities", ",".join(f"a{i}" for i in range(11)), "up to 10 activities"),
    ("activities", "x" * 61, "60 characters"),
    ("recorded_at", "yesterday", "Enter a date and time"),
    ("emotions", "joyful", "Choose feelings from the list."),
])
def test_other_bad_fields_are_named(client, session, alice, field, value, message):
    r = post_form(client, {"mood": "5", field: value})
    assert r.status_code == 422
    assert f'id="e-{field}"' in r.text or f'id="f-{field}"' in r.text
    assert message in r.text
    assert count_entries(session) == 0


def test_time_in_the_future_is_refused(client, session, alice):
    later = (clock.now() + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    r = post_form(client, {"mood": "5", "recorded_at": later})
    assert r.status_code == 422 and 'id="e-recorded_at"' in r.text and "cannot be in the future" in r.text
    assert count_entries(session) == 0
    earlier = (clock.now() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    assert post_form(client, {"mood": "5", "recorded_at": earlier, "sleep_hours": "6,5"}).status_code == 303


def test_script_in_a_note_is_shown_as_text(client, alice):
    post_form(client, {"mood": "5", "note": "<script>alert(1)</script>", "activities": "<b>x</b>"})
    for url in ("/diary", "/diary/entries", "/diary/week"):
        html = client.get(url).text
        assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html, url
        assert "<b>x</b>" not in html


def test_entries_edit_and_delete(client, session, alice):
    post_form(client, {"mood": "3", "note": "first"})
    entry_id = client.get("/api/v1/diary", headers=api_token(client, alice)).json()[0]["id"]
    page = client.get("/diary/entries")
    assert page.status_code == 200 and f"/diary/{entry_id}/edit" in page.text
    edit = client.get(f"/diary/{entry_id}/edit")
    assert edit.status_code == 200 and "first" in edit.text and 'value="3"' in edit.text
    bad = post_form(client, {"mood": "12"}, url=f"/diary/{entry_id}/edit", page=f"/diary/{entry_id}/edit")
    assert bad.status_code == 422 and 'id="e-mood"' in bad.text
    ok = post_form(client, {"mood": "8", "note": "changed"}, url=f"/diary/{entry_id}/edit",
                   page=f"/diary/{entry_id}/edit")
    assert ok.status_code == 303
    assert "changed" in client.get(ok.headers["location"]).text
    confirm = client.get(f"/diary/{entry_id}/delete")
    assert confirm.status_code == 200 and "cannot be undone" in confirm.text
    gone = post_form(client, {}, url=f"/diary/{entry_id}/delete", page=f"/diary/{entry_id}/delete")
    assert gone.status_code == 303 and count_entries(session) == 0
    assert "The entry has been deleted." in client.get(gone.headers["location"]).text


def test_patient_b_cannot_see_or_change_patient_a_entry(client, anon_client, session, alice):
    post_form(client, {"mood": "3", "note": "private words"})
    entry_id = client.get("/api/v1/diary", headers=api_token(client, alice)).json()[0]["id"]
    bob = make_user(session)
    browser_login(anon_client, bob)
    missing = uuid.uuid4()
    for path in ("/diary/{}/edit", "/diary/{}/delete"):
        theirs = anon_client.get(path.format(entry_id))
        nothing = anon_client.get(path.format(missing))
        assert theirs.status_code == nothing.status_code == 404
        assert theirs.text.replace(entry_id, "") == nothing.text.replace(str(missing), "")
    token = csrf_from(anon_client.get("/diary").text)
    r = anon_client.post(f"/diary/{entry_id}/delete", data={"csrf_token": token})
    assert r.status_code == 404
    r = anon_client.post(f"/diary/{entry_id}/edit", data={"csrf_token": token, "mood": "1"})
    assert r.status_code == 404
    assert "private words" not in anon_client.get("/diary").text
    assert "private words" not in anon_client.get(f"/diary?saved={entry_id}").text
    assert count_entries(session) == 1


def test_week_view_with_previous_and_next(client, alice):
    post_form(client, {"mood": "6"})
    r = client.get("/diary/week")
    assert r.status_code == 200 and "Your average mood this week" in r.text and "(today)" in r.text
    prev = re.search(r'href="(/diary/week\?start=[0-9-]+)">Previous week', r.text).group(1)
    older = client.get(prev)
    assert older.status_code == 200 and "No entries this week" in older.text and "Next week" in older.text
    assert client.get("/diary/week?start=not-a-date").status_code == 422
    assert client.get("/diary/week?start=1900-01-01").status_code == 200  # out of range: this week


def test_not_safe_reports_and_shows_the_crisis_screen(client, alice, monkeypatch):
    from app.monitoring import service as monitoring
    calls = []
    monkeypatch.setattr(monitoring, "report_not_safe",
                        lambda s, patient, source: calls.append((patient.id, source)))
    r = post_form(client, {}, url="/diary/not-safe")
    assert r.status_code == 303 and r.headers["location"] == "/not-safe?told=1&source=diary"
    assert calls == [(alice.id, "diary")]


def test_not_safe_when_recording_fails_says_so_and_shows_emergency_numbers(client, alice, monkeypatch):
    """An emergency report is never silently dropped: if it cannot be recorded the person is
    told their care team has NOT been told, and shown who to call now."""
    from app.monitoring import service as monitoring

    def boom(*a):  # type: ignore[no-untyped-def]
        raise RuntimeError("down")

    monkeypatch.setattr(monitoring, "report_not_safe", boom)
    r = post_form(client, {}, url="/diary/not-safe")
    assert r.status_code == 500
    assert "could not send your message to your care team" in r.text
    assert 'href="tel:999"' in r.text


def test_not_safe_raises_an_emergency_alert_when_the_monitor_is_installed(client, session, alice):
    pytest.importorskip("app.alerts.service")
    r = post_form(client, {}, url="/diary/not-safe")
    assert r.status_code == 303
    from sqlalchemy import select

    from app.alerts.models import Alert
    session.rollback()
    alerts = session.execute(select(Alert.rule, Alert.tier).where(Alert.patient_id == alice.id)).all()
    assert [(a.rule, str(a.tier)) for a in alerts] == [("patient_reported_emergency", "emergency")]


def test_forms_need_csrf(client, session, alice):
    assert client.post("/diary", data={"mood": "5"}).status_code == 403
    r = client.post("/diary/not-safe", data={}, headers={"Sec-Fetch-Site": "cross-site"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login?not_safe=")  # nothing raised
    assert count_entries(session) == 0


def test_anonymous_is_sent_to_sign_in(anon_client):
    r = anon_client.get("/diary", follow_redirects=False)
    assert r.status_code in (302, 303, 307) and r.headers["location"].startswith("/login")


def test_saved_page_shows_the_pathway_when_the_monitor_raises_a_flag(client, alice, monkeypatch):
    from app.monitoring import hooks
    from app.monitoring.rules import Flag, Tier
    monkeypatch.setattr(hooks, "on_diary", lambda *a, **k: [Flag("mood_decline", Tier.ROUTINE, 1, "x")])
    r = post_form(client, {"mood": "1"})
    page = client.get(r.headers["location"]).text
    assert "Things seem harder at the moment" in page  # the routine pathway's title


def test_a_hidden_patient_id_field_has_no_effect(client, session, alice):
    bob = make_user(session)
    r = post_form(client, {"mood": "4", "patient_id": str(bob.id), "user_id": str(bob.id)})
    assert r.status_code == 303
    assert count_entries(session, alice.id) == 1 and count_entries(session, bob.id) == 0
