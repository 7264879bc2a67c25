from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text

from app.audit import service as audit
from app.audit.models import AuditEvent
from app.cli import main as icbt


def _events(session, n=4):  # type: ignore[no-untyped-def]
    pid = uuid.uuid4()
    for i in range(n):
        audit.record(session, action="record.view", actor_id=uuid.uuid4(), actor_role="clinician",
                     patient_id=pid, record_type="diary_entry", record_id=uuid.uuid4())
    session.commit()


def test_intact_chain_verifies(session, capsys):
    _events(session)
    assert audit.verify(session).ok
    assert icbt(["verify-audit"]) == 0
    assert "intact: 4 events" in capsys.readouterr().out


def test_orm_refuses_update_and_delete(session):
    _events(session, 1)
    ev = session.query(AuditEvent).first()
    ev.outcome = "changed"
    with pytest.raises(PermissionError):
        session.flush()
    session.rollback()
    ev = session.query(AuditEvent).first()
    session.delete(ev)
    with pytest.raises(PermissionError):
        session.flush()
    session.rollback()


@pytest.mark.parametrize("tamper,expected", [
    ("UPDATE audit_events SET outcome = 'failure' WHERE seq = 2", "event 2: contents do not match"),
    ("UPDATE audit_events SET actor_role = 'admin' WHERE seq = 3", "event 3: contents do not match"),
    ("DELETE FROM audit_events WHERE seq = 2", "event 2 is missing"),
    ("DELETE FROM audit_events WHERE seq = 4", "events deleted from the end"),
])
def test_edited_or_deleted_event_is_detected(session, capsys, tamper, expected):
    _events(session)
    session.execute(text(tamper))
    session.commit()
    result = audit.verify(session)
    assert not result.ok and expected in result.message
    assert icbt(["verify-audit"]) == 1
    assert expected in capsys.readouterr().err


def test_rehashed_edit_is_still_detected_by_the_next_link(session):
    """An attacker who edits an event and recomputes its hash breaks the next event's link."""
    _events(session)
    ev = session.get(AuditEvent, 2)
    new_actor_role = "admin"
    fake = AuditEvent(seq=ev.seq, at=ev.at, actor_id=ev.actor_id, actor_role=new_actor_role, action=ev.action,
                      patient_id=ev.patient_id, record_type=ev.record_type, record_id=ev.record_id,
                      outcome=ev.outcome, prev_hash=ev.prev_hash)
    new_hash = audit._digest(ev.prev_hash, fake)
    session.expunge_all()
    session.execute(text("UPDATE audit_events SET actor_role = :r, hash = :h WHERE seq = 2"),
                    {"r": new_actor_role, "h": new_hash})
    session.commit()
    result = audit.verify(session)
    assert not result.ok and "event 3: link to event 2 is broken" in result.message
