"""Production that cannot run half-configured (issue 12): every problem at once."""

from __future__ import annotations

import os
import subprocess
import sys

from app import startup
from app.config import Settings


def _serve(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if not k.startswith("ICBT_")}
    full.update(env)
    return subprocess.run([sys.executable, "-m", "app.cli", "serve", "--no-migrate"], env=full,
                          capture_output=True, text=True, timeout=60)


def test_production_without_mail_or_oncall_lists_every_problem_at_once(tmp_path):
    bad = tmp_path / "pathways.yaml"
    bad.write_text("region: Nowhere\n")
    r = _serve({"ICBT_ENV": "production", "ICBT_DATABASE_URL": f"sqlite:///{tmp_path}/x.db",
                "ICBT_BASE_URL": "http://127.0.0.1:8000", "ICBT_ESCALATION_FILE": str(bad)})
    assert r.returncode == 2
    err = r.stderr
    assert "configuration error: 5 problems:" in err, err
    for needle in ("ICBT_KEYS_FILE", "ICBT_BASE_URL", "ICBT_SMTP_HOST", "ICBT_ONCALL_EMAILS", str(bad)):
        assert needle in err, needle


def test_production_with_mail_and_oncall_has_no_alerting_problem(tmp_path):
    s = Settings(env="production", database_url="postgresql+psycopg://x@db/icbt", base_url="https://x.org",
                 keys_file=tmp_path / "k.json", smtp_host="mail.example.org", oncall_emails="oncall@example.org")
    assert s.production_problems() == []
    assert any("ICBT_ONCALL_EMAILS" in p for p in
               Settings(**{**s.model_dump(), "oncall_emails": ""}).production_problems())
    assert any("ICBT_SMTP_HOST" in p for p in
               Settings(**{**s.model_dump(), "smtp_host": None}).production_problems())


def test_dashboard_only_is_an_explicit_alternative(tmp_path):
    s = Settings(env="production", database_url="postgresql+psycopg://x@db/icbt", base_url="https://x.org",
                 keys_file=tmp_path / "k.json", alerts_dashboard_only=True)
    assert s.production_problems() == []


def test_other_checks_can_append_problems(tmp_path, keys_file, monkeypatch):
    monkeypatch.setattr(startup, "CHECKS", [*startup.CHECKS, lambda s: ["first extra"], lambda s: ["second extra"]])
    s = Settings(env="test", database_url=f"sqlite:///{tmp_path}/x.db", keys_file=keys_file)
    found = startup.problems(s)
    assert found == ["first extra", "second extra"]
