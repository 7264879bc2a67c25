"""`icbt monitor`: run the monitor's schedule once (time rules, reminders, overdue alerts)."""

from __future__ import annotations

import argparse

from app.cli import _boot, command


def _args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--all", action="store_true",
                   help="check every patient now, not only those whose turn has come")
    p.add_argument("--show-config", action="store_true",
                   help="print the thresholds, windows and deadlines in force (ICBT_MONITORING_*) and exit")
    p.add_argument("--rebuild-summaries", action="store_true",
                   help="rebuild every patient's dashboard summary from their check-ins, then run")


@command("monitor", "run the deterioration monitor's schedule once (time rules, reminders, escalation)", _args)
def cmd_monitor(ns: argparse.Namespace) -> int:
    from app.monitoring import config

    config.load_and_validate()
    if ns.show_config:
        print("\n".join(config.describe()))
        return 0
    _boot()
    from app.db import get_db
    from app.monitoring import service

    if ns.rebuild_summaries:
        from sqlalchemy import select

        from app.accounts.models import Role, User
        with get_db().session() as s:
            ids = list(s.scalars(select(User.id).where(User.role == Role.patient)))
        for pid in ids:
            with get_db().session() as s:
                service.refresh_summary(s, pid)
                s.commit()
        print(f"rebuilt {len(ids)} summaries")
    result = service.run_schedule(all_patients=ns.all)
    print(result)
    return 1 if result.errors else 0
