"""Security item 34: control characters refused in every text field, bidi overrides in names;
422 naming the field, nothing stored."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.accounts import service as accounts
from app.accounts.models import Role, User
from app.diary.models import DiaryEntry
from app.errors import InvalidInput
from app.security.text import SafeName, SafeText, text_problem
from tests.factories import api_token, browser_login, csrf_from, make_user

RLO = "\u202e"


def _users(session) -> int:  # type: ignore[no-untyped-def]
    session.expire_all()
    return session.scalar(select(func.count()).select_from(User)) or 0


@pytest.mark.parametrize("field,value", [
    ("email", "ali\x00ce@example.org"),
    ("email", "alice" + RLO + "@example.org"),
    ("display_name", "Alice\x00"),
    ("display_name", "Alice " + RLO + "nomed"),
    ("display_name", "Bob\x1b[31m"),
])
def test_api_registration_refuses_unsafe_names_naming_the_field(client, session, field, value):
    body = {"email": "alice@example.org", "password": "a long unusual passphrase 42", "phone": "07911 123456", "consent": True,
            "display_name": "Alice", field: value}
    r = client.post("/api/v1/auth/register", json=body)
    assert r.status_code == 422, r.text
    assert r.json()["detail"][0]["loc"] == ["body", field]
    assert _users(session) == 0


def test_register_page_refuses_bidi_in_the_name(client, session):
    page = client.get("/register?safe=yes")
    r = client.post("/register", data={"email": "alice@example.org", "password": "a long unusual passphrase 42",
                                       "display_name": "Dr " + RLO + "nhoJ", "consent": "yes",
                                       "phone": "07911 123456", "date_of_birth": "1990-04-23",
                                       "csrf_token": csrf_from(page.text)})
    assert r.status_code == 422
    assert "display name" in r.text and "direction override" in r.text
    assert _users(session) == 0


def test_diary_note_with_nul_is_refused_but_tabs_newlines_and_bidi_in_notes_are_kept(client, session):
    patient = make_user(session, "patient")
    h = api_token(client, patient)
    r = client.post("/api/v1/diary", json={"mood": 5, "note": "fine\x00then"}, headers=h)
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "note"]
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(DiaryEntry)) == 0
    r = client.post("/api/v1/diary", json={"mood": 5, "note": "line one\n\tline two " + RLO + "x"}, headers=h)
    assert r.status_code == 201, r.text


def test_diary_form_with_control_character_is_refused(client, session):
    patient = make_user(session, "patient")
    browser_login(client, patient)
    page = client.get("/diary")
    r = client.post("/diary", data={"mood": "5", "note": "bad\x07bell", "csrf_token": csrf_from(page.text)})
    assert r.status_code == 422 and "note" in r.text
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(DiaryEntry)) == 0


def test_service_and_types_share_the_rule(session):
    with pytest.raises(InvalidInput) as e:
        accounts.create_user(session, role=Role.clinician, email="c@example.org", password=None,
                             display_name="Dr " + RLO + "X")
    assert e.value.field == "display_name"
    assert text_problem("tab\tnewline\r\n ok") is None
    assert text_problem("x" + RLO, name=False) is None and text_problem("x" + RLO, name=True)
    from pydantic import TypeAdapter, ValidationError
    TypeAdapter(SafeText).validate_python("a\nb")
    for t, v in ((SafeText, "a\x00"), (SafeName, "a\u2066b")):
        with pytest.raises(ValidationError):
            TypeAdapter(t).validate_python(v)
