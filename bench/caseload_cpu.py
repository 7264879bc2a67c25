"""CPU per call of the caseload lists, in-process, on the cached scale datasets.

    python -m bench.caseload_cpu [--sizes 100,1000,10000] [-n 30]

Calls the services behind "My patients" (unfiltered, ?filter=urgent, ?filter=reviews_due) and
"Reviews due" for the datasets' clinician (every patient is theirs) and reports the process CPU
time per call (time.process_time), which other processes' load barely changes, unlike the wall
times `make bench-scale` measures with wrk. Needs the datasets: `python -m bench.scale
--prepare-only` makes them. Works on a copy (the lists write an audit row per view).
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


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", default="100,1000,10000")
    p.add_argument("-n", type=int, default=30)
    args = p.parse_args()
    sizes = [int(x) for x in args.sizes.split(",")]
    results = {size: measure(size, args.n) for size in sizes}
    names = list(next(iter(results.values())))
    print(f"{'CPU ms per call (median)':28}" + "".join(f"{s:>10,}" for s in sizes) + f"{'ratio':>8}")
    for name in names:
        row = [results[s][name] for s in sizes]
        print(f"{name:28}" + "".join(f"{v:10.1f}" for v in row) + f"{row[-1] / row[0]:8.2f}")


if __name__ == "__main__":
    main()
