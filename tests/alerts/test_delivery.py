"""Alert e-mail through a real SMTP server (aiosmtpd in-process): delivered, no health data,
exactly once after an outage, "undelivered" after repeated failures (security.md item 22)."""

from __future__ import annotations

import re
import time
from datetime import timedelta

from sqlalchemy import select

from app import clock
from app.alerts import service as alerts
from app.alerts.models import AlertDelivery
from app.mail import service as mail
from app.mail.models import OutboxMessage
from app.monitoring import service as monitoring
from tests.alerts.support import ONCALL, alerts_of, care_pair, count, later, phq9, submit
from tests.factories import api_token, browser_login, make_user

CANARY_NAME = "Zebulon Quartzfeather"


def _deliver(db, settings) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    return mail.deliver_all_due(db.session, settings)


def test_alert_email_is_delivered_and_holds_no_health_data(db, session, frozen_clock, smtp, oncall):
    patient, clinician = care_pair(session, name=CANARY_NAME)
    submit(session, patient, "phq9", phq9(8))
    frozen_clock(later(days=7))
    submit(session, patient, "phq9", phq9(17, item9=2))    # item9_high (urgent) + reliable_deterioration
    [a_det, a_item9] = sorted(alerts_of(session, patient), key=lambda a: a.rule)
    from app.alerts import service as svc
    svc.acknowledge(session, clinician.user, a_item9.id, "canary-ack-note-7731", "contacted_patient")
    session.commit()
    assert _deliver(db, smtp.settings()) == (2, 0)      # both urgent (PHQ-9 >= 15), to the clinician
    stored = {m.ref_id: m for m in session.scalars(select(OutboxMessage))}
    assert set(stored) == {a_det.id, a_item9.id}
    for msg in smtp.messages:
        assert msg["Subject"] == "An alert of tier URGENT is waiting"
        assert msg["To"] == clinician.email
        body = msg.get_content()
        [alert_id] = [aid for aid in stored if f"/clinician/alerts/{aid}" in body]
        assert msg["Message-ID"] == stored[alert_id].message_id
        everything = (msg.as_string() + body).lower()
        for secret in (patient.email, CANARY_NAME, "zebulon", "canary-ack-note", "item9", "item 9", "phq",
                       "deteriorat", "suicid", "self-harm", "reliable"):
            assert secret.lower() not in everything, secret
        assert not re.search(r"\b(8|17|2)\b", body + msg["Subject"])
    assert {e[1][0] for e in smtp.envelopes} == {clinician.email}
    session.expire_all()
    assert {m.status for m in session.scalars(select(OutboxMessage))} == {"sent"}


def test_mail_server_down_then_up_delivers_each_alert_exactly_once(db, session, frozen_clock, smtp_down, oncall):
    patient, clinician = care_pair(session)
    second = make_user(session, "clinician")
    from tests.factories import assign
    assign(session, patient, second)
    submit(session, patient, "phq9", phq9(12, item9=3))              # urgent: 2 clinicians
    monitoring.report_not_safe(session, patient.user, "checkin")     # emergency: 2 + 2 on-call
    session.commit()
    expected = {m.message_id for m in session.scalars(select(OutboxMessage))}
    assert len(expected) == 6
    settings = smtp_down.settings()
    # the whole first part with the server down: several retries, nothing lost, nothing sent
    for minutes in (0, 1, 3, 7, 15):
        frozen_clock(later(hours=minutes / 60))
        sent, failed = _deliver(db, settings)
        assert sent == 0
    assert smtp_down.messages == []
    session.expire_all()
    rows = session.scalars(select(OutboxMessage)).all()
    assert {r.status for r in rows} == {"pending"} and min(r.attempts for r in rows) >= 3
    # the server comes back
    smtp_down.start()
    for minutes in (30, 60, 120):
        frozen_clock(later(hours=minutes / 60))
        _deliver(db, settings)
    ids = smtp_down.message_ids()
    assert sorted(ids) == sorted(expected)                          # every one, exactly once
    assert len(ids) == len(set(ids))
    frozen_clock(later(hours=5))
    assert _deliver(db, settings) == (0, 0)                          # and never again
    assert len(smtp_down.messages) == 6
    session.expire_all()
    assert {r.status for r in session.scalars(select(OutboxMessage))} == {"sent"}
    assert sorted(r[1][0] for r in smtp_down.envelopes if r[1][0] in ONCALL) == ONCALL


def test_a_resend_after_a_crash_keeps_the_message_id(db, session, frozen_clock, smtp):
    """At-least-once: a worker that sent but died before recording it leaves the claim to
    expire; the next worker sends again with the same Message-ID, so the copy is recognisable."""
    patient, clinician = care_pair(session)
    submit(session, patient, "phq9", phq9(12, item9=2))

    def send_then_die(settings, out):  # type: ignore[no-untyped-def]
        mail.smtp_send(settings, out)
        raise SystemExit("worker killed after sending")

    import pytest
    with pytest.raises(SystemExit):
        mail.deliver_due(db.session, smtp.settings(), send=send_then_die)
    assert _deliver(db, smtp.settings()) == (0, 0)                   # still claimed
    frozen_clock(clock.now() + timedelta(seconds=mail.CLAIM_SECONDS + 1))
    assert _deliver(db, smtp.settings()) == (1, 0)
    ids = smtp.message_ids()
    assert len(ids) == 2 and ids[0] == ids[1]


def test_repeated_failures_show_undelivered(db, session, frozen_clock, smtp_down, client):
    patient, clinician = care_pair(session)
    submit(session, patient, "phq9", phq9(12, item9=2))
    [alert] = alerts_of(session, patient)
    t = clock.now()
    for _ in range(mail.MAX_ATTEMPTS):
        t += timedelta(seconds=mail.BACKOFF_MAX_SECONDS + 1)
        frozen_clock(t)
        _deliver(db, smtp_down.settings())
    session.expire_all()
    [msg] = session.scalars(select(OutboxMessage)).all()
    assert (msg.status, msg.attempts) == ("failed", mail.MAX_ATTEMPTS)
    assert alerts.delivery_summaries(session, [alert.id])[alert.id].status == "undelivered"
    # the server is back: a failed message is not retried on its own (it is shown instead)
    smtp_down.start()
    _deliver(db, smtp_down.settings())
    assert smtp_down.messages == []
    # the dashboard, the alert page and the API say so
    browser_login(client, clinician)
    page = client.get("/clinician/alerts")
    assert page.status_code == 200 and "Undelivered" in page.text
    assert "could not be delivered" in client.get(f"/clinician/alerts/{alert.id}").text
    r = client.get("/api/v1/clinician/alerts", headers=api_token(client, clinician))
    assert r.json()[0]["delivery"] == "undelivered"


def test_routine_alerts_send_no_email(db, session, frozen_clock, smtp, oncall):
    patient, _ = care_pair(session)
    submit(session, patient, "phq9", phq9(22))
    assert count(session, OutboxMessage) == 0
    assert _deliver(db, smtp.settings()) == (0, 0) and smtp.messages == []
    [alert] = alerts_of(session, patient)
    assert alerts.delivery_summaries(session, [alert.id])[alert.id].status == "dashboard"


def test_escalation_email_reaches_on_call(db, session, frozen_clock, smtp, oncall):
    patient, clinician = care_pair(session)
    submit(session, patient, "phq9", phq9(12, item9=2))
    _deliver(db, smtp.settings())
    frozen_clock(later(hours=24))
    monitoring.run_schedule()
    _deliver(db, smtp.settings())
    overdue = [m for m in smtp.messages if "overdue" in m["Subject"]]
    assert sorted(m["To"] for m in overdue) == ONCALL
    assert all(m["Subject"] == "An alert of tier URGENT is waiting (overdue)" for m in overdue)


def test_background_worker_delivers_and_stops(db, session, smtp, oncall):
    import asyncio

    from app.alerts.worker import BackgroundWorker
    patient, clinician = care_pair(session)
    monitoring.report_not_safe(session, patient.user, "diary")
    session.commit()
    w = BackgroundWorker(smtp.settings(), delivery_interval=0.05, schedule_interval=0.05).start()
    try:
        smtp.wait_for(3)
        end = time.monotonic() + 5
        while w.passes < 2 and time.monotonic() < end:
            time.sleep(0.05)
    finally:
        asyncio.run(w.stop())
    assert not w.alive
    assert sorted(m["To"] for m in smtp.messages) == sorted([clinician.email, *ONCALL])
    assert w.passes >= 2


def test_worker_survives_a_failing_pass(db):
    import asyncio

    from app.alerts.worker import BackgroundWorker
    from app.config import get_settings
    calls = []

    def boom(settings):  # type: ignore[no-untyped-def]
        calls.append(1)
        raise RuntimeError("database restarting")

    w = BackgroundWorker(get_settings(), delivery_interval=0.01, schedule_interval=60, deliver=boom,
                         schedule=lambda: None).start()
    end = time.monotonic() + 5
    while len(calls) < 3 and time.monotonic() < end:
        time.sleep(0.01)
    asyncio.run(w.stop())
    assert len(calls) >= 3


def test_icbt_dispatch_once(db, session, smtp, monkeypatch, capsys):
    from app.cli import main
    from app.config import get_settings
    patient, clinician = care_pair(session)
    submit(session, patient, "phq9", phq9(12, item9=2))
    for k, v in {"ICBT_SMTP_HOST": "127.0.0.1", "ICBT_SMTP_PORT": str(smtp.port), "ICBT_SMTP_STARTTLS": "false"}.items():
        monkeypatch.setenv(k, v)
    get_settings.cache_clear()
    assert main(["dispatch", "--once"]) == 0
    assert "sent 1" in capsys.readouterr().out
    assert [m["To"] for m in smtp.messages] == [clinician.email]


def test_every_delivery_row_links_its_outbox_message(session, frozen_clock, oncall):
    patient, _ = care_pair(session)
    monitoring.report_not_safe(session, patient.user, "checkin")
    session.commit()
    for d in session.scalars(select(AlertDelivery)):
        msg = session.get(OutboxMessage, d.outbox_id)
        assert msg is not None and msg.ref_id == d.alert_id and msg.kind == "alert"


def test_the_server_lifespan_runs_the_worker(db, session, smtp, oncall, monkeypatch):
    """app.main starts start_background_worker(settings) and awaits .stop() on shutdown."""
    from fastapi.testclient import TestClient

    from app.alerts import worker as worker_mod
    from app.main import create_app
    started = []
    real = worker_mod.start_background_worker

    def spy(settings):  # type: ignore[no-untyped-def]
        w = real(settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": smtp.port,
                                             "smtp_starttls": False, "worker_interval_seconds": 0.05}))
        started.append(w)
        return w

    monkeypatch.setattr(worker_mod, "start_background_worker", spy)
    patient, clinician = care_pair(session)
    monitoring.report_not_safe(session, patient.user, "checkin")
    session.commit()
    with TestClient(create_app(run_worker=True), base_url="https://testserver"):
        smtp.wait_for(3)
        assert started and started[0].alive
    assert not started[0].alive
    assert sorted(m["To"] for m in smtp.messages if "alert" in m["Subject"]) == sorted([clinician.email, *ONCALL])
