"""`icbt seed-demo`: a demo clinician, an administrator and patients with real histories."""

from __future__ import annotations

import argparse
import sys

from app.cli import _boot, command


def _args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--patients", type=int, default=6,
                   help="number of patients (the first six are the named demo cast; default 6)")
    p.add_argument("--weeks", type=int, default=8, help="weeks of history per patient (default 8)")
    p.add_argument("--seed", type=int, default=7, help="random seed (the same seed gives the same histories)")
    p.add_argument("--quiet", action="store_true", help="print only the sign-in details")


@command("seed-demo", "create demo accounts and patients with realistic histories (not in production)", _args)
def cmd_seed_demo(ns: argparse.Namespace) -> int:
    from app.db import get_db
    from app.demo import generator as g

    if ns.patients < 1 or ns.weeks < 1 or ns.weeks > 260:
        print("error: --patients must be at least 1 and --weeks between 1 and 260", file=sys.stderr)
        return 1
    _boot()
    db = get_db()
    plans = g.demo_plans(ns.patients, ns.weeks, seed=ns.seed)
    try:
        with db.session() as s:
            g.refuse_if_unsafe(s, g.CLINICIAN_EMAIL)
    except g.DemoRefused as e:
        print(f"seed-demo: {e}", file=sys.stderr)
        return 1
    if not ns.quiet:
        print(f"Writing {len(plans)} patients with up to {ns.weeks} weeks of history through the services...")
    result = g.generate(db.session, plans, progress=None if ns.quiet else print,
                        fast_password_hash=ns.patients > 20)
    if not ns.quiet:
        counts = ", ".join(f"{v:,} {k}" for k, v in result.counts.items() if k != "events")
        print(f"Done in {result.seconds:.1f} s: {counts}.")
        if result.skipped:
            print(f"Not written (those parts of the app are not installed yet): {', '.join(result.skipped)}.")
    print()
    print("Demo sign-in (development only; every demo account has the same password):")
    print(f"  password   {result.password}")
    print(f"  clinician  {result.clinician_email}   -> /clinician (dashboard), /clinician/alerts")
    print(f"  admin      {result.admin_email}")
    for p in plans[: min(len(plans), len(g.CAST))]:
        print(f"  patient    {p.email:<34} {p.name} ({p.trajectory}, {p.weeks} week{'s' if p.weeks != 1 else ''})")
    if len(plans) > len(g.CAST):
        print(f"  ... and {len(plans) - len(g.CAST):,} more patients: patient-00007@{g.DEMO_DOMAIN} onwards")
    return 0
