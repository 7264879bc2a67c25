"""`icbt dispatch`: deliver the outbox (alerts and reminders) apart from the web server."""

from __future__ import annotations

import argparse
import logging
import time

from app.cli import _boot, command
from app.config import get_settings


def _args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--once", action="store_true", help="deliver what is due now, then exit")
    p.add_argument("--interval", type=float, default=None,
                   help="seconds between passes in loop mode (default ICBT_WORKER_INTERVAL_SECONDS)")


@command("dispatch", "deliver queued e-mail (alerts, reminders): --once, or loop until stopped", _args)
def cmd_dispatch(ns: argparse.Namespace) -> int:
    from app.db import get_db
    from app.mail import service as mail

    _boot()
    settings = get_settings()
    if settings.effective_mail_backend == "smtp" and not settings.smtp_host:
        print("note: ICBT_SMTP_HOST is not set, so nothing can be sent; mail waits in the outbox")
    if ns.once:
        sent, failed = mail.deliver_all_due(get_db().session, settings)
        with get_db().session() as s:
            counts = mail.status_counts(s)
        print(f"sent {sent}, failed attempts {failed}; outbox now: "
              + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) if counts else
              f"sent {sent}, failed attempts {failed}; outbox empty")
        return 0
    interval = ns.interval or settings.worker_interval_seconds
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    print(f"delivering every {interval:g} s; stop with Ctrl-C", flush=True)
    try:
        while True:
            try:
                sent, failed = mail.deliver_all_due(get_db().session, settings)
                if sent or failed:
                    logging.getLogger("icbt.dispatch").info("sent %d, failed attempts %d", sent, failed)
            except Exception:  # noqa: BLE001 - keep the loop alive (database restart, ...)
                logging.getLogger("icbt.dispatch").exception("delivery pass failed")
            time.sleep(interval)
    except KeyboardInterrupt:
        return 0
