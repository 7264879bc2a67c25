"""Security item 32: the audit chain is keyed; inbox views and refused record requests are audited."""

from __future__ import annotations

import hashlib
import json
import sqlite3

from sqlalchemy import select

from app.audit.models import AuditEvent
from tests.factories import api_token, assign, browser_login, make_user
from tests.operations.support import env_for, icbt


def _rechain_without_key(db_path) -> None:  # type: ignore[no-untyped-def]
    """What someone with the database but not the key ring can do: edit an event, then
    recompute every hash (here with plain SHA-256, the best they can do without the key)."""
    with sqlite3.connect(db_path) as c:
        rows = c.execute("SELECT seq, at, actor_id, actor_role, action, patient_id, record_type, record_id, "
                         "outcome FROM audit_events ORDER BY seq").fetchall()
        assert len(rows) >= 3
        prev = "0" * 64
        for seq, at, actor, role, action, pid, rtype, rid, outcome in rows:
            if seq == 2:
                outcome = "failure"
            fmt = lambda u: None if u is None else f"{u[:8]}-{u[8:12]}-{u[12:16]}-{u[16:20]}-{u[20:]}"  # noqa: E731
            body = json.dumps([seq, at.replace(" ", "T") + "+00:00", fmt(actor), role, action, fmt(pid), rtype,
                               rid, outcome], separators=(",", ":"))
            h = hashlib.sha256((prev + "|" + body).encode()).hexdigest()
            c.execute("UPDATE audit_events SET outcome = ?, prev_hash = ?, hash = ? WHERE seq = ?",
                      (outcome, prev, h, seq))
            prev = h
        c.execute("UPDATE audit_head SET hash = ?", (prev,))


def test_chain_recomputed_without_the_key_fails_verify_audit(data_dir):
    env = env_for(data_dir)
    assert "intact" in icbt(env, "verify-audit").stdout
    _rechain_without_key(data_dir / "icbt.db")
    r = icbt(env, "verify-audit", check=False)
    assert r.returncode == 1
    assert r.stderr.startswith("event 1: contents do not match its keyed hash"), r.stderr


def test_chain_stays_valid_across_key_rotation(data_dir):
    env = env_for(data_dir)
    icbt(env, "rotate-keys", "--retire-old")
    assert "intact" in icbt(env, "verify-audit").stdout


def _events(session, action: str):  # type: ignore[no-untyped-def]
    session.expire_all()
    return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)))


def test_alert_inbox_views_are_audited(client, session):
    clinician = make_user(session, "clinician")
    browser_login(client, clinician)
    assert client.get("/clinician/alerts").status_code == 200
    assert client.get("/api/v1/clinician/alerts?status=acknowledged", headers=api_token(client, clinician)).status_code == 200
    seen = _events(session, "alert.inbox.view")
    assert [(e.actor_id, e.record_id) for e in seen] == [(clinician.id, "open"), (clinician.id, "acknowledged")]


def test_refused_record_requests_are_audited(client, session):
    patient, other = make_user(session, "patient"), make_user(session, "patient")
    clinician = make_user(session, "clinician")
    assign(session, patient, clinician)
    browser_login(client, clinician)
    assert client.get(f"/clinician/patients/{other.id}").status_code == 404
    r = client.get(f"/api/v1/clinician/patients/{other.id}", headers=api_token(client, clinician))
    assert r.status_code == 404
    refused = _events(session, "access.refused")
    assert len(refused) == 2
    assert all(e.actor_id == clinician.id and e.patient_id == other.id and e.outcome == "refused" for e in refused)
    # a patient asking for a page that does not exist is not a refused record request
    assert client.get(f"/clinician/patients/{patient.id}").status_code == 200
    assert len(_events(session, "access.refused")) == 2
