"""Erasure: a patient with data in every table asks (password required), `icbt erase` carries
it out; afterwards no row anywhere refers to them, none of their ciphertext decrypts, sign-in
fails, the record is 404, the audit chain verifies, and the other patient is untouched."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import String, Uuid, func, or_, select

import app.models  # noqa: F401
from app import clock
from app.accounts import reset
from app.assessments import service as assessments
from app.audit import service as audit
from app.audit.models import AuditEvent
from app.db import Base
from app.monitoring.models import Reminder
from app.privacy import erasure, service as privacy
from app.security import crypto
from app.security.crypto import EncryptedBytes
from tests.factories import PASSWORD, api_token, assign, make_user
from tests.privacy.support import fill

ICBT = str(Path(sys.executable).with_name("icbt"))  # as an operator runs it
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _give_everything(client, session, p, c):  # type: ignore[no-untyped-def]
    fill(session, p)
    with clock.frozen(T0.replace(day=20)):
        assessments.submit(session, p.user, "phq9", [3, 3, 3, 3, 3, 3, 2, 2, 2], 3)  # severe, item 9: alert
        session.add(Reminder(patient_id=p.id, kind="checkin_due", key="2026-03-27", created_at=clock.now()))
        reset.request_reset(session, p.email)
        privacy.request_email_change(session, p.user, f"new-{uuid.uuid4().hex[:6]}@example.org", PASSWORD)
        session.commit()
        # guided support, contact details, reminders, web push, the end of treatment
        from app.assessments import service as assessments_service
        from app.contact import service as contact
        from app.contact.schemas import ContactIn
        from app.guided import episode
        from app.guided import service as guided
        from app.homework import service as homework_service
        from app.messages import service as messages
        from app.reminders import push
        from app.reminders import service as reminders
        messages.send_from_patient(session, p.user, "Could we talk about module 3?")
        guided.add_note(session, c.user, p.id, "Private: discuss sleep.")
        guided.complete_review(session, c.user, p.id, "Reviewed the week.", "Good to hear from you.")
        entry = homework_service.entries_for(session, p.id)[0]
        guided.give_feedback(session, c.user, p.id, entry.id, "Well noticed.")
        guided.open_module(session, c.user, p.id, "noticing-patterns")
        from app.guided import shaping
        shaping.hold(session, c.user, p.id, "doing-what-matters", "Private: more time first.", "A little more time first.")
        shaping.set_interval(session, c.user, p.id, 10)
        episode.set_status(session, c.user, p.id, "active", "started", "Agreed plan.")
        contact.save(session, p.id, ContactIn(phone="07911 123456"))
        reminders.set_time_zone(session, p.id, "Europe/London")
        push.subscribe(session, p.id, "https://push.example.org/send/abc", "BPp256dhkey", "authsecret")
        assessments_service.start_end_of_treatment(session, p.id, clock.now())
        from app.safety import service as safety   # the plan changed with the care team: a clinician's version
        safety.save(session, p.user, {"warning_signs": "Not sleeping", "coping": "Call my sister"}, author=c.user,
                    expected_version=safety.get(session, p.id).version)
        session.commit()
    client.post("/api/v1/auth/token", data={"username": p.email, "password": "wrong password!"})


def _blobs(session, pid):  # type: ignore[no-untyped-def]
    """Every ciphertext of the person, as a backup taken now would hold it."""
    out = []
    conds = erasure.person_conditions(pid)
    for table in Base.metadata.sorted_tables:
        cols = [c for c in table.columns if isinstance(c.type, EncryptedBytes)]
        if not cols or table.name not in conds:
            continue
        for row in session.execute(select(table).where(or_(*conds[table.name]))).mappings():
            for c in cols:
                if row[c.name] is not None:
                    out.append((table.name, c.name, row["id"] if "id" in row else pid, row[c.name]))
    return out


AUDIT_TABLES = {"audit_events", "audit_head"}  # append-only, hash-chained: kept on purpose


def _references(session, pid) -> list[str]:  # type: ignore[no-untyped-def]
    """Independent of the app's own check: every id or text column of every table."""
    found = []
    for table in Base.metadata.sorted_tables:
        if table.name in AUDIT_TABLES:
            continue
        for col in table.columns:
            if isinstance(col.type, Uuid):
                clause = col == pid
            elif isinstance(col.type, String):
                clause = func.lower(col) == str(pid)
            else:
                continue
            if session.scalar(select(func.count()).select_from(table).where(clause)):
                found.append(f"{table.name}.{col.name}")
    return found


def test_erasure_end_to_end(client, session, database_url, keys_file):  # type: ignore[no-untyped-def]
    with clock.frozen(T0):
        c = make_user(session, "clinician")
        p, q = make_user(session, name="To Be Erased"), make_user(session)
        assign(session, p, c)
        assign(session, q, c)
        fill(session, q)
    _give_everything(client, session, p, c)
    h = api_token(client, p)
    pid, p_email = p.id, p.email

    # every table that can hold a patient's data holds some of P's
    session.rollback()
    conds = erasure.person_conditions(p.id)
    empty = [t.name for t in Base.metadata.sorted_tables
             if t.name in conds and t.name not in AUDIT_TABLES | {"erasure_requests"}
             and not session.scalar(select(func.count()).select_from(t).where(or_(*conds[t.name])))]
    assert empty == [], f"no data of the patient in {empty}: give them some in _give_everything"

    # asking: the wrong password is refused and changes nothing
    r = client.post("/api/v1/me/erasure", json={"password": "not my password"}, headers=h)
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "password"]
    assert client.get("/api/v1/me", headers=h).status_code == 200
    r = client.post("/api/v1/me/erasure", json={"password": PASSWORD}, headers=h)
    assert r.status_code == 202
    assert client.get("/api/v1/me", headers=h).status_code == 401  # every session revoked at once
    session.rollback()
    assert [x.email for x in erasure.pending(session)] == [p.email]

    blobs = _blobs(session, p.id)
    assert len(blobs) > 20
    q_blobs = _blobs(session, q.id)

    env = {**os.environ, "ICBT_DATABASE_URL": database_url, "ICBT_KEYS_FILE": str(keys_file), "ICBT_ENV": "test"}
    done = subprocess.run([ICBT, "erase", "--patient", p.email.upper(), "--yes"],
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "data key destroyed" in done.stdout and "audit chain intact" in done.stdout

    session.rollback()
    session.info.pop("data_key_cache", None)
    assert _references(session, pid) == []
    for table in Base.metadata.sorted_tables:  # nor is anything left hanging off their rows
        for fk in (fk for col in table.columns for fk in col.foreign_keys):
            parent = fk.column
            orphans = session.scalar(select(func.count()).select_from(table).where(
                fk.parent.is_not(None), fk.parent.not_in(select(parent))))
            assert orphans == 0, f"{table.name}.{fk.parent.name}: {orphans} rows point at erased rows"
    assert erasure.pending(session) == []
    for table, column, row_id, blob in blobs:  # the ciphertext a backup may still hold
        try:
            crypto.decrypt_with(crypto.data_key(session, pid), table, column, row_id, pid, blob)
        except crypto.DecryptionError:
            continue
        raise AssertionError(f"{table}.{column} still decrypts")
    for table, column, row_id, blob in blobs:  # nor with anyone else's key
        try:
            crypto.decrypt_with(crypto.data_key(session, q.id), table, column, row_id, pid, blob)
        except crypto.DecryptionError:
            continue
        raise AssertionError(f"{table}.{column} decrypts with another key")
    for table, column, row_id, blob in q_blobs:  # the other patient is untouched
        crypto.decrypt_with(crypto.data_key(session, q.id), table, column, row_id, q.id, blob)

    assert audit.verify(session).ok
    ev = session.scalars(select(AuditEvent).where(AuditEvent.action == "patient.erase")).one()
    assert (ev.patient_id, ev.actor_role, ev.record_type, ev.outcome) == (pid, "operator", "user", "success")

    r = client.post("/api/v1/auth/token", data={"username": p_email, "password": PASSWORD})
    assert r.status_code == 401
    hc = api_token(client, c)
    assert client.get(f"/api/v1/clinician/patients/{pid}", headers=hc).status_code == 404
    assert client.get(f"/api/v1/clinician/patients/{pid}/fhir", headers=hc).status_code == 404
    assert client.get(f"/api/v1/clinician/patients/{q.id}", headers=hc).status_code == 200


def test_erase_unknown_patient_fails(database_url, keys_file, session):  # type: ignore[no-untyped-def]
    c = make_user(session, "clinician")
    env = {**os.environ, "ICBT_DATABASE_URL": database_url, "ICBT_KEYS_FILE": str(keys_file), "ICBT_ENV": "test"}
    for email in ("nobody@example.org", c.email):  # a clinician is not erased this way
        done = subprocess.run([ICBT, "erase", "--patient", email, "--yes"],
                              env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 1 and "no patient" in done.stderr


def test_replay_after_restoring_a_backup(database_url, keys_file, session):  # type: ignore[no-untyped-def]
    """A restored backup brings back a patient the audit log (newer than the backup) says was
    erased; `icbt erase --replay` erases them again and leaves everyone else."""
    from app.accounts import service as accounts

    p, other = make_user(session), make_user(session)
    audit.record(session, action="patient.erase", actor_id=None, actor_role="operator", patient_id=p.id,
                 record_type="user", record_id=p.id)
    session.commit()
    env = {**os.environ, "ICBT_DATABASE_URL": database_url, "ICBT_KEYS_FILE": str(keys_file), "ICBT_ENV": "test"}
    done = subprocess.run([ICBT, "erase", "--replay"], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "1 patients were back" in done.stdout
    session.rollback()
    assert accounts.find_by_email(session, p.email) is None
    assert accounts.find_by_email(session, other.email) is not None
    assert audit.verify(session).ok
