"""security.md item 10: a flood of sign-ins does not starve the rest of the server.

A real uvicorn server (in a thread, on a free loopback port) gets 60 simultaneous sign-ins
while /healthz is polled. Password checks are capped (settings.max_concurrent_hashes, with a
short queue): the excess is refused at once with 429, not queued for ever, and /healthz keeps
answering throughout."""

from __future__ import annotations

import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import uvicorn

from app.security import passwords
from tests.factories import make_user

LOGINS = 60


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_login_flood_is_capped_and_health_still_answers(db, session):
    from app.main import create_app

    person = make_user(session)
    passwords.hash_gate.configure(2)  # the default of settings.max_concurrent_hashes
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(run_worker=False), host="127.0.0.1", port=port,
                                           log_level="warning", access_log=False, lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "test server did not start"

    statuses: list[int] = []
    codes: list[str] = []
    health: list[tuple[int, float]] = []
    go = threading.Event()

    def login() -> None:
        with httpx.Client(base_url=base, timeout=30) as c:
            go.wait()
            r = c.post("/api/v1/auth/token", data={"username": person.email, "password": person.password})
            statuses.append(r.status_code)
            if r.status_code == 429:
                codes.append(r.json()["error"])

    try:
        with ThreadPoolExecutor(LOGINS) as pool:
            futures = [pool.submit(login) for _ in range(LOGINS)]
            t_start = time.monotonic()
            go.set()
            with httpx.Client(base_url=base, timeout=30) as c:
                while not all(f.done() for f in futures) or len(health) < 5:
                    t = time.perf_counter()
                    r = c.get("/healthz")
                    health.append((r.status_code, time.perf_counter() - t))
                    time.sleep(0.02)
            for f in futures:
                f.result(timeout=60)
            flood_seconds = time.monotonic() - t_start
    finally:
        server.should_exit = True
        thread.join(20)

    worst = max(t for _, t in health)
    print(f"\n{LOGINS} sign-ins in {flood_seconds:.2f} s: {statuses.count(200)} accepted, "
          f"{statuses.count(429)} refused (429); /healthz {len(health)} answers, worst {worst*1000:.0f} ms")
    assert all(s == 200 for s, _ in health), "health check failed during the flood"
    assert set(statuses) <= {200, 429}, statuses
    assert statuses.count(200) >= 2, "some sign-ins must get through"
    assert statuses.count(429) >= LOGINS // 4, "the excess must be refused, not queued"
    assert set(codes) == {"busy"}, codes
