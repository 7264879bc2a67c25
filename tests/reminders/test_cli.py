"""The reminder job as an operator runs it: `icbt monitor` and `icbt dispatch --once` as
separate processes, against the test database and a real SMTP sink."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from app import clock
from app.config import ROOT
from app.reminders import service as reminders
from app.reminders import timing
from app.reminders.schemas import QuietHours, RemindersIn
from tests.factories import make_user


def _run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, "ICBT_RUN_WORKER": "false", **env}
    return subprocess.run([str(Path(sys.executable).parent / "icbt"), *args], cwd=ROOT, env=full,
                          capture_output=True, text=True, timeout=120)


def test_monitor_then_dispatch_as_separate_processes(db, session, smtp):
    p = make_user(session)
    p.user.enrolled_at = clock.now() - timedelta(days=2)   # baseline check-in due, not done: remind
    tz = timing.zone("Europe/London")
    local = clock.now().astimezone(tz)
    around = QuietHours(start=f"{(local - timedelta(hours=1)):%H:%M}", end=f"{(local + timedelta(hours=1)):%H:%M}")
    reminders.update_prefs(session, p.id, RemindersIn(time_zone="Europe/London", quiet_hours=around))
    session.commit()

    r = _run("monitor", "--all")
    assert r.returncode == 0, r.stderr
    assert "0 reminders" in r.stdout                      # inside quiet hours: nothing

    reminders.update_prefs(session, p.id, RemindersIn(quiet_hours=None))
    session.commit()
    r = _run("monitor", "--all")
    assert r.returncode == 0, r.stderr
    assert "1 reminders" in r.stdout
    r = _run("monitor", "--all")
    assert "0 reminders" in r.stdout                      # once only

    r = _run("dispatch", "--once", ICBT_SMTP_HOST="127.0.0.1", ICBT_SMTP_PORT=str(smtp.port),
             ICBT_SMTP_STARTTLS="false")
    assert r.returncode == 0, r.stderr
    smtp.wait_for(1)
    [m] = smtp.messages
    assert m["Subject"] == "Your weekly check-in is ready"
    assert m["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert [x.state for x in reminders.recent(session, p.id)] == ["sent"]
