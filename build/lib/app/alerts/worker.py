"""The background worker: outbox delivery and the monitor's schedule, in a thread.

`app.main` starts it in the server's lifespan (unless ICBT_RUN_WORKER=false) and awaits
`stop()` on shutdown. Every server process may run one: the work is claimed in the database
(SKIP LOCKED on PostgreSQL, the writer lock on SQLite), so several workers on several
machines never send a message or escalate an alert twice. The same work runs apart with
`icbt dispatch` (delivery) and `icbt monitor` (schedule).

Delivery every ICBT_WORKER_INTERVAL_SECONDS (default 5 s); the schedule every
ICBT_MONITORING_SCHEDULE_SECONDS (default 300 s). Nothing runs on the event loop.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable

from app.config import Settings

log = logging.getLogger("icbt.worker")


def deliver_once(settings: Settings) -> tuple[int, int]:
    from app.db import get_db
    from app.mail import service as mail
    return mail.deliver_all_due(get_db().session, settings, max_passes=10)


def schedule_once() -> object:
    from app.monitoring import service as monitoring
    return monitoring.run_schedule()


class BackgroundWorker:
    def __init__(self, settings: Settings, *, delivery_interval: float | None = None,
                 schedule_interval: float | None = None,
                 deliver: Callable[[Settings], object] = deliver_once,
                 schedule: Callable[[], object] = schedule_once) -> None:
        from app.monitoring.config import schedule_seconds

        self.settings = settings
        self.delivery_interval = delivery_interval or settings.worker_interval_seconds
        self.schedule_interval = schedule_interval or schedule_seconds()
        self._deliver, self._schedule = deliver, schedule
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="icbt-worker", daemon=True)
        self.passes = 0

    def start(self) -> BackgroundWorker:
        self._thread.start()
        return self

    def _step(self, name: str, fn: Callable[[], object]) -> None:
        try:
            log.debug("%s: %s", name, fn())
        except Exception:  # noqa: BLE001 - the worker must keep running
            log.exception("background %s failed; retrying on the next beat", name)

    def _run(self) -> None:
        next_schedule = time.monotonic()
        while not self._stop.is_set():
            self._step("delivery", lambda: self._deliver(self.settings))
            if time.monotonic() >= next_schedule:
                self._step("schedule", self._schedule)
                next_schedule = time.monotonic() + self.schedule_interval
            self.passes += 1
            self._stop.wait(self.delivery_interval)

    def stop_sync(self, timeout: float = 30.0) -> None:
        self._stop.set()
        self._thread.join(timeout)
        if self._thread.is_alive():
            log.warning("background worker still busy after %.0f s; leaving it (its claims expire)", timeout)

    async def stop(self) -> None:
        await asyncio.to_thread(self.stop_sync)

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()


def start_background_worker(settings: Settings) -> BackgroundWorker:
    from app.monitoring.config import load_and_validate
    load_and_validate(settings)  # a malformed ICBT_MONITORING_* stops start-up here
    return BackgroundWorker(settings).start()
