"""Shared machinery of the benchmarks: servers, wrk, memory sampling, databases, credentials."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
RESULTS = BENCH / "results"
CACHE = RESULTS / "cache"
LUA = BENCH / "lua"
VENV_BIN = Path(sys.executable).parent
PG_ADMIN = os.environ.get("BENCH_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")


def log(msg: str) -> None:
    print(msg, flush=True)


# ---------------------------------------------------------------- machine


def load_average() -> tuple[float, float, float]:
    a, b, c = Path("/proc/loadavg").read_text().split()[:3]
    return float(a), float(b), float(c)


def machine() -> dict[str, Any]:
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kb = int(next(l for l in Path("/proc/meminfo").read_text().splitlines() if l.startswith("MemTotal")).split()[1])
    # `--prepare-only` runs without wrk installed (make bench-tools installs it)
    wrk_v = (subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.split("\n")[0].split(" [")[0]
             if shutil.which("wrk") else "not installed")
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gb": round(mem_kb / 1024 / 1024, 1),
            "python": sys.version.split()[0], "kernel": os.uname().release, "wrk": wrk_v}


TICKS = os.sysconf("SC_CLK_TCK")


def cpu_busy_ticks() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine, from /proc/stat."""
    f = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = f[3] + f[4]
    total = sum(f[:8])
    return total - idle, total


def _proc_ticks(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return sum(int(x) for x in fields[11:15])  # utime stime cutime cstime


def descendants(pid: int) -> list[int]:
    parent: dict[int, int] = {}
    for p in Path("/proc").iterdir():
        if p.name.isdigit():
            try:
                parent[int(p.name)] = int((p / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
    out, frontier = [], [pid]
    while frontier:
        cur = frontier.pop()
        kids = [c for c, pp in parent.items() if pp == cur]
        out.extend(kids)
        frontier.extend(kids)
    return out


def own_ticks() -> int:
    """CPU used by this process and everything it started (servers, wrk)."""
    me = os.getpid()
    return _proc_ticks(me) + sum(_proc_ticks(p) for p in descendants(me))


class ForeignCpu:
    """How many cores other people's processes used while this block ran."""

    def __enter__(self) -> ForeignCpu:
        self.t0 = time.monotonic()
        self.busy0, _ = cpu_busy_ticks()
        self.own0 = own_ticks()
        return self

    def __exit__(self, *exc: object) -> None:
        busy1, _ = cpu_busy_ticks()
        own1 = own_ticks()
        secs = max(time.monotonic() - self.t0, 1e-6)
        self.cores = round(max(0.0, ((busy1 - self.busy0) - (own1 - self.own0)) / TICKS / secs), 2)


def foreign_cpu(seconds: float = 3.0) -> float:
    with ForeignCpu() as f:
        time.sleep(seconds)
    return f.cores


def wait_for_quiet(max_cores: float, timeout: float) -> float:
    """Wait (up to `timeout` s) until other processes use less than `max_cores` CPU cores
    (measured over 3 s; the benchmark's own processes are not counted). Returns the last
    measurement."""
    deadline = time.monotonic() + timeout
    busy = foreign_cpu()
    announced = False
    while busy > max_cores and time.monotonic() < deadline:
        if not announced:
            log(f"  waiting for the machine to quieten (others use {busy:.2f} cores > {max_cores}; "
                f"up to {timeout:.0f} s)...")
            announced = True
        busy = foreign_cpu(5.0)
    if busy > max_cores:
        log(f"  ! still busy ({busy:.2f} cores used by other processes): these numbers will be noisy")
    return busy


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------- processes and memory


def children_of(pid: int) -> list[int]:
    out = []
    for p in Path("/proc").iterdir():
        if not p.name.isdigit():
            continue
        try:
            stat = (p / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == pid:
            out.append(int(p.name))
    return out


def cmdline(pid: int) -> str:
    try:
        return (Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")).decode(errors="replace")
    except OSError:
        return ""


def rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class RssSampler:
    """Samples the RSS of a set of processes every `interval` s; keeps the peak per process."""

    def __init__(self, pids: list[int], interval: float = 0.2) -> None:
        self.pids = pids
        self.interval = interval
        self.peak: dict[int, int] = {p: rss_kb(p) for p in pids}
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            for p in self.pids:
                self.peak[p] = max(self.peak.get(p, 0), rss_kb(p))

    def __enter__(self) -> RssSampler:
        self._t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._t.join()

    @property
    def peak_mb(self) -> float:
        return round(max(self.peak.values(), default=0) / 1024, 1)


# ---------------------------------------------------------------- servers


@dataclass
class Server:
    name: str
    port: int
    proc: subprocess.Popen
    workers: int
    log_path: Path
    worker_pids: list[int] = field(default_factory=list)
    peak_rss_mb: dict[int, float] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def _wait_ready(url: str, proc: subprocess.Popen, log_path: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited ({proc.returncode}); see {log_path}:\n"
                               + log_path.read_text()[-3000:])
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2) as r:
                if r.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, OSError):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"server did not answer /healthz within {timeout} s; see {log_path}")


def _worker_pids(proc: subprocess.Popen, workers: int, timeout: float = 30) -> list[int]:
    """uvicorn with one worker serves in its own process; with several, in spawned children."""
    if workers == 1:
        return [proc.pid]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        kids = [p for p in children_of(proc.pid) if "spawn_main" in cmdline(p)
                and "resource_tracker" not in cmdline(p)]
        if len(kids) >= workers:
            return kids
        time.sleep(0.2)
    raise RuntimeError("could not find the worker processes")


@contextmanager
def server(name: str, argv: list[str], env: dict[str, str], workers: int, log_dir: Path) -> Iterator[Server]:
    port = free_port()
    full_env = {**os.environ, **env, "ICBT_PORT": str(port), "ICBT_WORKERS": str(workers)}
    log_path = log_dir / f"server-{name}.log"
    argv = [a.replace("{port}", str(port)).replace("{workers}", str(workers)) for a in argv]
    with open(log_path, "w") as logf:
        proc = subprocess.Popen(argv, env=full_env, stdout=logf, stderr=subprocess.STDOUT, cwd=ROOT,
                                start_new_session=True)
    srv = Server(name, port, proc, workers, log_path)
    try:
        _wait_ready(srv.url, proc, log_path)
        srv.worker_pids = _worker_pids(proc, workers)
        time.sleep(1.0)  # let start-up work (background worker's first pass) settle
        yield srv
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


#: Servers are measured as production runs them (templates read once, secure cookies, HSTS);
#: the address only appears in e-mail links.
# No mail server on the bench: alerts are read on the dashboard (the start-up check refuses a
# production server that could not e-mail them otherwise).
PRODUCTION_ENV = {"ICBT_ENV": "production", "ICBT_BASE_URL": "https://bench.example.org",
                  "ICBT_ALERTS_DASHBOARD_ONLY": "true"}


def app_server_argv() -> list[str]:
    return [str(VENV_BIN / "icbt"), "serve", "--no-migrate"]


def bare_server_argv() -> list[str]:
    return [str(VENV_BIN / "uvicorn"), "bench.bare_app:app", "--host", "127.0.0.1", "--port", "{port}",
            "--workers", "{workers}", "--no-access-log", "--loop", "uvloop", "--http", "httptools",
            "--log-level", "warning"]


# ---------------------------------------------------------------- wrk


@dataclass
class WrkResult:
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p90_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    mean_ms: float
    errors: dict[str, int]
    codes: dict[str, int]

    @property
    def ok_fraction(self) -> float:
        good = sum(v for k, v in self.codes.items() if 200 <= int(k) < 400)
        return good / self.requests if self.requests else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in ("requests", "seconds", "rps", "p50_ms", "p90_ms", "p95_ms",
                                              "p99_ms", "max_ms", "mean_ms", "errors", "codes")}


def _wrk_argv(url: str, script: str, duration: float, connections: int, threads: int, timeout_s: int) -> list[str]:
    return ["wrk", f"-t{threads}", f"-c{connections}", f"-d{max(1, round(duration))}s", "--timeout", f"{timeout_s}s",
            "-s", str(LUA / script), url]


def _wrk_env(threads: int, env: dict[str, str] | None) -> dict[str, str]:
    return {**os.environ, "BENCH_LUA_DIR": str(LUA), "BENCH_THREADS": str(threads), **(env or {})}


def _parse_wrk(stdout: str, stderr: str, code: int | None) -> WrkResult:
    line = next((l for l in stdout.splitlines() if l.startswith("BENCH_JSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk gave no summary (exit {code}):\n{stdout}\n{stderr}")
    d = json.loads(line[len("BENCH_JSON "):])
    lat = d["latency_us"]
    secs = d["duration_us"] / 1e6
    return WrkResult(requests=d["requests"], seconds=round(secs, 2), rps=round(d["requests"] / secs, 1),
                     p50_ms=lat["p50"] / 1000, p90_ms=lat["p90"] / 1000, p95_ms=lat["p95"] / 1000,
                     p99_ms=lat["p99"] / 1000, max_ms=lat["max"] / 1000, mean_ms=round(lat["mean"] / 1000, 3),
                     errors=d["errors"], codes=d["codes"])


def wrk(url: str, script: str, *, duration: float, connections: int = 16, threads: int = 2,
        env: dict[str, str] | None = None, timeout_s: int = 10) -> WrkResult:
    """Run wrk with one of bench/lua/*.lua and parse its BENCH_JSON summary line."""
    out = subprocess.run(_wrk_argv(url, script, duration, connections, threads, timeout_s),
                         env=_wrk_env(threads, env), capture_output=True, text=True, timeout=duration + 120)
    return _parse_wrk(out.stdout, out.stderr, out.returncode)


class BackgroundWrk:
    """wrk running until stopped (SIGINT: wrk stops and prints its summary)."""

    def __init__(self, url: str, script: str, *, connections: int = 16, threads: int = 2,
                 env: dict[str, str] | None = None, timeout_s: int = 10, max_seconds: int = 3600) -> None:
        self.proc = subprocess.Popen(_wrk_argv(url, script, max_seconds, connections, threads, timeout_s),
                                     env=_wrk_env(threads, env), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True)

    def stop(self) -> WrkResult:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        stdout, stderr = self.proc.communicate(timeout=60)
        return _parse_wrk(stdout, stderr, self.proc.returncode)


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n")
    return path


# ---------------------------------------------------------------- databases


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def copy_sqlite(src: Path, dst: Path) -> None:
    """Copy a (checkpointed, closed) SQLite database file."""
    for suffix in ("", "-wal", "-shm", ".lock"):
        p = Path(str(dst) + suffix)
        if p.exists():
            p.unlink()
    shutil.copyfile(src, dst)


def checkpoint_sqlite(path: Path) -> None:
    import sqlite3
    c = sqlite3.connect(path)
    c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    c.close()


def pg_url(name: str) -> str:
    base = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
    return f"{base}/{name}"


def pg_exec(sql: str) -> None:
    import psycopg
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(sql)


def pg_exists(name: str) -> bool:
    import psycopg
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is not None


def pg_available() -> str | None:
    try:
        import psycopg
        with psycopg.connect(PG_ADMIN, connect_timeout=3, autocommit=True):
            return None
    except Exception as e:  # noqa: BLE001
        return str(e).splitlines()[0]


def pg_clone(template: str, name: str) -> None:
    pg_exec(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    pg_exec(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')


@contextmanager
def app_settings(database_url: str, keys_file: Path) -> Iterator[Any]:
    """Point the app (in this process) at a database and key ring; yields the Database."""
    os.environ["ICBT_DATABASE_URL"] = database_url
    os.environ["ICBT_KEYS_FILE"] = str(keys_file)
    os.environ.setdefault("ICBT_ENV", "development")
    from app.config import get_settings
    from app.db import Database, set_db
    from app.security import crypto
    get_settings.cache_clear()
    if not keys_file.exists():
        crypto.KeyRing.generate().save(keys_file)
    crypto.set_keyring(crypto.KeyRing.load(keys_file))
    db = Database(get_settings())
    set_db(db)
    try:
        yield db
    finally:
        set_db(None)
        get_settings.cache_clear()


def migrate(database_url: str) -> None:
    from app import migrate as m
    m.upgrade(database_url)
    # Parts of the app still being built may have models without a migration yet; the
    # benchmark says so rather than failing obscurely later.
    from sqlalchemy import create_engine, inspect

    import app.models  # noqa: F401
    from app.db import Base
    eng = create_engine(database_url)
    have = set(inspect(eng).get_table_names())
    missing = sorted(set(Base.metadata.tables) - have)
    if missing:
        if os.environ.get("BENCH_CREATE_MISSING") == "1":
            log(f"  (creating tables that have no migration yet: {', '.join(missing)})")
            Base.metadata.create_all(eng, tables=[Base.metadata.tables[t] for t in missing])
        else:
            raise RuntimeError(f"these tables have models but no migration: {', '.join(missing)} "
                               "(set BENCH_CREATE_MISSING=1 to create them for a trial run)")
    eng.dispose()


def make_tokens(db: Any, user_ids: list[Any], kind: str) -> list[str]:
    """Sign users in without argon2: a session row per user (as the login route makes)."""
    from app.accounts.models import User
    from app.security import sessions
    out = []
    with db.session() as s:
        for uid in user_ids:
            user = s.get(User, uid)
            tok, _ = sessions.create(s, user, kind, "bench")
            out.append(tok)
        s.commit()
    return out


def tmpdir(prefix: str) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=prefix, dir=RESULTS))
