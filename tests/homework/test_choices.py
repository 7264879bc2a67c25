"""The "choices" field type (tick any of the listed options), used by module 4's thinking traps:
server-side rules, the API, the page form, and every place an entry is shown."""

from __future__ import annotations

import re
import uuid
from urllib.parse import quote_plus

import pytest
from sqlalchemy import func, select

from app.config import ROOT, get_settings
from app.homework import forms, service
from app.homework.models import HomeworkEntry
from app.programme import content
from app.programme import service as programme
from app.security import crypto
from tests.factories import api_token, assign, browser_login, csrf_from, make_user

P = content.load(ROOT / "modules_content")
TASK = "thought-catching"
MODULE, EX = P.exercise(TASK)
GOOD = {"situation": "Team meeting", "emotion": "Anxious", "intensity": 70,
        "automatic_thought": "They think I'm useless.", "how_much_believed": 60}


@pytest.fixture
def patient(session, monkeypatch):  # type: ignore[no-untyped-def]
    """A patient with module 4 open."""
    monkeypatch.setenv("ICBT_MODULE_INTERVAL_DAYS", "0")
    get_settings.cache_clear()
    person = make_user(session)
    for m in P.modules[: MODULE.number - 1]:
        programme.complete(session, person.user, m.slug)
    session.commit()
    yield person
    get_settings.cache_clear()


def count(session) -> int:  # type: ignore[no-untyped-def]
    session.rollback()
    return session.scalar(select(func.count()).select_from(HomeworkEntry))


# ---------------------------------------------------------------- the rules


@pytest.mark.parametrize(("value", "kind"), [
    (["Mind reading", "Telepathy"], "literal_error"),     # not a listed option
    (["mind reading"], "literal_error"),                  # options are matched exactly
    ("Mind reading", "list_type"),                        # one string is not a list
    ({"Mind reading": True}, "list_type"),
    ([1], "literal_error"),
    (["Mind reading", "Mind reading"], "unique"),
    (["Mind reading"] * 11, "too_long"),                  # more than the number of options
])
def test_only_listed_options_each_once(value, kind):
    _, probs = forms.validate(EX, {**GOOD, "thinking_trap": value}, draft=True)
    assert [(p.loc, p.type) for p in probs] == [(("thinking_trap",), kind)]


def test_good_choices_are_kept_in_the_lessons_order_and_empty_is_allowed_when_optional():
    clean, probs = forms.validate(EX, {**GOOD, "thinking_trap": ["Labelling", "All-or-nothing thinking"]}, draft=False)
    assert probs == [] and clean["thinking_trap"] == ["All-or-nothing thinking", "Labelling"]
    for empty in ([], None):
        clean, probs = forms.validate(EX, {**GOOD, "thinking_trap": empty}, draft=False)
        assert probs == [] and "thinking_trap" not in clean


def test_a_required_choices_field_needs_a_tick():
    required = EX.model_copy(update={"fields": [f.model_copy(update={"required": True}) if f.name == "thinking_trap"
                                                else f for f in EX.fields]})
    _, probs = forms.validate(required, {**GOOD, "thinking_trap": []}, draft=False)
    assert [(p.key, p.msg) for p in probs] == [("thinking_trap", "Please tick at least one.")]
    assert forms.validate(required, {**GOOD}, draft=True)[1] == []  # a draft may leave it


def test_parse_form_reads_ticked_boxes():
    raw, probs = forms.parse_form(EX, {"answers.thinking_trap": ["Mind reading", "Labelling"]})
    assert raw == {"thinking_trap": ["Mind reading", "Labelling"]} and probs == []
    raw, _ = forms.parse_form(EX, {"answers.thinking_trap": "Mind reading"})  # one box ticked
    assert raw == {"thinking_trap": ["Mind reading"]}


# ---------------------------------------------------------------- the API


def test_api_stores_a_list_encrypted_and_returns_it(client, session, patient):
    h = api_token(client, patient)
    answers = {**GOOD, "thinking_trap": ["Mind reading", "Fortune telling"]}
    r = client.post(f"/api/v1/homework/{TASK}/entries", json={"answers": answers}, headers=h)
    assert r.status_code == 201, r.text
    assert r.json()["answers"]["thinking_trap"] == ["Mind reading", "Fortune telling"]
    assert r.json()["content_version"] == 3
    row = session.scalars(select(HomeworkEntry)).one()
    assert b"Fortune telling" not in bytes(row.answers_enc)  # sealed like every other answer
    assert crypto.unseal_json(session, row, "answers_enc")["thinking_trap"] == ["Mind reading", "Fortune telling"]
    got = client.get(f"/api/v1/homework/entries/{r.json()['id']}", headers=h).json()
    assert got["answers"]["thinking_trap"] == ["Mind reading", "Fortune telling"]


@pytest.mark.parametrize(("value", "msg"), [
    (["Mind reading", "Wishful thinking"], "Please choose only from the options listed."),
    ("Mind reading", "Please give a list of the options you chose."),
])
def test_api_422_names_the_field(client, session, patient, value, msg):
    h = api_token(client, patient)
    r = client.post(f"/api/v1/homework/{TASK}/entries", json={"answers": {**GOOD, "thinking_trap": value}}, headers=h)
    assert r.status_code == 422, r.text
    assert r.json()["detail"][0]["loc"] == ["body", "answers", "thinking_trap"]
    assert r.json()["detail"][0]["msg"] == msg
    assert count(session) == 0


# ---------------------------------------------------------------- the page form and where answers are shown


def _post(client, url: str, data: dict) -> object:  # type: ignore[no-untyped-def]
    page = client.get(url)
    key = re.search(r'name="form_key" value="([^"]*)"', page.text)
    body = [("csrf_token", csrf_from(page.text)), ("form_key", key.group(1) if key else "")]
    for k, v in data.items():
        body += [(k, x) for x in v] if isinstance(v, list) else [(k, v)]
    # a list of pairs sends one answers.thinking_trap per ticked box, as a browser does
    return client.post(url, content="&".join(f"{k}={quote_plus(v)}" for k, v in body),
                       headers={"content-type": "application/x-www-form-urlencoded"}, follow_redirects=False)


def _form(**over: object) -> dict:
    return {"answers.situation": "Team meeting", "answers.emotion": "Anxious", "answers.intensity": "70",
            "answers.automatic_thought": "They think I'm useless.", "answers.how_much_believed": "60", **over}


def _checked(html: str) -> list[str]:
    return re.findall(r'type="checkbox" name="answers.thinking_trap" value="([^"]+)" checked', html)


def test_the_form_is_a_fieldset_of_checkboxes(client, session, patient):
    browser_login(client, patient)
    html = client.get(f"/homework/{TASK}").text
    field = re.search(r'<fieldset class="field radios checkboxes" id="f-thinking_trap".*?</fieldset>', html, re.S).group(0)
    assert "<legend>Which thinking traps does it fit? <span class=\"muted\">(optional)</span></legend>" in field
    assert field.count('type="checkbox"') == 10 and 'value="Overgeneralising"' in field
    assert field.count("<label") == 10  # each box is inside its label: the whole line is the target
    assert _checked(html) == []


def test_the_form_keeps_the_ticked_boxes_after_an_error_and_in_a_reopened_draft(client, session, patient):
    browser_login(client, patient)
    ticked = ["Mind reading", "Labelling"]
    r = _post(client, f"/homework/{TASK}", {**_form(**{"answers.intensity": "150"}), "action": "submit",
                                            "answers.thinking_trap": ticked})
    assert r.status_code == 422 and count(session) == 0
    assert 'id="e-intensity"' in r.text and _checked(r.text) == ticked

    r = _post(client, f"/homework/{TASK}", {**_form(), "action": "submit",
                                            "answers.thinking_trap": ["Mind reading", "Nonsense"]})
    assert r.status_code == 422 and count(session) == 0
    assert 'id="e-thinking_trap">Please choose only from the options listed.</p>' in r.text
    assert 'href="#f-thinking_trap"' in r.text

    r = _post(client, f"/homework/{TASK}", {**_form(), "action": "draft", "answers.thinking_trap": ticked})
    assert r.status_code == 303, r.text
    entry_id = session.scalars(select(HomeworkEntry.id)).one()
    assert _checked(client.get(f"/homework/entries/{entry_id}").text) == ticked
    # one box ticked arrives as one value, and unticking all clears the answer
    r = _post(client, f"/homework/entries/{entry_id}", {**_form(), "action": "draft",
                                                        "answers.thinking_trap": ["Fortune telling"]})
    assert r.status_code == 303 and _checked(client.get(f"/homework/entries/{entry_id}").text) == ["Fortune telling"]
    r = _post(client, f"/homework/entries/{entry_id}", {**_form(), "action": "draft"})
    assert r.status_code == 303 and _checked(client.get(f"/homework/entries/{entry_id}").text) == []


def test_workbook_print_and_clinician_record_show_the_chosen_traps(client, session, patient):
    clinician = make_user(session, "clinician")
    assign(session, patient, clinician)
    session.commit()
    browser_login(client, patient)
    r = _post(client, f"/homework/{TASK}", {**_form(), "action": "submit",
                                            "answers.thinking_trap": ["Mind reading", "Labelling"]})
    assert r.status_code == 303, r.text
    entry_id = session.scalars(select(HomeworkEntry.id)).one()
    # My workbook lists the entry; opening it shows the traps ticked; the printable workbook lists them
    assert f'href="/homework/entries/{entry_id}"' in client.get("/workbook").text
    assert _checked(client.get(f"/homework/entries/{entry_id}").text) == ["Mind reading", "Labelling"]
    printed = client.get("/workbook/print").text
    assert re.search(r"Which thinking traps does it fit\?</h\d>\s*<p>Mind reading, Labelling</p>", printed), printed
    client.cookies.clear()
    browser_login(client, clinician)
    record = client.get(f"/clinician/patients/{patient.id}")
    assert record.status_code == 200 and "Mind reading, Labelling" in record.text


def test_an_old_free_text_answer_still_shows_and_can_be_submitted(client, session, patient):
    """Entries saved while the question was free text keep that text everywhere."""
    row = HomeworkEntry(id=uuid.uuid4(), task_slug=TASK, module_slug=MODULE.slug, patient_id=patient.id,
                        status="draft", content_version=2)
    crypto.seal_json(session, row, "answers_enc", {**GOOD, "thinking_trap": "mind reading, maybe labelling"})
    session.add(row)
    session.commit()
    view = service.get(session, patient.id, row.id)
    assert [i.text for i in view.items if i.label.startswith("Which thinking traps")] == ["mind reading, maybe labelling"]
    browser_login(client, patient)
    assert "mind reading, maybe labelling" in client.get("/workbook/print").text
    assert "What you wrote before: mind reading, maybe labelling" in client.get(f"/homework/entries/{row.id}").text
    h = api_token(client, patient)
    r = client.patch(f"/api/v1/homework/entries/{row.id}", json={"status": "submitted"}, headers=h)
    assert r.status_code == 200, r.text
    assert r.json()["answers"]["thinking_trap"] == "mind reading, maybe labelling"
