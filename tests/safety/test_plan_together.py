"""The safety plan written together (issue 15): an assigned clinician edits the patient's plan
on the record; every save is a version (who, when, which sections); both see the history; two
edits from the same version cannot overwrite each other unseen."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from app import clock
from app.audit.models import AuditEvent
from app.safety import service as safety
from app.safety.models import SafetyPlan, SafetyPlanVersion
from tests.alerts.support import care_pair, count
from tests.factories import browser_login, csrf_from, make_user

T0 = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
CANARY = "canary-together-7731"


def _version(html: str) -> str:
    m = re.search(r'name="version" value="(\d+)"', html)
    assert m, "no version field in the form"
    return m.group(1)


def _post(client, action: str, form_html: str, **sections: str):  # type: ignore[no-untyped-def]
    return client.post(action, follow_redirects=False, data={
        "csrf_token": csrf_from(form_html), "version": _version(form_html), **sections})


def _plan_url(patient) -> str:  # type: ignore[no-untyped-def]
    return f"/clinician/patients/{patient.id}/safety-plan"


def _events(session, **where):  # type: ignore[no-untyped-def]
    session.expire_all()
    q = select(AuditEvent).where(*[getattr(AuditEvent, k) == v for k, v in where.items()])
    return session.scalars(q.order_by(AuditEvent.seq)).all()


def test_clinician_edits_the_plan_from_the_record_and_it_is_audited(client, session):
    patient, clinician = care_pair(session)
    with clock.frozen(T0):
        safety.save(session, patient.user, {"warning_signs": "Not sleeping", "coping": "Walk the dog"})
        session.commit()
    browser_login(client, clinician)
    record = client.get(f"/clinician/patients/{patient.id}")
    assert f'href="{_plan_url(patient)}"' in record.text
    form = client.get(_plan_url(patient))
    assert form.status_code == 200 and "Walk the dog" in form.text and _version(form.text) == "1"
    assert 'name="environment"' in form.text and 'maxlength="2000"' in form.text   # same sections, same limits
    with clock.frozen(T0 + timedelta(days=1)):
        r = _post(client, _plan_url(patient), form.text, warning_signs="Not sleeping",
                  coping=f"Walk the dog\nCall Sam {CANARY}", environment="Sam keeps the tablets")
    assert r.status_code == 303 and r.headers["location"] == f"{_plan_url(patient)}?notice=saved"
    assert "The safety plan is saved." in client.get(r.headers["location"]).text
    session.expire_all()
    plan = safety.get(session, patient.id)
    assert plan.version == 2 and plan.sections["environment"] == "Sam keeps the tablets"
    v = session.scalars(select(SafetyPlanVersion).where(SafetyPlanVersion.number == 2)).one()
    assert (v.author_role, v.author_id) == ("clinician", clinician.id)
    assert b"Dr Assigned" not in v.author_name_enc and CANARY.encode() not in v.content_enc   # sealed
    # audited: every read (the record, the plan page, after saving) and the save
    assert [e.actor_id for e in _events(session, action="safety_plan.update")] == [clinician.id]
    update = _events(session, action="safety_plan.update")[0]
    assert (update.patient_id, update.record_type, update.outcome) == (patient.id, "safety_plan", "success")
    reads = _events(session, action="record.view", record_type="safety_plan", actor_id=clinician.id)
    assert len(reads) == 3
    # the version page: audited too
    assert "Not sleeping" in client.get(f"{_plan_url(patient)}/versions/1").text
    assert len(_events(session, action="record.view", record_type="safety_plan_version")) == 1


def test_history_shows_who_changed_what_and_when_to_both(client, anon_client, session):
    patient, clinician = care_pair(session)
    with clock.frozen(T0):
        safety.save(session, patient.user, {"warning_signs": "Not sleeping", "coping": "Walk the dog"})
        session.commit()
    with clock.frozen(T0 + timedelta(days=1, hours=4)):
        safety.save(session, patient.user, {"warning_signs": "Not sleeping", "coping": "Walk the dog and call Sam"},
                    author=clinician.user, expected_version=1)
        session.commit()
    browser_login(client, patient)
    page = client.get("/safety-plan").text
    newer = "Changed by Dr Assigned (care team) on 2 Dec 2026, 14:00: Things I can do on my own"
    older = "Written by you on 1 Dec 2026, 10:00: My warning signs, Things I can do on my own"
    assert newer in page and older in page and page.index(newer) < page.index(older)   # newest first
    assert "Last changed by Dr Assigned (care team) on 2 December 2026." in page
    assert "written this plan with your care team" in page
    # earlier versions' text
    v1 = client.get("/safety-plan/versions/1")
    assert v1.status_code == 200 and "Walk the dog</li>" in v1.text and "call Sam" not in v1.text
    assert client.get("/safety-plan/versions/3").status_code == 404
    # the home page says so, from the versions
    home = client.get("/").text
    assert "written with your care team" in home and "written by you" not in home
    assert "Last changed by Dr Assigned (care team)" in home
    # the clinician's views
    browser_login(anon_client, clinician)
    record = anon_client.get(f"/clinician/patients/{patient.id}").text
    assert "Written by the patient with the care team." in record
    assert "Changed by you on 2 Dec 2026, 14:00: Things I can do on my own" in record
    assert "Written by the patient on 1 Dec 2026, 10:00" in record
    assert "Written by the patient on" in anon_client.get(_plan_url(patient)).text


def test_home_card_says_who_wrote_the_plan(client, session):
    patient, _ = care_pair(session)
    browser_login(client, patient)
    home = client.get("/").text
    assert "You have not written yours yet." in home and "written by you" not in home
    safety.save(session, patient.user, {"coping": "Music"})
    session.commit()
    home = client.get("/").text
    assert "written by you." in home and "with your care team" not in home and "Last changed by you on" in home


def test_a_change_made_meanwhile_is_not_overwritten(client, anon_client, session):
    patient, clinician = care_pair(session)
    safety.save(session, patient.user, {"coping": "Walk the dog", "reasons": "My sister"})
    session.commit()
    browser_login(client, patient)
    browser_login(anon_client, clinician)
    patient_form = client.get("/safety-plan/edit").text          # both open version 1
    clinician_form = anon_client.get(_plan_url(patient)).text
    assert _version(patient_form) == _version(clinician_form) == "1"
    r = _post(anon_client, _plan_url(patient), clinician_form, coping="Walk the dog\nRing the crisis line",
              reasons="My sister")
    assert r.status_code == 303
    # the patient saves from version 1: refused, nothing stored, both texts kept
    r = _post(client, "/safety-plan", patient_form, coping="Walk the dog", reasons="My sister and my cat")
    assert r.status_code == 409
    assert "The plan was changed while you were writing" in r.text
    assert "It was changed by Dr Assigned (care team) on" in r.text
    assert "Ring the crisis line</textarea>" in r.text                  # the newer plan is loaded
    assert 'id="yours-reasons" rows="4" readonly>My sister and my cat</textarea>' in r.text   # theirs kept
    assert 'id="yours-coping"' not in r.text     # they did not change it: nothing of theirs to re-apply
    assert _version(r.text) == "2"
    session.expire_all()
    plan = safety.get(session, patient.id)
    assert plan.version == 2 and plan.sections["reasons"] == "My sister"
    assert count(session, SafetyPlanVersion) == 2
    # applied again on the newer version: saved
    r = _post(client, "/safety-plan", r.text, coping="Walk the dog\nRing the crisis line",
              reasons="My sister and my cat")
    assert r.status_code == 303
    session.expire_all()
    assert safety.get(session, patient.id).sections == {**plan.sections, "reasons": "My sister and my cat"}
    # and the clinician, still on version 2, is told in turn
    r = _post(anon_client, _plan_url(patient), clinician_form.replace('value="1"', 'value="2"'), coping="x")
    assert r.status_code == 409 and "It was changed by the patient on" in r.text
    refused = _events(session, action="safety_plan.update", outcome="conflict")
    assert [e.actor_id for e in refused] == [clinician.id]


def test_the_same_form_sent_twice_saves_once(client, session):
    patient = make_user(session)
    browser_login(client, patient)
    form = client.get("/safety-plan/edit").text
    assert _version(form) == "0"
    for _ in range(2):
        assert _post(client, "/safety-plan", form, coping="Music").status_code == 303
    session.expire_all()
    assert count(session, SafetyPlanVersion) == 1 and safety.get(session, patient.id).version == 1


def test_the_write_itself_refuses_a_stale_version(session, monkeypatch):
    """Two saves that both read version 1 (possible on PostgreSQL between the read and the
    write): the update only applies to the version it read, so the second is refused."""
    patient, clinician = care_pair(session)
    safety.save(session, patient.user, {"coping": "Walk the dog"})
    session.commit()
    real = safety._row
    stale = real(session, patient.id)
    session.expunge(stale)          # version 1, as the second save read it
    safety.save(session, patient.user, {"coping": "Walk the dog every day"}, expected_version=1)
    session.commit()                # the first save: version 2
    monkeypatch.setattr(safety, "_row", lambda s, pid, lock=False: stale if lock else real(s, pid))
    try:
        safety.save(session, patient.user, {"coping": "Music"}, author=clinician.user, expected_version=1)
    except safety.PlanConflict:
        pass
    else:
        raise AssertionError("a stale version overwrote the plan")
    session.rollback()
    assert safety.get(session, patient.id).sections["coping"] == "Walk the dog every day"
    assert count(session, SafetyPlanVersion) == 2


def test_unassigned_clinician_gets_404_and_nothing_changes(client, session):
    patient, _ = care_pair(session)
    safety.save(session, patient.user, {"coping": "Walk the dog"})
    session.commit()
    other = make_user(session, "clinician")
    browser_login(client, other)
    assert client.get(_plan_url(patient)).status_code == 404
    assert client.get(f"{_plan_url(patient)}/versions/1").status_code == 404
    help_page = client.get("/help").text
    r = client.post(_plan_url(patient), data={"csrf_token": csrf_from(help_page), "version": "1", "coping": "x"})
    assert r.status_code == 404
    session.expire_all()
    assert safety.get(session, patient.id).sections["coping"] == "Walk the dog"
    assert count(session, SafetyPlanVersion) == 1
    assert _events(session, action="record.view", actor_id=other.id, record_type="safety_plan") == []


def test_oversized_section_is_422_with_the_text_kept_and_nothing_stored(client, session):
    patient, clinician = care_pair(session)
    safety.save(session, patient.user, {"coping": "Walk the dog"})
    session.commit()
    browser_login(client, clinician)
    form = client.get(_plan_url(patient)).text
    r = _post(client, _plan_url(patient), form, coping=f"Call Sam {CANARY}",
              environment="x" * (safety.SECTION_MAX + 1))
    assert r.status_code == 422
    assert 'id="e-environment"' in r.text and "2000 characters" in r.text
    assert f"Call Sam {CANARY}</textarea>" in r.text and _version(r.text) == "1"
    session.expire_all()
    assert safety.get(session, patient.id).sections["coping"] == "Walk the dog"
    assert count(session, SafetyPlanVersion) == 1 and count(session, SafetyPlan) == 1
    assert _events(session, action="safety_plan.update") == []
