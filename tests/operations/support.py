"""Run `icbt` the way an operator does: a fresh process, its own database and key file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ICBT = [sys.executable, "-m", "app.cli"]

# Reads every encrypted value in the database with the key ring in ICBT_KEYS_FILE; prints the count.
READ_ALL = r"""
import sys
from app import startup
from app.config import get_settings
from app.db import get_db
from app.models import Base
from app.security import crypto
import app.models  # noqa
s = get_settings()
crypto.set_keyring(crypto.KeyRing.load(s.resolved_keys_file))
n = 0
with get_db().session() as session:
    for mapper in Base.registry.mappers:
        cols = [c.key for c in mapper.columns if isinstance(c.type, crypto.EncryptedBytes)]
        if not cols:
            continue
        for obj in session.scalars(__import__("sqlalchemy").select(mapper.class_)):
            for c in cols:
                if getattr(obj, c) is not None:
                    crypto.unseal(session, obj, c, strict=True)
                    n += 1
print(n)
"""


def env_for(tmp: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ICBT_")}
    env.update({
        "ICBT_ENV": "test", "ICBT_RUN_WORKER": "false",
        "ICBT_DATABASE_URL": f"sqlite:///{tmp / 'icbt.db'}", "ICBT_KEYS_FILE": str(tmp / "keys.json"),
        "ICBT_HASH_SLOT_DIR": str(tmp / "slots"), "PYTHONPATH": str(ROOT),
    })
    env.update(extra)
    return env


def icbt(env: dict[str, str], *args: str, timeout: float = 180, check: bool = True,
         cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    r = subprocess.run([*ICBT, *args], env=env, capture_output=True, text=True, timeout=timeout,
                       cwd=cwd or ROOT)
    if check and r.returncode != 0:
        raise AssertionError(f"icbt {' '.join(args)} exited {r.returncode}\n{r.stdout}\n{r.stderr}")
    return r


def read_all(env: dict[str, str]) -> int:
    r = subprocess.run([sys.executable, "-c", READ_ALL], env=env, capture_output=True, text=True,
                       timeout=120, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    return int(r.stdout.strip().splitlines()[-1])


def database_with_data(tmp: Path) -> dict[str, str]:
    """init-keys, migrate, create-user x2, assign, seed-demo: each a fresh process."""
    env = env_for(tmp)
    assert "created key ring" in icbt(env, "init-keys").stdout
    assert "up to date" in icbt(env, "migrate").stdout
    env_pw = {**env, "ICBT_NEW_PASSWORD": "a long unusual passphrase 42"}
    icbt(env_pw, "create-user", "--role", "patient", "--email", "pat@example.org", "--name", "Pat")
    icbt(env_pw, "create-user", "--role", "clinician", "--email", "cli@example.org", "--name", "Cli")
    assert "assigned" in icbt(env, "assign", "--patient", "pat@example.org", "--clinician", "cli@example.org").stdout
    icbt(env, "seed-demo", "--patients", "1", "--weeks", "2", "--quiet", timeout=300)
    return env


def free_port() -> int:
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`icbt serve` in its own process; `.url`, `.pid`, `.rss_kb()`; stop with `.stop()`."""

    def __init__(self, env: dict[str, str], *, cmd: list[str] | None = None, cwd: Path | None = None,
                 migrate: bool = False) -> None:
        import time
        import urllib.request
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**env, "ICBT_PORT": str(self.port), "ICBT_HOST": "127.0.0.1"}
        args = [*(cmd or ICBT), "serve"] + ([] if migrate else ["--no-migrate"])
        self.log = open(Path(env["ICBT_KEYS_FILE"]).parent / f"server-{self.port}.log", "w+")
        self.proc = subprocess.Popen(args, env=env, cwd=cwd or ROOT, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"server exited {self.proc.returncode}: {self.output()}")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise AssertionError(f"server did not answer /healthz: {self.output()}")

    @property
    def pid(self) -> int:
        return self.proc.pid

    def output(self) -> str:
        self.log.flush()
        self.log.seek(0)
        return self.log.read()

    def rss_kb(self) -> int:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise AssertionError("no VmRSS")

    def get(self, path: str) -> tuple[int, str]:
        import urllib.error
        import urllib.request
        try:
            with urllib.request.urlopen(self.url + path, timeout=20) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
