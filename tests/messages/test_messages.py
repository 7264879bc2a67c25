"""Messages: the conversation, risk phrases raising an urgent alert in the same transaction,
bad input (422 naming the field, nothing stored), a resent form storing one message, and
assignment-scoped access for clinicians."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.alerts.models import Alert
from app.mail.models import OutboxMessage
from app.messages import risk, service
from app.messages.models import Message
from tests.factories import api_token, assign, browser_login, csrf_from, make_user


@pytest.fixture
def people(session):  # type: ignore[no-untyped-def]
    patient = make_user(session, "patient", name="Pat")
    clin = make_user(session, "clinician", name="Dr Lee")
    other = make_user(session, "clinician")
    assign(session, patient, clin)
    return patient, clin, other


def _count(session, model) -> int:  # type: ignore[no-untyped-def]
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model)) or 0


@pytest.mark.parametrize("text", ["I want to KILL MYSELF", "i just want to end it all", "thinking about suicide.",
                                  "I took an overdose", "I don’t want to be here anymore", "self-harm again",
                                  "I keep thinking I could hurt   myself"])
def test_risk_phrases_match(text: str) -> None:
    assert risk.contains_risk(text)


@pytest.mark.parametrize("text", ["I spend items on the weekend", "The film was killer", "Legend it was",
                                  "We need to blend it", "The suicidesquad game"])
def test_innocent_text_does_not_match(text: str) -> None:
    assert not risk.contains_risk(text)


def test_extra_phrases_from_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    from app.config import get_settings
    monkeypatch.setattr(get_settings(), "message_risk_phrases", "no way out, give up")
    assert risk.contains_risk("I see no way out")


def test_patient_and_clinician_converse_with_read_receipts(client, session, people) -> None:  # type: ignore[no-untyped-def]
    patient, clin, _ = people
    hp, hc = api_token(client, patient), api_token(client, clin)
    r = client.post("/api/v1/messages", json={"body": "Hello, I did my homework"}, headers=hp)
    assert r.status_code == 201, r.text
    assert r.json()["from"] == "patient" and r.json()["risk"] is False and r.json()["escalation"] is None
    # The clinician is e-mailed without the content.
    mail = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "message_notice")).all()
    assert len(mail) == 1 and mail[0].user_id == clin.id
    from app.security import crypto
    assert "homework" not in (crypto.unseal(session, mail[0], "body_enc") or "")
    # Stored encrypted.
    row = session.scalars(select(Message)).one()
    assert b"homework" not in bytes(row.body_enc)
    r = client.post(f"/api/v1/clinician/patients/{patient.id}/messages", json={"body": "Well done!"}, headers=hc)
    assert r.status_code == 201
    msgs = client.get(f"/api/v1/clinician/patients/{patient.id}/messages", headers=hc).json()
    assert [m["from"] for m in msgs] == ["patient", "clinician"]
    assert msgs[1]["read_at"] is None                      # not read by the patient yet
    assert service.unread_for_patient(session, patient.id) == 1
    mine = client.get("/api/v1/messages", headers=hp).json()
    assert mine[1]["body"] == "Well done!" and mine[1]["author"] == "Dr Lee"
    msgs = client.get(f"/api/v1/clinician/patients/{patient.id}/messages", headers=hc).json()
    assert msgs[1]["read_at"] is not None                  # the receipt
    assert service.latest_from_care_team(session, patient.id).body == "Well done!"


def test_risk_message_raises_urgent_alert_in_the_same_transaction(client, session, people) -> None:  # type: ignore[no-untyped-def]
    patient, _, _ = people
    hp = api_token(client, patient)
    r = client.post("/api/v1/messages", json={"body": "Honestly I want to end it all tonight"}, headers=hp)
    assert r.status_code == 201
    body = r.json()
    assert body["risk"] is True and body["escalation"] and body["escalation"]["resources"]
    session.expire_all()
    alert = session.scalars(select(Alert).where(Alert.patient_id == patient.id)).one()
    assert alert.rule == "message_risk" and alert.tier == "urgent"


def test_risk_alert_rolls_back_with_the_message(session, people, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Same transaction: if the request fails after the alert, neither is stored."""
    patient, _, _ = people
    from app.guided import service as guided

    def boom(*a, **k):  # type: ignore[no-untyped-def]
        raise RuntimeError("later step failed")
    monkeypatch.setattr(guided, "bring_review_forward", boom)
    with pytest.raises(RuntimeError):
        service.send_from_patient(session, patient.user, "I will kill myself")
    session.rollback()
    assert _count(session, Message) == 0 and _count(session, Alert) == 0


def test_risk_message_page_shows_crisis_resources_at_once(client, session, people) -> None:  # type: ignore[no-untyped-def]
    patient, _, _ = people
    browser_login(client, patient)
    page = client.get("/messages")
    assert "Messages are not for emergencies" in page.text and 'href="/help"' in page.text
    assert "within two working days" in page.text
    r = client.post("/messages", data={"csrf_token": csrf_from(page.text), "body": "thinking of suicide",
                                       "idempotency_key": "k1"}, follow_redirects=False)
    assert r.status_code == 200
    assert "Your care team has been alerted" in r.text and 'class="crisis"' in r.text
    session.expire_all()
    assert session.scalars(select(Alert)).one().rule == "message_risk"


def test_plain_message_page_shows_no_crisis_box(client, session, people) -> None:  # type: ignore[no-untyped-def]
    patient, _, _ = people
    browser_login(client, patient)
    page = client.get("/messages")
    r = client.post("/messages", data={"csrf_token": csrf_from(page.text), "body": "See you next week",
                                       "idempotency_key": "k2"}, follow_redirects=True)
    assert r.status_code == 200 and "Your message has been sent" in r.text and "alerted" not in r.text
    assert _count(session, Alert) == 0


@pytest.mark.parametrize("body", ["", "   \n ", "x" * 5001])
def test_bad_message_is_422_naming_the_field_and_stores_nothing(client, session, people, body) -> None:  # type: ignore[no-untyped-def]
    patient, clin, _ = people
    r = client.post("/api/v1/messages", json={"body": body}, headers=api_token(client, patient))
    assert r.status_code == 422 and r.json()["detail"][0]["loc"][-1] == "body"
    r = client.post(f"/api/v1/clinician/patients/{patient.id}/messages", json={"body": body},
                    headers=api_token(client, clin))
    assert r.status_code == 422 and r.json()["detail"][0]["loc"][-1] == "body"
    assert _count(session, Message) == 0


def test_bad_message_form_is_shown_again(client, session, people) -> None:  # type: ignore[no-untyped-def]
    patient, _, _ = people
    browser_login(client, patient)
    page = client.get("/messages")
    r = client.post("/messages", data={"csrf_token": csrf_from(page.text), "body": "y" * 5001})
    assert r.status_code == 422 and "5000 characters" in r.text and "y" * 5001 in r.text
    assert _count(session, Message) == 0


def test_resent_form_stores_one_message(client, session, people) -> None:  # type: ignore[no-untyped-def]
    patient, _, _ = people
    browser_login(client, patient)
    page = client.get("/messages")
    data = {"csrf_token": csrf_from(page.text), "body": "Sent twice", "idempotency_key": "same-key"}
    for _ in range(2):
        assert client.post("/messages", data=data, follow_redirects=False).status_code == 303
    assert _count(session, Message) == 1
    h = api_token(client, patient)
    a = client.post("/api/v1/messages", json={"body": "api"}, headers={**h, "Idempotency-Key": "k-9"})
    b = client.post("/api/v1/messages", json={"body": "api"}, headers={**h, "Idempotency-Key": "k-9"})
    assert a.json()["id"] == b.json()["id"] and b.headers["Idempotent-Replayed"] == "true"
    assert _count(session, Message) == 2


def test_unassigned_clinician_gets_404(client, session, people) -> None:  # type: ignore[no-untyped-def]
    patient, _, other = people
    h = api_token(client, other)
    r = client.get(f"/api/v1/clinician/patients/{patient.id}/messages", headers=h)
    missing = client.get("/api/v1/clinician/patients/00000000-0000-0000-0000-000000000000/messages", headers=h)
    assert r.status_code == missing.status_code == 404 and r.json() == missing.json()
    r = client.post(f"/api/v1/clinician/patients/{patient.id}/messages", json={"body": "hi"}, headers=h)
    assert r.status_code == 404 and _count(session, Message) == 0


def test_unread_count_in_the_menu(client, session, people) -> None:  # type: ignore[no-untyped-def]
    patient, clin, _ = people
    client.post(f"/api/v1/clinician/patients/{patient.id}/messages", json={"body": "How are you?"},
                headers=api_token(client, clin))
    browser_login(client, patient)
    assert "1 new" in client.get("/progress").text
    client.get("/messages")
    assert "1 new" not in client.get("/progress").text
