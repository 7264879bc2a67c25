"""Load benchmark: `make bench` (python -m bench.run).

Starts the real server (SQLite with 1 and 2 workers, PostgreSQL with 2 workers) on a
generated dataset, drives it with wrk over loopback (2 threads, 16 connections), and in the
same run measures the bare stack (bench/bare_app.py) the same way, so every ratio is
computed from numbers measured on this machine a few seconds apart.

Per endpoint: requests/s, p50/p95/p99, the ratio to /healthz of the same server, and the
peak RSS of each worker process (sampled from /proc during the run). Then a login flood
(argon2 at full CPU) with the other endpoints measured under it. Prints a table, checks the
targets of the issue, and writes JSON to bench/results/ (`--publish` also writes
bench/latest.json, the summary that is committed).
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import harness as h
from bench import datasets
from bench.procstat import WorkerUsage
from bench.targets import print_table, targets

# name -> (script, method, how to authenticate, what it is)
ENDPOINTS: dict[str, dict[str, Any]] = {
    "healthz": {"script": "plain.lua", "label": "GET /healthz (reference)"},
    "home": {"script": "cookie.lua", "label": "GET / (patient home page)", "auth": "patient_cookie"},
    "lesson": {"script": "cookie.lua", "label": "GET lesson page", "auth": "patient_cookie"},
    "diary": {"script": "bearer.lua", "label": "POST /api/v1/diary", "auth": "patient_bearer",
              "method": "POST", "path": "/api/v1/diary", "bodies": "diary"},
    "checkin": {"script": "bearer.lua", "label": "POST /api/v1/assessments (PHQ-9)", "auth": "patient_bearer",
                "method": "POST", "path": "/api/v1/assessments", "bodies": "checkin"},
    "dashboard": {"script": "cookie.lua", "label": "GET /clinician (dashboard)", "auth": "clinician_cookie",
                  "path": "/clinician"},
    "alerts": {"script": "cookie.lua", "label": "GET /clinician/alerts (inbox)", "auth": "clinician_cookie",
               "path": "/clinician/alerts"},
}
BARE = {
    "bare_json": {"path": "/healthz", "label": "bare: async JSON"},
    "bare_page": {"path": "/page", "label": "bare: Jinja2 page"},
    "bare_insert": {"path": "/insert", "label": "bare: AES-GCM 500 B + SQLite insert (lock)", "method": "POST"},
}


# ---------------------------------------------------------------- request bodies


def diary_bodies(n: int = 40) -> list[str]:
    from app.demo import generator as g
    rng = random.Random(11)
    out = []
    for _ in range(n):
        d = g.diary_in(rng.randint(3, 8), rng, datetime.now(UTC))
        d.pop("recorded_at")
        out.append(json.dumps(d))
    return out


def checkin_bodies(n: int = 40) -> list[str]:
    from app.demo import generator as g
    rng = random.Random(12)
    return [json.dumps({"instrument": "phq9", "answers": g.answers_for(rng.randint(3, 10), 9, rng, last_zero=True),
                        "difficulty": rng.randint(0, 1)}) for _ in range(n)]


def login_bodies(emails: list[str], password: str) -> list[str]:
    from urllib.parse import urlencode
    return [urlencode({"username": e, "password": password}) for e in emails]


# ---------------------------------------------------------------- one server


class Run:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.dir = h.tmpdir("run-")
        self.out: dict[str, Any] = {
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": h.machine(),
            "git": subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=h.ROOT, capture_output=True,
                                  text=True).stdout.strip(),
            "settings": {"duration_s": args.duration, "connections": args.connections, "threads": 2,
                         "warmup_s": args.warmup, "dataset": {"patients": args.patients, "weeks": args.weeks},
                         "max_other_cpu": args.max_other_cpu},
            "servers": {},
            "notes": [],
        }

    def measure(self, url: str, spec: dict[str, Any], files: dict[str, Path], *, duration: float | None = None,
                connections: int | None = None, pids: list[int] | None = None) -> dict[str, Any]:
        """wrk on one endpoint; with `pids` (the server's workers), also their CPU and context
        switches per request (not under the login flood, whose logins they would include)."""
        env = {"BENCH_METHOD": spec.get("method", "GET"),
               "BENCH_CAPTURE": str(self.dir / f"first-error-{spec.get('name', 'x')}.txt")}
        if spec.get("auth"):
            env["BENCH_AUTH_FILE"] = str(files[spec["auth"]])
        if spec.get("bodies"):
            env["BENCH_BODY_FILE"] = str(files[spec["bodies"]])
        if spec.get("paths_file"):
            env["BENCH_PATHS_FILE"] = str(spec["paths_file"])
        if spec.get("ctype"):
            env["BENCH_CTYPE"] = spec["ctype"]
        target = url + spec.get("path", "/")
        conns = connections or self.args.connections
        best: dict[str, Any] | None = None
        for attempt in range(1 + self.args.retries):
            if attempt:
                h.log(f"    (others used {best['other_cpu_cores']:.2f} cores during that run: waiting, then again)")
                h.wait_for_quiet(self.args.max_other_cpu, self.args.wait / 2)
            if self.args.warmup > 0:
                h.wrk(target, spec["script"], duration=self.args.warmup, connections=conns, env=env)
            load_before = h.load_average()[0]
            with h.ForeignCpu() as other, WorkerUsage(pids or []) as usage:
                r = h.wrk(target, spec["script"], duration=duration or self.args.duration, connections=conns,
                          env=env)
            d = r.as_dict()
            if pids:
                d.update(usage.per_request(r.requests))
            d["load1_before"], d["load1_after"] = load_before, h.load_average()[0]
            d["other_cpu_cores"] = other.cores
            d["attempt"] = attempt + 1
            d["ok_fraction"] = round(r.ok_fraction, 4)
            if best is None or d["other_cpu_cores"] < best["other_cpu_cores"]:
                best = d
            if d["other_cpu_cores"] <= self.args.max_other_cpu * 1.5:
                break
        assert best is not None
        if best["ok_fraction"] < 0.99:
            best["warning"] = f"only {best['ok_fraction']:.1%} of answers were 2xx/3xx: {best['codes']}"
            h.log(f"    ! {best['warning']}")
        return best

    def app_server(self, name: str, db_url: str, keys: Path, workers: int, creds: datasets.Credentials,
                   endpoints: list[str], flood: bool) -> None:
        h.log(f"\n== {name}: the app, {workers} worker{'s' if workers > 1 else ''}")
        res_quiet = h.wait_for_quiet(self.args.max_other_cpu, self.args.wait)
        env = {"ICBT_DATABASE_URL": db_url, "ICBT_KEYS_FILE": str(keys), **h.PRODUCTION_ENV}
        files = self.files(creds)
        res: dict[str, Any] = {"workers": workers, "database": db_url.split(":")[0], "endpoints": {},
                               "other_cpu_before": res_quiet, "load_before": h.load_average()}
        with h.server(name, h.app_server_argv(), env, workers, self.dir) as srv, \
                h.RssSampler(srv.worker_pids) as rss:
            res["rss_at_start_mb"] = {str(p): round(h.rss_kb(p) / 1024, 1) for p in srv.worker_pids}
            for ep in endpoints:
                spec = dict(ENDPOINTS[ep], name=f"{name}-{ep}")
                if ep == "lesson":
                    spec["paths_file"] = files["lesson_paths"]
                elif ep == "home":
                    spec["path"] = "/"
                problem = probe(srv.url, spec, files)
                if problem:
                    h.log(f"  {ep:<10} skipped: {problem}")
                    res["endpoints"][ep] = {"skipped": problem}
                    continue
                d = self.measure(srv.url, spec, files, pids=srv.worker_pids)
                res["endpoints"][ep] = d
                h.log(f"  {ep:<10} {d['rps']:>8,.0f} req/s  p50 {d['p50_ms']:6.1f}  p95 {d['p95_ms']:6.1f}  "
                      f"p99 {d['p99_ms']:6.1f} ms  {d['cpu_ms_per_req']:.2f} ms CPU  {d['ctxsw_per_req']:.1f} cs"
                      f"  (others {d['other_cpu_cores']:.2f} cores)")
            if flood:
                res["flood"] = self.login_flood(srv, files)
            res["peak_rss_mb"] = {str(p): round(v / 1024, 1) for p, v in rss.peak.items()}
            res["peak_worker_rss_mb"] = rss.peak_mb
        h.log(f"  peak worker RSS {res['peak_worker_rss_mb']} MB")
        base = res["endpoints"].get("healthz", {}).get("rps")
        for d in res["endpoints"].values():
            if base and "rps" in d:
                d["ratio_to_healthz"] = round(d["rps"] / base, 3)
        self.out["servers"][name] = res

    def login_flood(self, srv: h.Server, files: dict[str, Path]) -> dict[str, Any]:
        """wrk floods POST /api/v1/auth/token (correct passwords: every request runs argon2,
        queued by the server's hash gate) while the other endpoints are measured one by one."""
        probes = [e for e in self.args.flood_probes if e in ENDPOINTS]
        h.log(f"  -- login flood ({self.args.flood_connections} connections on /api/v1/auth/token), "
              f"measuring {', '.join(probes)} under it")
        env = {"BENCH_METHOD": "POST", "BENCH_BODY_FILE": str(files["logins"]),
               "BENCH_CTYPE": "application/x-www-form-urlencoded",
               "BENCH_CAPTURE": str(self.dir / f"first-error-{srv.name}-logins.txt")}
        flood = h.BackgroundWrk(srv.url + "/api/v1/auth/token", "login.lua",
                                connections=self.args.flood_connections, env=env)
        time.sleep(2)
        out: dict[str, Any] = {"connections": self.args.flood_connections, "probes": {}}
        for ep in probes:
            spec = dict(ENDPOINTS[ep], name=f"{srv.name}-{ep}-flood")
            if ep == "lesson":
                spec["paths_file"] = files["lesson_paths"]
            elif ep == "home":
                spec["path"] = "/"
            if probe(srv.url, spec, files):
                continue
            d = self.measure(srv.url, spec, files)
            out["probes"][ep] = d
            h.log(f"  {ep + ' +flood':<16} {d['rps']:>8,.0f} req/s  p50 {d['p50_ms']:6.1f}  p95 {d['p95_ms']:6.1f}  "
                  f"p99 {d['p99_ms']:6.1f} ms")
        flood_result = flood.stop().as_dict()
        out["logins"] = flood_result
        ok = flood_result.get("codes", {}).get("200", 0)
        h.log(f"  logins: {ok / max(flood_result.get('seconds', 1), 1):,.0f} successful/s, answers {flood_result.get('codes')}")
        return out

    def bare_server(self, workers: int) -> None:
        name = f"bare-{workers}w"
        h.log(f"\n== {name}: the bare stack, {workers} worker{'s' if workers > 1 else ''}")
        res_quiet = h.wait_for_quiet(self.args.max_other_cpu, self.args.wait)
        env = {"BARE_DB": str(self.dir / f"bare-{workers}.db")}
        body = h.write_lines(self.dir / "bare-body.txt", ["{}"])
        res: dict[str, Any] = {"workers": workers, "endpoints": {}, "other_cpu_before": res_quiet,
                               "load_before": h.load_average()}
        with h.server(name, h.bare_server_argv(), env, workers, self.dir) as srv, h.RssSampler(srv.worker_pids) as rss:
            for ep, spec in BARE.items():
                s = {"script": "plain.lua", **spec}
                if spec.get("method") == "POST":
                    s["bodies"] = "bare_body"
                s["name"] = f"{name}-{ep}"
                d = self.measure(srv.url, s, {"bare_body": body}, pids=srv.worker_pids)
                res["endpoints"][ep] = d
                h.log(f"  {ep:<12} {d['rps']:>8,.0f} req/s  p50 {d['p50_ms']:6.1f}  p95 {d['p95_ms']:6.1f}  "
                      f"p99 {d['p99_ms']:6.1f} ms  {d['cpu_ms_per_req']:.2f} ms CPU  {d['ctxsw_per_req']:.1f} cs"
                      f"  (others {d['other_cpu_cores']:.2f} cores)")
            res["peak_worker_rss_mb"] = rss.peak_mb
        self.out["servers"][name] = res

    def files(self, creds: datasets.Credentials) -> dict[str, Path]:
        d = self.dir
        return {
            "patient_cookie": h.write_lines(d / "patient-cookies.txt",
                                            [f"Cookie: icbt_session={t}" for t in creds.patient_cookies]),
            "patient_bearer": h.write_lines(d / "patient-bearers.txt",
                                            [f"Authorization: Bearer {t}" for t in creds.patient_bearers]),
            "clinician_cookie": h.write_lines(d / "clinician-cookie.txt",
                                              [f"Cookie: icbt_session={creds.clinician_cookie}"]),
            "lesson_paths": h.write_lines(d / "lesson-paths.txt", creds.lesson_paths or ["/modules"]),
            "diary": h.write_lines(d / "diary-bodies.txt", diary_bodies()),
            "checkin": h.write_lines(d / "checkin-bodies.txt", checkin_bodies()),
            "logins": h.write_lines(d / "logins.txt", login_bodies(creds.patient_emails, creds.password)),
        }


def probe(url: str, spec: dict[str, Any], files: dict[str, Path]) -> str | None:
    """One request as wrk would send it; None if it answers 2xx/3xx, else why not."""
    path = spec.get("path", "/")
    if spec.get("paths_file"):
        path = Path(spec["paths_file"]).read_text().split()[0]
    headers = {}
    if spec.get("auth"):
        k, v = files[spec["auth"]].read_text().splitlines()[0].split(": ", 1)
        headers[k] = v
    data = None
    if spec.get("bodies"):
        data = files[spec["bodies"]].read_text().splitlines()[0].encode()
        headers["Content-Type"] = "application/json"
    req = urllib.request.Request(url + path, data=data, headers=headers, method=spec.get("method", "GET"))

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *a: Any, **k: Any) -> None:
            return None
    try:
        with urllib.request.build_opener(NoRedirect).open(req, timeout=30) as r:
            return None if r.status < 400 else f"{path} answered {r.status}"
    except urllib.error.HTTPError as e:
        if 300 <= e.code < 400:
            return f"{path} redirected to {e.headers.get('location')} (signed out, or route missing)"
        return f"{path} answered {e.code}: {e.read()[:200]!r}"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n\n")[0])
    p.add_argument("-d", "--duration", type=float, default=10, help="seconds per measured wrk run (default 10)")
    p.add_argument("--warmup", type=float, default=2, help="seconds of unrecorded warm-up before each run")
    p.add_argument("-c", "--connections", type=int, default=16)
    p.add_argument("--patients", type=int, default=200, help="patients in the dataset (default 200)")
    p.add_argument("--weeks", type=int, default=12, help="weeks of history each (default 12)")
    p.add_argument("--servers", default="sqlite-1w,sqlite-2w,pg-2w,bare-1w,bare-2w",
                   help="which to run (default all: sqlite-1w,sqlite-2w,pg-2w,bare-1w,bare-2w)")
    p.add_argument("--endpoints", default=",".join(ENDPOINTS))
    p.add_argument("--no-flood", action="store_true", help="skip the login flood")
    p.add_argument("--flood-connections", type=int, default=16)
    p.add_argument("--flood-probes", default="home,diary,checkin,dashboard",
                   type=lambda v: v.split(","))
    p.add_argument("--max-other-cpu", type=float, default=0.3,
                   help="before each server, wait until other people's processes use fewer CPU cores "
                        "than this (default 0.3; the benchmark's own processes are not counted)")
    p.add_argument("--wait", type=float, default=300, help="wait at most this long for a quiet machine (s)")
    p.add_argument("--retries", type=int, default=2,
                   help="measure again (after waiting) when others used more than 1.5 x --max-other-cpu "
                        "cores during a run; the quietest attempt is kept (default 2)")
    p.add_argument("--publish", action="store_true", help="also write bench/latest.json")
    p.add_argument("--no-json", action="store_true", help="do not print the JSON (it is always written)")
    args = p.parse_args(argv)

    which = args.servers.split(",")
    endpoints = [e for e in args.endpoints.split(",") if e in ENDPOINTS]
    run = Run(args)
    started = time.monotonic()
    h.log(f"Results in {run.dir}. Machine: {run.out['machine']}")
    run.out["load_start"] = h.load_average()
    run.out["other_cpu_start"] = h.foreign_cpu()
    h.log(f"Load average {run.out['load_start']}; other processes use {run.out['other_cpu_start']} cores")

    if any(w.startswith("sqlite") for w in which):
        ds = datasets.load_dataset("sqlite", args.patients, args.weeks)
        for name in [w for w in which if w.startswith("sqlite")]:
            workers = int(name.split("-")[1].rstrip("w"))
            db_path = run.dir / f"{name}.db"
            h.copy_sqlite(ds.path, db_path)
            url = h.sqlite_url(db_path)
            creds = datasets.credentials(url, ds, name)
            run.app_server(name, url, ds.keys, workers, creds, endpoints,
                           flood=not args.no_flood and name == "sqlite-2w")
    if "pg-2w" in which:
        problem = h.pg_available()
        if problem:
            h.log(f"\n== pg-2w skipped: PostgreSQL not reachable ({problem})")
            run.out["notes"].append(f"pg-2w skipped: {problem}")
        else:
            ds = datasets.load_dataset("postgres", args.patients, args.weeks)
            dbname = "icbt_bench_run"
            h.pg_clone(ds.pg_name, dbname)
            url = h.pg_url(dbname)
            creds = datasets.credentials(url, ds, "pg-2w")
            try:
                run.app_server("pg-2w", url, ds.keys, 2, creds, endpoints, flood=False)
            finally:
                h.pg_exec(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
    for name in [w for w in which if w.startswith("bare")]:
        run.bare_server(int(name.split("-")[1].rstrip("w")))

    run.out["load_end"] = h.load_average()
    run.out["seconds"] = round(time.monotonic() - started, 1)
    run.out["targets"] = targets(run.out)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    path = h.RESULTS / f"bench-{stamp}.json"
    text = json.dumps(run.out, indent=2, default=str)
    path.write_text(text)
    (h.RESULTS / "latest.json").write_text(text)
    if args.publish:
        (h.BENCH / "latest.json").write_text(text)
    if not args.no_json:
        print("\n" + text)
    print_table(run.out)
    print(f"\nJSON: {path.relative_to(h.ROOT)}" + (" and bench/latest.json" if args.publish else "")
          + f"; whole run {run.out['seconds']:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
