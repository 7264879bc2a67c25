"""Every `icbt` command runs as a fresh process, the way an operator runs it. migrate,
init-keys, create-user, assign and seed-demo build the shared data (conftest); rotate-keys,
verify-audit, backup and serve have their own tests here; this file covers the rest."""

from __future__ import annotations

from app.cli import COMMANDS, main  # noqa: F401 - main() registers the domain commands
from tests.operations.support import env_for, icbt


def test_dispatch_once_and_monitor_run_as_processes(data_dir):
    env = env_for(data_dir, ICBT_MAIL_BACKEND="file", ICBT_MAIL_FILE=str(data_dir / "mail.txt"))
    out = icbt(env, "dispatch", "--once").stdout
    assert out.startswith("sent "), out  # mail goes to the file: no "ICBT_SMTP_HOST is not set" note
    assert icbt(env, "monitor").returncode == 0
    assert icbt(env, "monitor", "--all").returncode == 0
    assert "disengaged" in icbt(env, "monitor", "--show-config").stdout.lower()


def test_every_command_is_covered_by_a_process_test():
    import contextlib
    import io
    with contextlib.suppress(SystemExit), contextlib.redirect_stdout(io.StringIO()):
        main(["--help"])
    covered = {"migrate", "init-keys", "create-user", "assign", "seed-demo", "rotate-keys", "verify-audit",
               "backup", "serve", "dispatch", "monitor",
               # tested as processes beside the domain that owns them:
               "import-scores",   # tests/assessments/test_import_scores.py
               "erase",           # tests/privacy/test_erasure.py
               "init-vapid",      # tests/reminders/test_push.py
               "rebuild-caseload"}  # tests/caseload/test_rebuild_cli.py
    assert set(COMMANDS) <= covered, f"add a subprocess test for: {sorted(set(COMMANDS) - covered)}"
