"""Web push with a push endpoint served by the test suite (a local HTTP server): the
subscription is stored, a due reminder is pushed (no payload); a 410 removes the
subscription and the next reminder goes by e-mail. And `icbt init-vapid` as an operator runs it."""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from app.config import ROOT
from app.mail import service as mail
from app.monitoring import service as monitoring
from app.reminders import push
from app.reminders import service as reminders
from app.reminders.models import PushSubscription
from tests.alerts.support import care_pair, count, gad7, phq9, submit
from tests.factories import api_token
from tests.reminders.test_delivery import T0, _reminder_mail


class PushEndpoint:
    def __init__(self) -> None:
        self.status = 201
        self.requests: list[dict] = []
        outer = self

        class H(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                n = int(self.headers.get("Content-Length") or 0)
                outer.requests.append({"path": self.path, "headers": dict(self.headers), "body": self.rfile.read(n)})
                self.send_response(outer.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *a):  # type: ignore[no-untyped-def]
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def endpoint():  # type: ignore[no-untyped-def]
    e = PushEndpoint()
    yield e
    e.server.shutdown()


@pytest.fixture
def vapid(tmp_path, monkeypatch, keys_file):  # type: ignore[no-untyped-def]
    path = tmp_path / "keys.json"
    shutil.copy(keys_file, path)
    entry = push.add_vapid(path)
    monkeypatch.setattr(push, "_keys_file", lambda: path)
    return entry


def _browser_keys() -> dict[str, str]:
    k = ec.generate_private_key(ec.SECP256R1()).public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    b = lambda x: base64.urlsafe_b64encode(x).decode().rstrip("=")  # noqa: E731
    return {"p256dh": b(k), "auth": b(os.urandom(16))}


def test_push_then_410_removes_the_subscription_and_the_next_goes_by_email(
        db, session, frozen_clock, client, smtp, endpoint, vapid):
    patient, _ = care_pair(session)
    submit(session, patient, "phq9", phq9(6))
    submit(session, patient, "gad7", gad7(4))  # the weekly check-in is the pair
    h = api_token(client, patient)
    assert client.get("/api/v1/push/public-key").json() == {"public_key": vapid["public_key"]}
    r = client.post("/api/v1/me/push-subscriptions", headers=h,
                    json={"endpoint": endpoint.url + "/push/device-1", "keys": _browser_keys()})
    assert r.status_code == 201, r.text
    assert client.put("/api/v1/me/reminders", headers=h, json={"channel": "push"}).status_code == 200
    session.expire_all()
    assert count(session, PushSubscription) == 1

    frozen_clock(T0 + timedelta(days=7))
    assert monitoring.run_schedule(T0 + timedelta(days=7)).reminders == 1
    assert mail.deliver_all_due(db.session, smtp.settings()) == (1, 0)
    [req] = endpoint.requests
    assert req["path"] == "/push/device-1" and req["body"] == b""          # content-free
    headers = {k.lower(): v for k, v in req["headers"].items()}
    assert headers["authorization"].startswith(("vapid t=", "WebPush "))
    assert _reminder_mail(smtp) == []
    [sent] = reminders.recent(session, patient.id)
    assert (sent.state, sent.channel) == ("sent", "push")

    endpoint.status = 410                                                   # the browser unsubscribed
    submit(session, patient, "phq9", phq9(6))
    submit(session, patient, "gad7", gad7(4))  # the weekly check-in is the pair
    frozen_clock(T0 + timedelta(days=14))
    monitoring.run_schedule(T0 + timedelta(days=14))
    assert mail.deliver_all_due(db.session, smtp.settings()) == (1, 0)
    assert len(endpoint.requests) == 2
    session.expire_all()
    assert count(session, PushSubscription) == 0
    assert len(_reminder_mail(smtp)) == 1
    assert [s.channel for s in reminders.recent(session, patient.id)][:1] == ["email"]


def test_a_failing_push_falls_back_to_email_and_keeps_the_subscription(
        db, session, frozen_clock, client, smtp, endpoint, vapid):
    patient, _ = care_pair(session)
    submit(session, patient, "phq9", phq9(6))
    submit(session, patient, "gad7", gad7(4))  # the weekly check-in is the pair
    h = api_token(client, patient)
    client.post("/api/v1/me/push-subscriptions", headers=h, json={"endpoint": endpoint.url + "/p", "keys": _browser_keys()})
    client.put("/api/v1/me/reminders", headers=h, json={"channel": "push"})
    endpoint.status = 500
    frozen_clock(T0 + timedelta(days=7))
    monitoring.run_schedule(T0 + timedelta(days=7))
    assert mail.deliver_all_due(db.session, smtp.settings()) == (1, 0)
    assert len(_reminder_mail(smtp)) == 1
    session.expire_all()
    assert count(session, PushSubscription) == 1


def test_push_addresses_must_be_https_or_local(client, session):
    patient, _ = care_pair(session)
    h = api_token(client, patient)
    for bad in ("http://10.0.0.5/push", "http://internal.example/push", "ftp://x.example/p"):
        r = client.post("/api/v1/me/push-subscriptions", headers=h, json={"endpoint": bad, "keys": _browser_keys()})
        assert r.status_code == 422, bad
    session.expire_all()
    assert count(session, PushSubscription) == 0


def test_init_vapid_cli_adds_keys_once_and_keeps_the_ring(tmp_path, keys_file):
    path = tmp_path / "keys.json"
    shutil.copy(keys_file, path)
    before = json.loads(path.read_text())
    env = {**os.environ, "ICBT_KEYS_FILE": str(path)}
    icbt = str(Path(sys.executable).parent / "icbt")
    r = subprocess.run([icbt, "init-vapid"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    after = json.loads(path.read_text())
    assert {k: after[k] for k in before} == before and "BEGIN PRIVATE KEY" in after["vapid"]["private_pem"]
    assert after["vapid"]["public_key"] in r.stdout
    r = subprocess.run([icbt, "init-vapid"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode == 1 and json.loads(path.read_text())["vapid"] == after["vapid"]
    from app.security.crypto import KeyRing
    KeyRing.load(path)   # the key ring still loads with the extra entry


def test_rotating_the_key_ring_keeps_the_vapid_entry(tmp_path, keys_file):
    from app.security.crypto import KeyRing
    path = tmp_path / "keys.json"
    shutil.copy(keys_file, path)
    entry = push.add_vapid(path)
    KeyRing.load(path).with_new_primary().save(path)
    assert push.vapid_entry(path) == entry and KeyRing.load(path).primary != json.loads(keys_file.read_text())["primary"]
