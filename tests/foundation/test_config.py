from __future__ import annotations

import subprocess
import sys

import pytest

from app.config import ConfigError, Settings


def test_production_refuses_without_key_file():
    s = Settings(env="production", database_url="postgresql+psycopg://x@db/icbt", base_url="https://icbt.example.org",
                 keys_file=None)
    with pytest.raises(ConfigError, match="ICBT_KEYS_FILE must be set"):
        s.check_production()


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:"])
def test_production_refuses_in_memory_database(tmp_path, url):
    s = Settings(env="production", database_url=url, keys_file=tmp_path / "k.json", base_url="https://x.org")
    with pytest.raises(ConfigError, match="in-memory"):
        s.check_production()


def test_production_refuses_development_base_url(tmp_path):
    s = Settings(env="production", database_url="postgresql+psycopg://x@db/icbt", keys_file=tmp_path / "k.json")
    with pytest.raises(ConfigError, match="ICBT_BASE_URL"):
        s.check_production()


def _serve(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    import os
    full = {k: v for k, v in os.environ.items() if not k.startswith("ICBT_")}
    full.update(env)
    return subprocess.run([sys.executable, "-m", "app.cli", "serve", "--no-migrate"], env=full,
                          capture_output=True, text=True, timeout=60)


def test_server_start_refuses_missing_key_file_in_production(tmp_path):
    r = _serve({"ICBT_ENV": "production", "ICBT_DATABASE_URL": f"sqlite:///{tmp_path}/x.db",
                "ICBT_BASE_URL": "https://icbt.example.org", "ICBT_ALERTS_DASHBOARD_ONLY": "true"})
    assert r.returncode == 2
    lines = [l for l in r.stderr.splitlines() if l.strip()]
    assert lines == ["configuration error: ICBT_KEYS_FILE must be set in production (path to the key ring file)"]


def test_server_start_refuses_malformed_key(tmp_path):
    k = tmp_path / "keys.json"
    k.write_text('{"primary": "k1", "keys": {"k1": "c2hvcnQ="}, "index_key": "c2hvcnQ="}')
    r = _serve({"ICBT_ENV": "production", "ICBT_KEYS_FILE": str(k), "ICBT_DATABASE_URL": f"sqlite:///{tmp_path}/x.db",
                "ICBT_BASE_URL": "https://icbt.example.org", "ICBT_ALERTS_DASHBOARD_ONLY": "true"})
    assert r.returncode == 2
    lines = [l for l in r.stderr.splitlines() if l.strip()]
    assert len(lines) == 1 and "key 'k1' must be 32 bytes" in lines[0]


def test_server_start_refuses_unreachable_database(tmp_path, keys_file):
    r = _serve({"ICBT_ENV": "test", "ICBT_KEYS_FILE": str(keys_file),
                "ICBT_DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/nothing"})
    assert r.returncode == 2
    lines = [l for l in r.stderr.splitlines() if l.strip()]
    assert len(lines) == 1 and lines[0].startswith("configuration error: cannot reach the database")


def test_server_start_refuses_malformed_escalation_file(tmp_path, keys_file):
    bad = tmp_path / "pathways.yaml"
    bad.write_text("region: Nowhere\ntiers:\n  emergency:\n    title: x\n    message: y\n    resources: []\n")
    r = _serve({"ICBT_ENV": "test", "ICBT_KEYS_FILE": str(keys_file), "ICBT_ESCALATION_FILE": str(bad),
                "ICBT_DATABASE_URL": f"sqlite:///{tmp_path}/x.db"})
    assert r.returncode == 2
    lines = [l for l in r.stderr.splitlines() if l.strip()]
    assert len(lines) == 1 and str(bad) in lines[0]
