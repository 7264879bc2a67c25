"""Homework in the browser: forms generated from the content, drafts, errors beside fields,
add-a-row without JavaScript, editing, My workbook and its printable view."""

from __future__ import annotations

import re
import uuid

import pytest
from sqlalchemy import func, select

from app.config import ROOT, get_settings
from app.homework.models import HomeworkEntry
from app.programme import content
from tests.factories import browser_login, csrf_from, make_user
from tests.programme.support import thought_record_form

P = content.load(ROOT / "modules_content")
TASK = "thought-record-starter"


def count(session) -> int:  # type: ignore[no-untyped-def]
    session.rollback()
    return session.scalar(select(func.count()).select_from(HomeworkEntry))


def form_key(html: str) -> str:
    return re.search(r'name="form_key" value="([^"]+)"', html).group(1)


@pytest.fixture
def signed_in(client, session):  # type: ignore[no-untyped-def]
    patient = make_user(session)
    browser_login(client, patient)
    return patient


@pytest.mark.parametrize("task", [e.slug for _, e in P.exercises()])
def test_every_exercise_form_renders_every_field(client, session, task, monkeypatch):
    monkeypatch.setenv("ICBT_MODULE_INTERVAL_DAYS", "0")
    get_settings.cache_clear()
    patient = make_user(session)
    module, exercise = P.exercise(task)
    from app.programme import service
    for m in P.modules[: module.number - 1]:
        service.complete(session, patient.user, m.slug)
    session.commit()
    browser_login(client, patient)
    r = client.get(f"/homework/{task}")
    assert r.status_code == 200
    assert "<script" not in r.text and 'style="' not in r.text
    for f in exercise.fields:
        if f.type == "rows":
            for c in f.columns:
                assert f'name="answers.{f.name}.0.{c.name}"' in r.text
            assert 'value="add_row:' + f.name + '"' in r.text
        elif f.type == "rating_10":
            assert len(re.findall(f'name="answers.{f.name}" value="\\d+"', r.text)) == 11
        elif f.type == "choice":
            assert len(re.findall(f'type="radio" name="answers.{f.name}"', r.text)) == len(f.choices)
        elif f.type == "choices":
            assert len(re.findall(f'type="checkbox" name="answers.{f.name}"', r.text)) == len(f.options)
        else:
            kind = {"text": 'type="text"', "long_text": "<textarea", "rating_100": 'type="number"',
                    "date": 'type="date"', "datetime": 'type="datetime-local"'}[f.type]
            assert re.search(f'{kind}[^>]*name="answers.{f.name}"|name="answers.{f.name}"[^>]*{kind}|'
                             f'{kind} id="f-{f.name}" name="answers.{f.name}"', r.text), f.name
    assert "Save draft" in r.text and "Save and finish" in r.text


def test_submit_then_edit(client, session, signed_in):
    page = client.get(f"/homework/{TASK}")
    data = {"csrf_token": csrf_from(page.text), "form_key": form_key(page.text), "action": "submit",
            **thought_record_form()}
    r = client.post(f"/homework/{TASK}", data=data, follow_redirects=False)
    assert r.status_code == 303
    r2 = client.post(f"/homework/{TASK}", data=data, follow_redirects=False)  # double click / back button
    assert r2.status_code == 303
    assert count(session) == 1
    entry = session.scalars(select(HomeworkEntry)).one()
    edit = client.get(f"/homework/entries/{entry.id}")
    assert edit.status_code == 200 and "She must be fed up with me." in edit.text and "Save changes" in edit.text
    assert 'name="answers.emotions.0.intensity" type="number"' in edit.text and 'value="70"' in edit.text
    r = client.post(f"/homework/entries/{entry.id}", data={**data, "answers.actions": "Went home"},
                    follow_redirects=False)
    assert r.status_code == 303 and "notice=updated" in r.headers["location"]
    from app.homework import service
    session.rollback()
    assert service.get(session, signed_in.id, entry.id).answers["actions"] == "Went home"


def test_draft_is_saved_incomplete_and_reopens(client, session, signed_in):
    page = client.get(f"/homework/{TASK}")
    r = client.post(f"/homework/{TASK}", data={"csrf_token": csrf_from(page.text), "form_key": form_key(page.text),
                                               "action": "draft", "answers.situation": "Half done"},
                    follow_redirects=False)
    assert r.status_code == 303 and "notice=draft" in r.headers["location"]
    page = client.get(r.headers["location"])
    assert "Your draft is saved" in page.text and "Half done" in page.text and "Save draft" in page.text
    wb = client.get("/workbook")
    assert "Draft saved" in wb.text


def test_bad_answers_show_the_form_again_with_messages_beside_fields(client, session, signed_in):
    page = client.get(f"/homework/{TASK}")
    data = {"csrf_token": csrf_from(page.text), "form_key": form_key(page.text), "action": "submit",
            **thought_record_form(), "answers.situation": "x" * 1001, "answers.thoughts": "",
            "answers.emotions.0.intensity": "150"}
    r = client.post(f"/homework/{TASK}", data=data)
    assert r.status_code == 422
    assert count(session) == 0
    html = r.text
    assert 'id="e-situation">Please keep this to 1000 characters or fewer (it has 1001).</p>' in html
    assert 'id="e-thoughts">Please fill this in.</p>' in html
    assert 'id="e-emotions-0-intensity">Please choose a number from 0 to 100.</p>' in html
    assert 'href="#f-emotions-0-intensity"' in html  # the summary links to the field
    assert 'aria-invalid="true"' in html
    assert "x" * 1001 in html and "Worried" in html  # what they typed is kept
    # unknown fields (a tampered form) are refused too
    r = client.post(f"/homework/{TASK}", data={**data, **thought_record_form(), "answers.mood": "3"})
    assert r.status_code == 422 and "This question is not part of the exercise." in r.text
    assert count(session) == 0


def test_add_another_row_without_javascript(client, session, signed_in):
    page = client.get(f"/homework/{TASK}")
    assert page.text.count('name="answers.emotions.') == 4  # two blank rows of two columns
    data = {"csrf_token": csrf_from(page.text), "form_key": form_key(page.text), **thought_record_form()}
    r = client.post(f"/homework/{TASK}", data={**data, "action": "add_row:emotions"})
    assert r.status_code == 200 and count(session) == 0
    assert 'name="answers.emotions.2.emotion"' in r.text and 'name="rows.emotions" value="3"' in r.text
    assert "Worried" in r.text
    more = {**data, "rows.emotions": "5", "action": "add_row:emotions"}
    r = client.post(f"/homework/{TASK}", data=more)
    assert 'name="answers.emotions.4.emotion"' in r.text and "answers.emotions.5." not in r.text
    assert "That is the most rows" in r.text


def test_typed_html_is_shown_as_text(client, session, signed_in):
    page = client.get(f"/homework/{TASK}")
    data = {"csrf_token": csrf_from(page.text), "form_key": form_key(page.text), "action": "submit",
            **thought_record_form(), "answers.thoughts": "<script>alert(1)</script>"}
    client.post(f"/homework/{TASK}", data=data)
    for url in ["/workbook/print", f"/homework/entries/{session.scalars(select(HomeworkEntry)).one().id}"]:
        html = client.get(url).text
        assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_workbook_lists_every_exercise(client, session, signed_in):
    r = client.get("/workbook")
    assert r.status_code == 200
    assert r.text.count("Not started") == 2  # module 1's two exercises; the rest open with their modules
    assert "Coming later" in r.text and "The practice for each of these modules opens with the module." in r.text
    assert 'href="/workbook/print"' in r.text
    printed = client.get("/workbook/print")
    assert printed.status_code == 200 and "There is nothing here yet" in printed.text
    assert 'href="/static/print.css" media="print"' in printed.text


def test_another_patients_entry_page_is_404(client, session, signed_in):
    from app.homework import service
    other = make_user(session)
    entry = service.create(session, other.user, TASK, {"situation": "s", "thoughts": "t",
                                                       "emotions": [{"emotion": "e", "intensity": 1}]})
    session.commit()
    theirs = client.get(f"/homework/entries/{entry.id}")
    missing = client.get(f"/homework/entries/{uuid.uuid4()}")
    assert theirs.status_code == missing.status_code == 404 and theirs.text == missing.text
    page = client.get("/workbook")
    r = client.post(f"/homework/entries/{entry.id}", data={"csrf_token": csrf_from(page.text),
                                                           **thought_record_form(), "action": "submit"})
    assert r.status_code == 404
    session.rollback()
    assert service.get(session, other.id, entry.id).answers["situation"] == "s"


def _draft(client, text: str = "Half done") -> str:  # type: ignore[no-untyped-def]
    page = client.get(f"/homework/{TASK}")
    r = client.post(f"/homework/{TASK}", data={"csrf_token": csrf_from(page.text), "form_key": form_key(page.text),
                                               "action": "draft", "answers.situation": text,
                                               "answers.emotions.0.emotion": "Worried", "rows.emotions": "2"},
                    follow_redirects=False)
    assert r.status_code == 303
    return r.headers["location"].split("?")[0]


def test_the_practice_link_carries_on_from_the_saved_draft(client, session, signed_in):
    module, _ = P.exercise(TASK)
    entry_url = _draft(client, "On the bus, half written")
    # the module page's "practice" link is /homework/<task>: it opens the draft, not a blank form
    assert f'href="/homework/{TASK}"' in client.get(f"/modules/{module.slug}").text
    r = client.get(f"/homework/{TASK}", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"{entry_url}?notice=resumed"
    page = client.get(r.headers["location"])
    assert "On the bus, half written" in page.text and 'value="Worried"' in page.text
    assert "This is the draft you saved" in page.text
    assert f'action="{entry_url}"' in page.text  # saving again updates the draft: no second entry
    # a blank form is one click away, and the workbook's "Add another entry" asks for it
    assert f'href="/homework/{TASK}?new=1"' in page.text
    assert f'href="/homework/{TASK}?new=1"' in client.get("/workbook").text
    blank = client.get(f"/homework/{TASK}?new=1")
    assert blank.status_code == 200 and "On the bus, half written" not in blank.text and form_key(blank.text)
    # once submitted, the link opens a blank form again (a submitted entry is not a draft)
    data = {"csrf_token": csrf_from(page.text), "action": "submit", **thought_record_form()}
    assert client.post(entry_url, data=data, follow_redirects=False).status_code == 303
    assert client.get(f"/homework/{TASK}", follow_redirects=False).status_code == 200
    assert count(session) == 1


def test_a_failed_save_keeps_what_was_typed_and_adds_no_row(client, session, signed_in):
    page = client.get(f"/homework/{TASK}")
    assert page.text.count('name="answers.emotions.') == 4  # two rows of two columns
    data = {"csrf_token": csrf_from(page.text), "form_key": form_key(page.text), "action": "submit",
            **thought_record_form(), "answers.thoughts": "",  # missing: the save fails
            "answers.emotions.1.emotion": "Embarrassed", "answers.emotions.1.intensity": "40"}
    r = client.post(f"/homework/{TASK}", data=data)
    assert r.status_code == 422 and count(session) == 0
    assert r.text.count('name="answers.emotions.') == 4 and 'name="rows.emotions" value="2"' in r.text
    for typed in ("On the bus home, a friend did not reply to my message.", 'value="Worried"', 'value="70"',
                  'value="Embarrassed"', 'value="40"', "Tight chest"):
        assert typed in r.text, typed
    # the same for a draft that is edited and fails
    entry_url = _draft(client)
    edit = client.get(entry_url)
    rows_before = edit.text.count('name="answers.emotions.')
    r = client.post(entry_url, data={"csrf_token": csrf_from(edit.text), "action": "draft",
                                     "answers.situation": "y" * 1001, "answers.emotions.0.emotion": "Worried",
                                     "rows.emotions": str(rows_before // 2)})
    assert r.status_code == 422 and "y" * 1001 in r.text
    assert r.text.count('name="answers.emotions.') == rows_before
    session.rollback()
    from app.homework import service
    assert service.get(session, signed_in.id, uuid.UUID(entry_url.rsplit("/", 1)[1])).answers["situation"] == "Half done"
