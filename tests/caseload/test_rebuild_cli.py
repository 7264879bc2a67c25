"""`icbt rebuild-caseload` and the upgrade, run as separate processes the way an operator runs
them: the rows of a database upgraded from the version before the caseload are right at once
(the migration fills them), `--check` finds rows broken by hand, the rebuild repairs them and
is idempotent."""

from __future__ import annotations

import sqlite3
import subprocess
import sys

from tests.operations.support import ROOT, env_for, icbt


def _sql(env: dict[str, str], statement: str) -> None:
    path = env["ICBT_DATABASE_URL"].removeprefix("sqlite:///")
    with sqlite3.connect(path) as c:
        c.execute(statement)


def _rows(env: dict[str, str]) -> list[tuple]:
    path = env["ICBT_DATABASE_URL"].removeprefix("sqlite:///")
    with sqlite3.connect(path) as c:
        return c.execute("SELECT * FROM caseload_rows ORDER BY patient_id").fetchall()


def _downgrade(env: dict[str, str], revision: str) -> None:
    r = subprocess.run([sys.executable, "-c", f"from app import migrate; migrate.downgrade(revision={revision!r})"],
                       env=env, capture_output=True, text=True, cwd=ROOT, timeout=180)
    assert r.returncode == 0, r.stderr


def test_upgrade_fills_the_rows_and_rebuild_checks_and_repairs(tmp_path):
    env = env_for(tmp_path)
    icbt(env, "init-keys")
    icbt(env, "migrate")
    icbt(env, "seed-demo", "--patients", "6", "--weeks", "3", "--quiet", timeout=600)
    assert "all up to date" in icbt(env, "rebuild-caseload", "--check").stdout   # kept by the services
    written = _rows(env)
    assert len(written) == 6 and any(r[1] for r in written)             # six patients, some open alert

    # An upgrade from the version before (no caseload table): `icbt migrate` fills it.
    _downgrade(env, "d15c@-1")   # the version before: this revision not applied
    icbt(env, "migrate")
    assert _rows(env) == written
    assert "all up to date" in icbt(env, "rebuild-caseload", "--check").stdout

    # Rows broken by hand: --check says so (exit 1) and changes nothing; the rebuild repairs.
    _sql(env, "UPDATE caseload_rows SET top_rank = 0, open_urgent = 7 WHERE rowid = 1")
    _sql(env, "DELETE FROM caseload_rows WHERE rowid = 2")
    broken = _rows(env)
    r = icbt(env, "rebuild-caseload", "--check", check=False)
    assert r.returncode == 1 and "2 rows differ" in r.stdout, r.stdout
    assert _rows(env) == broken
    assert "6 patients: 2 rows changed" in icbt(env, "rebuild-caseload").stdout
    assert _rows(env) == written
    assert "0 rows changed, 0 removed" in icbt(env, "rebuild-caseload").stdout   # idempotent
    assert "all up to date" in icbt(env, "rebuild-caseload", "--check").stdout
