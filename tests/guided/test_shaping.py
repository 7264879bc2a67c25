"""Shaping one patient's programme (app/guided/shaping.py): hold a module with a private reason
and a message for the patient, lift it, set the patient's release interval; the patient sees
when the next module opens and why, never the reason; assigned clinicians only; audited."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.guided.models import ClinicalNote, IntervalChange, ModuleHold
from app.programme import service as programme
from tests.factories import api_token, assign, browser_login, csrf_from, make_user
from tests.programme.support import M1, M2

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)       # the frozen_clock fixture's time (a Monday)
REASON = "Low mood after the bereavement; wants more time on activity scheduling"
MESSAGE = "Let's spend another week on the activity plan before the next module."
HOLD = f"/api/v1/clinician/patients/{{pid}}/modules/{M2}/hold"


def day(d: float) -> datetime:
    return T0 + timedelta(days=d)


@pytest.fixture
def people(session, frozen_clock):  # type: ignore[no-untyped-def]
    patient = make_user(session, "patient", name="Pat")
    clin = make_user(session, "clinician", name="Dr Lee")
    other = make_user(session, "clinician")
    assign(session, patient, clin)
    return patient, clin, other


def _count(session, model) -> int:  # type: ignore[no-untyped-def]
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model)) or 0


def _finish_module_one(session, patient, at):  # type: ignore[no-untyped-def]
    from app import clock
    with clock.frozen(at):
        programme.complete(session, patient.user, M1)
        session.commit()


def _m2(client, headers):  # type: ignore[no-untyped-def]
    return next(m for m in client.get("/api/v1/modules", headers=headers).json() if m["slug"] == M2)


def _actions(session, patient) -> list[str]:  # type: ignore[no-untyped-def]
    session.expire_all()
    return list(session.scalars(select(AuditEvent.action).where(AuditEvent.patient_id == patient.id)))


def test_hold_keeps_the_module_closed_and_the_patient_sees_only_the_message(client, session, people, frozen_clock):
    patient, clin, _ = people
    _finish_module_one(session, patient, day(1))
    frozen_clock(day(2))
    hc = api_token(client, clin)
    r = client.post(HOLD.format(pid=patient.id), json={"reason": REASON, "message": MESSAGE}, headers=hc)
    assert r.status_code == 201, r.text
    assert r.json()["held"] and r.json()["status"] == "locked" and r.json()["message"] == MESSAGE
    assert "module.hold" in _actions(session, patient)
    # the reason is a sealed clinical note; the message is sealed on the hold
    note = session.scalars(select(ClinicalNote).where(ClinicalNote.kind == "hold")).one()
    hold = session.scalars(select(ModuleHold)).one()
    assert b"bereavement" not in bytes(note.body_enc) and b"activity plan" not in bytes(hold.message_enc)

    frozen_clock(day(9))                          # past the day module 2 would have opened
    hp = api_token(client, patient)
    m2 = _m2(client, hp)
    assert m2["status"] == "locked" and m2["held"] and m2["why_code"] == "held" and m2["opens_at"] is None
    assert m2["why"] == f"Your care team has paused module 2 for now: {MESSAGE}"
    assert client.get(f"/api/v1/modules/{M2}", headers=hp).status_code == 403
    browser_login(client, patient)
    for url in ("/modules", "/", f"/modules/{M2}", f"/modules/{M1}/finished"):
        page = client.get(url)
        assert MESSAGE.replace("'", "&#39;") in page.text, url
        assert "bereavement" not in page.text, url
    everything = [client.get(u).text for u in ("/account/summary", "/account/export.json", "/messages")]
    everything.append(client.get("/api/v1/me/export", headers=hp).text)
    assert all("bereavement" not in t for t in everything)
    export = client.get("/api/v1/me/export", headers=hp).json()["records"]
    assert "clinical_notes" not in export and export["module_holds"][0]["message"] == MESSAGE


def test_a_hold_without_a_message_has_a_kind_generic_line(client, session, people, frozen_clock):
    patient, clin, _ = people
    r = client.post(HOLD.format(pid=patient.id), json={"reason": REASON}, headers=api_token(client, clin))
    assert r.status_code == 201 and r.json()["message"] is None
    why = _m2(client, api_token(client, patient))["why"]
    assert why.startswith("Your care team has paused module 2 for now.") and "bereavement" not in why


def test_lifting_opens_it_now_if_its_day_has_passed_and_sends_the_new_module_reminder_then(
        client, session, people, frozen_clock):
    from app.monitoring import service as monitoring
    from app.monitoring.models import Reminder
    patient, clin, _ = people
    _finish_module_one(session, patient, day(1))
    frozen_clock(day(2))
    hc = api_token(client, clin)
    assert client.post(HOLD.format(pid=patient.id), json={"reason": REASON}, headers=hc).status_code == 201
    for d in (7, 7.5, 8, 9):
        frozen_clock(day(d))
        monitoring.run_schedule(day(d))
    assert session.scalars(select(Reminder).where(Reminder.kind == "module_opened")).all() == []
    frozen_clock(day(10))
    r = client.delete(HOLD.format(pid=patient.id), headers=api_token(client, clin))
    assert r.status_code == 200 and not r.json()["held"] and r.json()["status"] == "available"
    assert "module.hold_lift" in _actions(session, patient)
    m2 = _m2(client, api_token(client, patient))
    assert m2["status"] == "available" and datetime.fromisoformat(m2["available_at"]) == day(10)
    for d in (10, 10.5, 11, 12):
        frozen_clock(day(d))
        monitoring.run_schedule(day(d))
    session.expire_all()
    assert [r.key for r in session.scalars(select(Reminder).where(Reminder.kind == "module_opened"))] == [M2]
    # nothing left to lift
    assert client.delete(HOLD.format(pid=patient.id), headers=api_token(client, clin)).status_code == 404


def test_lifting_before_its_day_leaves_it_to_the_schedule(client, session, people, frozen_clock):
    patient, clin, _ = people
    _finish_module_one(session, patient, day(1))
    frozen_clock(day(2))
    hc = api_token(client, clin)
    client.post(HOLD.format(pid=patient.id), json={"reason": REASON}, headers=hc)
    frozen_clock(day(3))
    assert client.delete(HOLD.format(pid=patient.id), headers=api_token(client, clin)).json()["status"] == "locked"
    m2 = _m2(client, api_token(client, patient))
    assert m2["why_code"] == "interval" and m2["why"] == "Module 2 opens on Monday 9 March (7 days after module 1 opened)."


def test_open_modules_stay_open_and_a_module_is_held_once(client, session, people, frozen_clock):
    patient, clin, _ = people
    hc = api_token(client, clin)
    r = client.post(f"/api/v1/clinician/patients/{patient.id}/modules/{M1}/hold", json={"reason": REASON}, headers=hc)
    assert r.status_code == 409 and r.json()["error"] == "module_open"
    assert client.post(HOLD.format(pid=patient.id), json={"reason": REASON}, headers=hc).status_code == 201
    r = client.post(HOLD.format(pid=patient.id), json={"reason": "again"}, headers=hc)
    assert r.status_code == 409 and r.json()["error"] == "module_held"
    assert _count(session, ModuleHold) == 1 and _count(session, ClinicalNote) == 1


def test_opening_early_lifts_the_hold(client, session, people, frozen_clock):
    patient, clin, _ = people
    hc = api_token(client, clin)
    client.post(HOLD.format(pid=patient.id), json={"reason": REASON, "message": MESSAGE}, headers=hc)
    assert client.post(f"/api/v1/clinician/patients/{patient.id}/modules/{M2}/open", headers=hc).status_code == 200
    m2 = _m2(client, api_token(client, patient))
    assert m2["status"] == "available" and not m2["held"] and m2["why_code"] == "opened_by_care_team"
    assert m2["why"] == "Your care team has opened module 2 for you."
    assert session.scalars(select(ModuleHold)).one().released_how == "opened_early"


@pytest.mark.parametrize("body", [{"reason": ""}, {"reason": "   "}, {}, {"reason": "ok", "message": "x" * 1001},
                                  {"reason": "ok", "extra": 1}])
def test_bad_hold_is_422_and_stores_nothing(client, session, people, body):  # type: ignore[no-untyped-def]
    patient, clin, _ = people
    r = client.post(HOLD.format(pid=patient.id), json=body, headers=api_token(client, clin))
    assert r.status_code == 422, r.text
    if body.get("reason", "").strip() == "" and "reason" in body:
        assert r.json()["detail"][0]["loc"][-1] == "reason"
    assert _count(session, ModuleHold) == 0 and _count(session, ClinicalNote) == 0


@pytest.mark.parametrize("days", [0, 29, "x", "7", 7.5, True, -1])
def test_bad_interval_is_422_naming_days_and_stores_nothing(client, session, people, days):  # type: ignore[no-untyped-def]
    patient, clin, _ = people
    r = client.put(f"/api/v1/clinician/patients/{patient.id}/interval", json={"days": days},
                   headers=api_token(client, clin))
    assert r.status_code == 422 and r.json()["detail"][0]["loc"][-1] == "days", r.text
    assert _count(session, IntervalChange) == 0


def test_everyone_else_gets_404(client, session, people):  # type: ignore[no-untyped-def]
    patient, clin, other = people
    ho = api_token(client, other)
    assert client.post(HOLD.format(pid=patient.id), json={"reason": REASON}, headers=ho).status_code == 404
    assert client.delete(HOLD.format(pid=patient.id), headers=ho).status_code == 404
    assert client.put(f"/api/v1/clinician/patients/{patient.id}/interval", json={"days": 3},
                      headers=ho).status_code == 404
    hc = api_token(client, clin)
    assert client.post(f"/api/v1/clinician/patients/{patient.id}/modules/nope/hold", json={"reason": REASON},
                       headers=hc).status_code == 404
    assert _count(session, ModuleHold) == 0 and _count(session, IntervalChange) == 0


def test_the_patients_own_interval(client, session, people, frozen_clock):
    patient, clin, _ = people
    _finish_module_one(session, patient, day(1))
    frozen_clock(day(2))
    hc = api_token(client, clin)
    url = f"/api/v1/clinician/patients/{patient.id}/interval"
    r = client.put(url, json={"days": 3}, headers=hc)
    assert r.status_code == 200 and r.json()["days"] == 3 and r.json()["custom"] and r.json()["default_days"] == 7
    assert "module.interval_set" in _actions(session, patient)
    hp = api_token(client, patient)
    m2 = _m2(client, hp)       # module 1 opened at enrolment (day 0): 3 days later is day 3
    assert m2["why"] == "Module 2 opens tomorrow, Thursday 5 March (3 days after module 1 opened)."
    frozen_clock(day(3))
    assert _m2(client, api_token(client, patient))["status"] == "available"
    browser_login(client, patient)
    assert "A new module opens 3 days after the one before opened" in client.get("/modules").text
    # back to the default: recorded, and the module that opened stays open
    r = client.put(url, json={"days": None}, headers=api_token(client, clin))
    assert r.json() == {"days": 7, "default_days": 7, "custom": False, "changed_at": r.json()["changed_at"]}
    assert _m2(client, api_token(client, patient))["status"] == "available"
    session.expire_all()
    rows = session.scalars(select(IntervalChange).order_by(IntervalChange.changed_at)).all()
    assert [(r.days, r.changed_by) for r in rows] == [(3, clin.id), (None, clin.id)]


def test_record_page_forms(client, session, people, frozen_clock):
    patient, clin, _ = people
    browser_login(client, clin)
    base = f"/clinician/patients/{patient.id}"
    page = client.get(base)
    assert page.status_code == 200 and "Pace of the programme" in page.text and "No module is held." in page.text
    assert 'action="' + base + '/holds"' in page.text and 'action="' + base + '/interval"' in page.text
    token = csrf_from(page.text)
    r = client.post(f"{base}/holds", data={"csrf_token": token, "module": M2, "reason": "", "message": MESSAGE})
    assert r.status_code == 422 and "Please write the reason for the hold" in r.text
    assert "another week on the activity plan" in r.text                   # the form is shown again
    assert _count(session, ModuleHold) == 0
    r = client.post(f"{base}/holds", data={"csrf_token": token, "module": M2, "reason": REASON, "message": MESSAGE},
                    follow_redirects=True)
    assert r.status_code == 200 and "Module held for this patient." in r.text and REASON in r.text
    assert "Lift the hold" in r.text and "held" in r.text
    for bad in ("0", "29", "x", ""):
        r = client.post(f"{base}/interval", data={"csrf_token": token, "days": bad})
        assert r.status_code == 422 and "Choose a whole number of days from 1 to 28." in r.text, bad
    assert _count(session, IntervalChange) == 0
    r = client.post(f"{base}/interval", data={"csrf_token": token, "days": "10"}, follow_redirects=True)
    assert "Release interval saved." in r.text and "set for this patient" in r.text and "Dr Lee" in r.text
    r = client.post(f"{base}/interval", data={"csrf_token": token, "days": "10", "reset": "1"}, follow_redirects=True)
    assert "(the service default)" in r.text
    r = client.post(f"{base}/holds/{M2}/lift", data={"csrf_token": token}, follow_redirects=True)
    assert "Hold lifted." in r.text and "No module is held." in r.text
    r = client.post(f"{base}/holds/{M2}/lift", data={"csrf_token": token}, follow_redirects=True)   # sent twice
    assert r.status_code == 200 and _count(session, ModuleHold) == 1
    assert client.post(f"{base}/holds", data={"module": M2, "reason": REASON}).status_code == 403   # CSRF


def test_the_clinician_reads_the_pace_with_reasons_and_the_read_is_audited(client, session, people, frozen_clock):
    patient, clin, other = people
    hc = api_token(client, clin)
    url = f"/api/v1/clinician/patients/{patient.id}/pace"
    assert client.get(url, headers=hc).json() == {
        "interval": {"days": 7, "default_days": 7, "custom": False, "changed_at": None}, "holds": []}
    client.put(f"/api/v1/clinician/patients/{patient.id}/interval", json={"days": 10}, headers=hc)
    client.post(HOLD.format(pid=patient.id), json={"reason": REASON, "message": MESSAGE}, headers=hc)
    body = client.get(url, headers=hc).json()
    assert body["interval"]["days"] == 10 and body["interval"]["custom"]
    [h] = body["holds"]
    assert (h["slug"], h["number"], h["reason"], h["message"], h["held_by"]) == (M2, 2, REASON, MESSAGE, "Dr Lee")
    assert "record.view" in _actions(session, patient)
    assert client.get(url, headers=api_token(client, other)).status_code == 404
    assert client.get(url, headers=api_token(client, patient)).status_code == 403
