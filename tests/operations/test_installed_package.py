"""Issue 14 item 10: what the Dockerfile does, without Docker. Build the wheel, install it in a
fresh environment (not the checkout), copy the data files to another directory as the
Dockerfile does (ICBT_DATA_DIR=/srv/icbt there), and serve with production settings from yet
another working directory; read /healthz, /help and a lesson."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import sysconfig
import urllib.parse
import urllib.request
import zipfile
from pathlib import Path

import pytest

from tests.operations.support import ROOT, Server

pytestmark = pytest.mark.slow

PASSWORD = "a long unusual passphrase 42"


def _fresh_env(tmp: Path) -> Path:
    """A new virtual environment holding only the wheel's `app` (unpacked: a pure-Python wheel
    installs by unpacking); third-party libraries come from this test run's environment by a
    .pth line (no network), which does not bring the checkout's editable `app` along."""
    wheels = tmp / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q",
                    "-w", str(wheels), str(ROOT)], check=True, capture_output=True, timeout=300)
    wheel, = wheels.glob("*.whl")
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    site = next((venv / "lib").glob("python3*/site-packages"))
    with zipfile.ZipFile(wheel) as z:
        z.extractall(site)
    (site / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return venv


def test_wheel_serves_from_elsewhere_with_production_settings(tmp_path):
    venv = _fresh_env(tmp_path)
    py = venv / "bin" / "python"
    srv = tmp_path / "srv" / "icbt"  # what the Dockerfile copies to /srv/icbt
    srv.mkdir(parents=True)
    for name in ("templates", "static", "modules_content", "escalation", "migrations"):
        shutil.copytree(ROOT / name, srv / name)
    shutil.copy2(ROOT / "alembic.ini", srv / "alembic.ini")
    (srv / "data").mkdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    where = subprocess.run([str(py), "-c", "import app; print(app.__file__)"], cwd=elsewhere,
                           capture_output=True, text=True, check=True).stdout.strip()
    assert where.startswith(str(venv)), f"app imported from {where}, not the installed wheel"

    env = {k: v for k, v in __import__("os").environ.items() if not k.startswith(("ICBT_", "PYTHONPATH"))}
    env.update({"ICBT_ENV": "production", "ICBT_DATA_DIR": str(srv), "ICBT_BASE_URL": "https://icbt.example.org",
                "ICBT_DATABASE_URL": f"sqlite:///{srv / 'data' / 'icbt.db'}", "ICBT_KEYS_FILE": str(tmp_path / "keys.json"),
                "ICBT_HASH_SLOT_DIR": str(tmp_path / "slots"), "ICBT_RUN_WORKER": "false",
                "ICBT_ONCALL_EMAILS": "oncall@example.org", "ICBT_SMTP_HOST": "127.0.0.1"})
    cli = [str(py), "-m", "app.cli"]
    subprocess.run([*cli, "init-keys"], env=env, cwd=elsewhere, check=True, capture_output=True, timeout=120)
    server = Server(env, cmd=cli, cwd=elsewhere, migrate=True)
    try:
        assert server.get("/healthz") == (200, '{"status":"ok"}')
        status, help_page = server.get("/help")
        assert status == 200 and "Get help now" in help_page
        r = subprocess.run([*cli, "create-user", "--role", "patient", "--email", "p@example.org"],
                           env={**env, "ICBT_NEW_PASSWORD": PASSWORD}, cwd=elsewhere, capture_output=True,
                           text=True, timeout=120)
        assert r.returncode == 0, r.stderr
        data = urllib.parse.urlencode({"username": "p@example.org", "password": PASSWORD}).encode()
        with urllib.request.urlopen(server.url + "/api/v1/auth/token", data=data, timeout=30) as resp:
            token = json.loads(resp.read())["access_token"]
        req = urllib.request.Request(server.url + "/api/v1/modules/thoughts-feelings-actions",
                                     headers={"Authorization": f"Bearer {token}"})
        with urllib.request.urlopen(req, timeout=30) as resp:
            lesson = json.loads(resp.read())
        assert lesson["slug"] == "thoughts-feelings-actions"
    finally:
        server.stop()
