"""security.md item 24: a server killed (SIGKILL) mid-load loses no acknowledged write."""

from __future__ import annotations

import threading
import time
import uuid

import httpx

from tests.e2e.conftest import PASSWORD, make_live_server


def test_sigkill_during_writes_loses_no_acknowledged_entry(tmp_path):
    server = make_live_server(tmp_path / "kill")
    server.start()
    email = f"kill-{uuid.uuid4().hex[:8]}@example.org"
    with httpx.Client(base_url=server.url, timeout=10) as c:
        assert c.post("/api/v1/auth/register", json={"email": email, "password": PASSWORD, "consent": True}).status_code == 201
        token = c.post("/api/v1/auth/token", data={"username": email, "password": PASSWORD}).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    acknowledged: dict[str, int] = {}
    lock = threading.Lock()
    stop = threading.Event()

    def writer(n: int) -> None:
        with httpx.Client(base_url=server.url, timeout=5, headers=headers) as c:
            i = 0
            while not stop.is_set() and i < 2000:
                i += 1
                mood = (n + i) % 11
                try:
                    r = c.post("/api/v1/diary", json={"mood": mood, "emotions": [], "note": f"w{n}-{i}"})
                except httpx.HTTPError:
                    return  # the server is gone
                if r.status_code == 201:
                    with lock:
                        acknowledged[r.json()["id"]] = mood

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and len(acknowledged) < 150:
        time.sleep(0.05)
    server.stop(kill=True)  # SIGKILL while the writers are still sending
    stop.set()
    for t in threads:
        t.join(timeout=20)
    assert len(acknowledged) >= 20, "too few writes were acknowledged before the kill to mean anything"

    server.start()
    try:
        with httpx.Client(base_url=server.url, timeout=10, headers=headers) as c:
            missing = []
            for entry_id, mood in acknowledged.items():
                r = c.get(f"/api/v1/diary/{entry_id}")
                if r.status_code != 200 or r.json()["mood"] != mood:
                    missing.append((entry_id, r.status_code))
        assert not missing, f"{len(missing)} of {len(acknowledged)} acknowledged entries lost after SIGKILL: {missing[:5]}"
    finally:
        server.stop()
