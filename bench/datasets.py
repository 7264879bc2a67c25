"""Generated databases for the benchmarks, cached under bench/results/cache/.

A dataset is made once by app/demo/generator.py through the real services (so every value is
encrypted as in real use) and reused while the schema (migrations) and the generator are
unchanged: SQLite as a file that each run copies, PostgreSQL as a template database that each
run clones (CREATE DATABASE ... TEMPLATE).
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import harness as h

BENCH_DOMAIN = "bench.steadysteps.example"


def fingerprint(*extra: str) -> str:
    """Changes when the schema or the generator changes (then cached datasets are remade)."""
    dig = hashlib.sha256()
    files = sorted((h.ROOT / "migrations" / "versions").glob("*.py")) + [h.ROOT / "app" / "demo" / "generator.py"]
    for f in files:
        dig.update(f.name.encode())
        dig.update(f.read_bytes())
    for e in extra:
        dig.update(e.encode())
    return dig.hexdigest()[:10]


@dataclass
class Dataset:
    kind: str                     # sqlite | postgres
    keys: Path
    meta: dict[str, Any]
    path: Path | None = None      # sqlite
    pg_name: str | None = None    # postgres template database

    @property
    def patient_ids(self) -> list[uuid.UUID]:
        return [uuid.UUID(x) for x in self.meta["patient_ids"]]


@dataclass
class Credentials:
    patient_cookies: list[str]
    patient_bearers: list[str]
    clinician_cookie: str
    patient_emails: list[str]
    password: str
    lesson_paths: list[str] = field(default_factory=list)


def _generate(url: str, keys: Path, patients: int, weeks: int, extra_short: int = 0) -> dict[str, Any]:
    from app.demo import generator as g
    with h.app_settings(url, keys) as db:
        # benchmark patients: no named cast, the generic 45/35/20 mix throughout
        plans = g.demo_plans(patients + len(g.CAST), weeks, domain=BENCH_DOMAIN, seed=1234)[len(g.CAST):]
        if extra_short:
            short = g.demo_plans(extra_short + len(g.CAST), 1, domain="short." + BENCH_DOMAIN, seed=99)[len(g.CAST):]
            plans += short
        t = time.monotonic()
        res = g.generate(db.session, plans, clinician_email=f"clinician@{BENCH_DOMAIN}",
                         admin_email=f"admin@{BENCH_DOMAIN}", progress=h.log, fast_password_hash=True)
        h.log(f"  generated in {time.monotonic() - t:.0f} s: {res.counts}"
              + (f"; not written (not installed yet): {res.skipped}" if res.skipped else ""))
        return {
            "patients": patients, "weeks": weeks, "password": res.password,
            "clinician_email": res.clinician_email, "clinician_id": str(res.clinician_id),
            "patient_emails": [p.email for p in plans],
            "patient_ids": [str(res.patient_ids[p.email]) for p in plans],
            "weeks_of": [p.weeks for p in plans],
            "counts": res.counts, "skipped": res.skipped, "seconds": round(res.seconds, 1),
            "events_per_s": round(res.counts.get("events", 0) / max(res.seconds, 1e-9), 1),
        }


def prune(current: str, pattern: str) -> None:
    """Remove cached datasets made by an older schema or generator (fingerprint != current)."""
    for p in h.CACHE.glob(pattern):
        if current not in p.name:
            p.unlink(missing_ok=True)


def prune_pg(current: str) -> None:
    import psycopg
    with psycopg.connect(h.PG_ADMIN, autocommit=True) as conn:
        names = [r[0] for r in conn.execute("SELECT datname FROM pg_database WHERE datname LIKE 'icbt_bench_tpl_%'")]
    for n in names:
        if current not in n:
            h.pg_exec(f'DROP DATABASE IF EXISTS "{n}" WITH (FORCE)')


def load_dataset(kind: str, patients: int, weeks: int, *, extra_short: int = 0) -> Dataset:
    """The cached dataset, made first if missing."""
    h.CACHE.mkdir(parents=True, exist_ok=True)
    fp = fingerprint(kind)
    prune(fp, "load-*")
    keys = h.CACHE / "keys.json"
    name = f"load-p{patients}-w{weeks}" + (f"-s{extra_short}" if extra_short else "") + f"-{fp}"
    meta_path = h.CACHE / f"{name}.json"
    if kind == "sqlite":
        path = h.CACHE / f"{name}.db"
        if not (path.exists() and meta_path.exists()):
            h.log(f"Generating the SQLite dataset {name} ({patients} patients x {weeks} weeks, through the services)...")
            tmp = path.with_suffix(".tmp.db")
            for p in tmp.parent.glob(tmp.name + "*"):
                p.unlink()
            h.migrate(h.sqlite_url(tmp))
            meta = _generate(h.sqlite_url(tmp), keys, patients, weeks, extra_short)
            h.checkpoint_sqlite(tmp)
            tmp.rename(path)
            Path(str(tmp) + ".lock").unlink(missing_ok=True)
            meta_path.write_text(json.dumps(meta, indent=1))
        return Dataset("sqlite", keys, json.loads(meta_path.read_text()), path=path)
    pg_name = f"icbt_bench_tpl_{name.replace('-', '_')}"
    prune_pg(fp)
    if not (h.pg_exists(pg_name) and meta_path.exists()):
        h.log(f"Generating the PostgreSQL dataset {pg_name} ({patients} patients x {weeks} weeks)...")
        tmp = pg_name + "_tmp"
        h.pg_exec(f'DROP DATABASE IF EXISTS "{tmp}" WITH (FORCE)')
        h.pg_exec(f'CREATE DATABASE "{tmp}"')
        h.migrate(h.pg_url(tmp))
        meta = _generate(h.pg_url(tmp), keys, patients, weeks, extra_short)
        h.pg_exec(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
        h.pg_exec(f'ALTER DATABASE "{tmp}" RENAME TO "{pg_name}"')
        meta_path.write_text(json.dumps(meta, indent=1))
    return Dataset("postgres", keys, json.loads(meta_path.read_text()), pg_name=pg_name)


def lesson_paths(db: Any, patient_ids: list[uuid.UUID]) -> list[str]:
    """A lesson page each patient may open (the current module's second page), one per
    patient in the order given: wrk pairs them with the patients' cookies line by line."""
    try:
        from app.programme import service as programme
    except ModuleNotFoundError:
        return []
    from app.accounts.models import User
    out = []
    with db.session() as s:
        for pid in patient_ids:
            user = s.get(User, pid)
            # the module the home page sends them to (else the last one finished)
            current = programme.progress_summary(s, user).current
            done = [m for m in programme.module_statuses(s, user) if m.status == "completed"]
            slug = current.slug if current is not None else done[-1].slug if done else None
            module = programme.module_or_404(slug) if slug else programme.programme().modules[0]
            # the second page: the first may show the weekly check-in reminder instead
            page = module.pages[min(1, len(module.pages) - 1)]
            out.append(f"/modules/{module.slug}/pages/{page.slug}")  # one per patient, in order
        s.rollback()
    return out


def credentials(url: str, ds: Dataset, label: str, *, limit: int | None = None) -> Credentials:
    """Sessions for every patient (cookie and bearer) and the clinician, made directly
    (no argon2), and the lesson page of each patient."""
    ids = ds.patient_ids[:limit] if limit else ds.patient_ids
    with h.app_settings(url, ds.keys) as db:
        cookies = h.make_tokens(db, ids, "cookie")
        bearers = h.make_tokens(db, ids, "bearer")
        clin = h.make_tokens(db, [uuid.UUID(ds.meta["clinician_id"])], "cookie")[0]
        lessons = lesson_paths(db, ids)
    return Credentials(cookies, bearers, clin, ds.meta["patient_emails"][: len(ids)], ds.meta["password"], lessons)
