"""CPU per call of the caseload lists, in-process, on the cached scale datasets.

    python -m bench.caseload_cpu [--sizes 100,1000,10000] [-n 30]
    python -m bench.caseload_cpu --pages [--sql]     # the whole pages, and their slowest statements

Calls the services behind "My patients" (unfiltered, ?filter=urgent, ?filter=reviews_due) and
"Reviews due" for the datasets' clinician (every patient is theirs) and reports the process CPU
time per call (time.process_time), which other processes' load barely changes, unlike the wall
times `make bench-scale` measures with wrk. Needs the datasets: `python -m bench.scale
--prepare-only` makes them. Works on a copy (the lists write an audit row per view).

With `--pages` the clinician's pages themselves are requested through Starlette's TestClient
(the real app, signed in with a session row, no HTTP server): CPU per request and, with
`--sql`, the statements that took longest (wall time between SQLAlchemy's before and after
cursor events), so what grows with the caseload can be named.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
import uuid
from pathlib import Path

from bench import datasets
from bench import harness as h


def _dataset(size: int) -> tuple[Path, dict]:
    fp = datasets.fingerprint("scale")   # as bench/scale.py names its datasets
    base = f"scale-base-p100-w52-{fp}"
    name = base if size == 100 else f"{base}-to{size}"
    db, meta = h.CACHE / f"{name}.db", h.CACHE / f"{name}.json"
    if not db.exists():
        raise SystemExit(f"no dataset {db.name}: run `python -m bench.scale --prepare-only` first")
    return db, json.loads(meta.read_text())


def measure(size: int, n: int) -> dict[str, float]:
    src, meta = _dataset(size)
    with tempfile.TemporaryDirectory() as tmp:
        db_path = Path(tmp) / "caseload.db"
        h.copy_sqlite(src, db_path)
        with h.app_settings(h.sqlite_url(db_path), h.CACHE / "keys.json") as db:
            import app.models  # noqa: F401
            from app.accounts.models import User
            from app.clinician import service as clinician
            from app.guided import service as guided

            calls = {
                "dashboard": lambda s, c: clinician.my_patients(s, c),
                "dashboard_filtered": lambda s, c: clinician.my_patients(s, c, filter="urgent"),
                "dashboard_reviews_due": lambda s, c: clinician.my_patients(s, c, filter="reviews_due"),
                "reviews_due": lambda s, c: guided.reviews_due(s, c),
            }
            out: dict[str, float] = {}
            for name, call in calls.items():
                samples = []
                for i in range(n + 3):
                    with db.session() as s:
                        c = s.get(User, uuid.UUID(meta["clinician_id"]))
                        t = time.process_time()
                        call(s, c)
                        dt = time.process_time() - t
                        s.rollback()
                    if i >= 3:          # the first calls fill caches
                        samples.append(dt * 1000)
                out[name] = statistics.median(samples)
            return out


PAGES = {"dashboard": "/clinician", "dashboard_filtered": "/clinician?filter=urgent",
         "dashboard_reviews_due": "/clinician?filter=reviews_due", "reviews_due": "/clinician/reviews",
         "alerts": "/clinician/alerts"}


def measure_pages(size: int, n: int, sql: bool) -> tuple[dict[str, float], dict[str, list[tuple[float, str]]]]:
    """CPU per request of each page (median of n), and per page its statements by time."""
    from sqlalchemy import event
    src, meta = _dataset(size)
    with tempfile.TemporaryDirectory() as tmp:
        db_path = Path(tmp) / "caseload.db"
        h.copy_sqlite(src, db_path)
        with h.app_settings(h.sqlite_url(db_path), h.CACHE / "keys.json") as db:
            from fastapi.testclient import TestClient

            from app import web
            from app.main import create_app
            from app.security import sessions
            app = create_app(run_worker=False)
            web.env.auto_reload = False
            token = h.make_tokens(db, [uuid.UUID(meta["clinician_id"])], "cookie")[0]
            out: dict[str, float] = {}
            slow: dict[str, list[tuple[float, str]]] = {}
            with TestClient(app) as client:
                client.cookies.set(sessions.COOKIE_NAME, token)
                for name, path in PAGES.items():
                    samples = []
                    for i in range(n + 3):
                        t = time.process_time()
                        r = client.get(path)
                        dt = time.process_time() - t
                        assert r.status_code == 200, (path, r.status_code)
                        if i >= 3:
                            samples.append(dt * 1000)
                    out[name] = statistics.median(samples)
                    if sql:
                        times: dict[str, list[float]] = {}
                        started: list[float] = []

                        def before(*a: object) -> None:
                            started.append(time.perf_counter())

                        def after(conn: object, cursor: object, statement: str, *a: object) -> None:
                            times.setdefault(" ".join(statement.split()), []).append(
                                time.perf_counter() - started.pop())
                        event.listen(db.engine, "before_cursor_execute", before)
                        event.listen(db.engine, "after_cursor_execute", after)
                        for _ in range(5):
                            client.get(path)
                        event.remove(db.engine, "before_cursor_execute", before)
                        event.remove(db.engine, "after_cursor_execute", after)
                        slow[name] = sorted(((1000 * sum(v) / 5, k) for k, v in times.items()), reverse=True)[:6]
            return out, slow


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", default="100,1000,10000")
    p.add_argument("-n", type=int, default=30)
    p.add_argument("--pages", action="store_true", help="the whole pages through the app, not the services")
    p.add_argument("--sql", action="store_true", help="with --pages: each page's slowest statements")
    args = p.parse_args()
    sizes = [int(x) for x in args.sizes.split(",")]
    if args.pages:
        measured = {size: measure_pages(size, args.n, args.sql) for size in sizes}
        print(f"{'page CPU ms per request':28}" + "".join(f"{s:>10,}" for s in sizes) + f"{'ratio':>8}")
        for name in PAGES:
            row = [measured[s][0][name] for s in sizes]
            print(f"{name:28}" + "".join(f"{v:10.1f}" for v in row) + f"{row[-1] / row[0]:8.2f}")
        if args.sql:
            for size in sizes:
                for name, rows in measured[size][1].items():
                    print(f"\n{name} at {size:,}: slowest statements, ms per request")
                    for ms, stmt in rows:
                        head, _, where = stmt.partition(" WHERE ")   # the column list is long: show the condition
                        print(f"  {ms:7.2f}  {head[:70]}{' ... WHERE ' + where[:150] if where else ''}")
        return
    results = {size: measure(size, args.n) for size in sizes}
    names = list(next(iter(results.values())))
    print(f"{'CPU ms per call (median)':28}" + "".join(f"{s:>10,}" for s in sizes) + f"{'ratio':>8}")
    for name in names:
        row = [results[s][name] for s in sizes]
        print(f"{name:28}" + "".join(f"{v:10.1f}" for v in row) + f"{row[-1] / row[0]:8.2f}")


if __name__ == "__main__":
    main()
