"""`icbt rebuild-caseload`: recompute every patient's stored caseload row (after an upgrade
from a version without it, after writing to the database by hand, or to check for drift)."""

from __future__ import annotations

import argparse

from app.cli import _boot, command


def _args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--check", action="store_true",
                   help="change nothing: count the rows that differ from a fresh computation (exit 1 if any)")


@command("rebuild-caseload", "recompute the clinicians' stored caseload rows (idempotent; --check only compares)",
         _args)
def cmd_rebuild_caseload(ns: argparse.Namespace) -> int:
    from app.caseload import service
    from app.db import get_db

    _boot()
    r = service.rebuild(get_db().session, check=ns.check)
    if ns.check:
        bad = r.changed + r.removed
        print(f"checked {r.patients} patients: {r.changed} rows differ, {r.removed} left over"
              + ("" if bad else "; all up to date"))
        return 1 if bad else 0
    print(f"rebuilt the caseload of {r.patients} patients: {r.changed} rows changed, {r.removed} removed")
    return 0
