"""The `icbt` command. Each command opens its own session and commits when it succeeds."""

from __future__ import annotations

import argparse
import getpass
import os
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path

from app.config import ConfigError, get_settings

COMMANDS: dict[str, tuple[Callable[[argparse.Namespace], int], Callable[[argparse.ArgumentParser], None], str]] = {}


def command(name: str, help: str, args: Callable[[argparse.ArgumentParser], None] = lambda p: None):
    def deco(fn: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
        COMMANDS[name] = (fn, args, help)
        return fn
    return deco


def _boot() -> None:
    """Load the key ring and check the database, as the server does at start-up."""
    from app import startup
    from app.db import get_db
    from app.security import crypto

    import app.models  # noqa: F401 - every table and column type, as the server has them

    settings = get_settings()
    settings.check_production()
    db = get_db()
    startup.check_database(db)
    ring = startup.load_keyring(settings, db)
    crypto.set_keyring(ring)
    startup.check_keyring_matches_database(db, ring, settings.resolved_keys_file)


def _session():
    from app.db import get_db
    return get_db().session()


# ---------------------------------------------------------------- commands


@command("migrate", "apply database migrations (alembic upgrade head)")
def cmd_migrate(ns: argparse.Namespace) -> int:
    from app.migrate import upgrade
    upgrade()
    print("database is up to date")
    return 0


@command("serve", "migrate, then serve (ICBT_HOST, ICBT_PORT, ICBT_WORKERS)",
         lambda p: p.add_argument("--no-migrate", action="store_true"))
def cmd_serve(ns: argparse.Namespace) -> int:
    import uvicorn

    from app import startup

    s = get_settings()
    startup.check(s)  # the same checks as the server's start-up, before any worker starts
    if not ns.no_migrate:
        cmd_migrate(ns)
    print(f"serving on http://{s.host}:{s.port}  (open {s.base_url} in a browser; Ctrl-C stops)", flush=True)
    if s.env.value == "development":
        print("Development: for demo accounts with a few weeks of data, run `make demo` (icbt seed-demo);\n"
              f"e-mail (reset, invitation and confirmation links) is written to {s.mail_file}"
              if s.effective_mail_backend == "file" else
              "Development: for demo accounts with a few weeks of data, run `make demo` (icbt seed-demo)", flush=True)
    uvicorn.run("app.main:create_app", factory=True, host=s.host, port=s.port, workers=s.workers,
                access_log=False, proxy_headers=True, forwarded_allow_ips="127.0.0.1")
    return 0


@command("init-keys", "create a new key ring file at ICBT_KEYS_FILE (refuses to overwrite)")
def cmd_init_keys(ns: argparse.Namespace) -> int:
    from app.security import crypto

    path = get_settings().resolved_keys_file
    if path is None:
        raise ConfigError("set ICBT_KEYS_FILE to the path of the key ring file to create")
    if path.exists():
        raise ConfigError(f"{path} already exists; refusing to overwrite a key ring")
    crypto.KeyRing.generate().save(path)
    print(f"created key ring {path} (mode 0600); back it up somewhere safe and separate from the database")
    return 0


def _user_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--role", required=True, choices=["patient", "clinician", "admin"])
    p.add_argument("--email", required=True)
    p.add_argument("--name", default=None)


@command("create-user", "create a user (password from ICBT_NEW_PASSWORD or a prompt)", _user_args)
def cmd_create_user(ns: argparse.Namespace) -> int:
    from app.accounts import service
    from app.accounts.models import Role

    _boot()
    password = os.environ.get("ICBT_NEW_PASSWORD") or getpass.getpass("Password for the new account: ")
    with _session() as s:
        user = service.create_user(s, role=Role(ns.role), email=ns.email, password=password,
                                   display_name=ns.name, consent=False)
        s.commit()
        print(f"created {ns.role} {service.normalise_email(ns.email)} ({user.id})")
    return 0


@command("assign", "assign a patient to a clinician",
         lambda p: (p.add_argument("--patient", required=True), p.add_argument("--clinician", required=True)))
def cmd_assign(ns: argparse.Namespace) -> int:
    from app.accounts import service

    _boot()
    with _session() as s:
        patient = service.find_by_email(s, ns.patient)
        clinician = service.find_by_email(s, ns.clinician)
        if patient is None or clinician is None:
            print(f"no account with email {ns.patient if patient is None else ns.clinician}", file=sys.stderr)
            return 1
        service.assign(s, patient, clinician)
        s.commit()
        print(f"assigned {ns.patient} to {ns.clinician}")
    return 0


@command("rotate-keys", "add a new primary key-encryption key and re-wrap every data key under it",
         lambda p: p.add_argument("--retire-old", action="store_true",
                                  help="afterwards, remove keys no data key uses any more"))
def cmd_rotate_keys(ns: argparse.Namespace) -> int:
    """Atomic (security item 26): every data key is re-wrapped inside one transaction; only
    then is the new ring written (temporary file, fsync, rename), and only then is the
    transaction committed. The new ring still holds the old keys, so whichever of the two
    survives a crash, everything reads. If re-wrapping fails, neither changes."""
    from sqlalchemy import delete, select

    from app.security import crypto

    _boot()
    path = get_settings().resolved_keys_file
    assert path is not None
    old = crypto.get_keyring()
    ring = old.with_new_primary()
    with _session() as s:
        try:
            n = crypto.rotate(s, ring)
            s.flush()
        except crypto.DecryptionError as e:
            s.rollback()
            print(f"error: rotation stopped, nothing changed (key file and database as they were): {e}",
                  file=sys.stderr)
            return 1
        ring.save(path)
        s.commit()
    crypto.set_keyring(ring)
    print(f"new primary key {ring.primary}; re-wrapped {n} data keys")
    if ns.retire_old:
        with _session() as s:
            in_use = set(s.scalars(select(crypto.DataKey.kek_id).distinct()))
            kept = {k: v for k, v in ring.keys.items() if k in in_use or k == ring.primary}
            retired = sorted(set(ring.keys) - set(kept))
            ring.replace(keys=kept).save(path)
            if retired:  # their check values go too, so a later key of the same name is not refused
                s.execute(delete(crypto.KeyCheck).where(crypto.KeyCheck.key_id.in_(retired)))
            s.commit()
        print(f"retired keys: {', '.join(retired) or 'none'}")
    return 0


@command("verify-audit", "check the audit log's hash chain; exits 1 at the first broken link")
def cmd_verify_audit(ns: argparse.Namespace) -> int:
    from app.audit import service as audit

    _boot()
    with _session() as s:
        result = audit.verify(s)
    print(result.message, file=sys.stdout if result.ok else sys.stderr)
    return 0 if result.ok else 1


@command("backup", "consistent copy of a live SQLite database (online backup API)",
         lambda p: p.add_argument("destination", type=Path))
def cmd_backup(ns: argparse.Namespace) -> int:
    from app.db import sqlite_path

    s = get_settings()
    if not s.is_sqlite:
        print("PostgreSQL: use pg_dump, for example:\n  pg_dump --format=custom --file=icbt.dump "
              f"'{s.database_url.replace('+psycopg', '')}'\n(restore with pg_restore into an empty database)")
        return 0
    src_path = sqlite_path(s.database_url)
    if src_path is None or not src_path.exists():
        print(f"no database file at {src_path}", file=sys.stderr)
        return 1
    dest: Path = ns.destination
    if dest.exists():
        print(f"{dest} already exists; choose a new file name", file=sys.stderr)
        return 1
    dest.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(src_path)
    dst = sqlite3.connect(dest)
    with dst:
        src.backup(dst)
    dst.close()
    src.close()
    print(f"backed up {src_path} to {dest}. Keep the key ring file too: without it the backup cannot be read.")
    return 0


def main(argv: list[str] | None = None) -> int:
    # Domain commands register themselves on import.
    for mod in ("app.alerts.cli", "app.monitoring.cli", "app.demo.cli", "app.reminders.cli", "app.privacy.cli",
                "app.assessments.cli", "app.caseload.cli"):
        try:
            __import__(mod)
        except ModuleNotFoundError as e:
            if not (e.name and mod.startswith(e.name)):
                raise
    # Run as `python -m app.cli`, this module is __main__ and the domain commands register
    # with the imported `app.cli`: take both registries.
    import app.cli as registered
    commands = {**COMMANDS, **registered.COMMANDS}
    parser = argparse.ArgumentParser(prog="icbt", description="iCBT programme administration")
    sub = parser.add_subparsers(dest="cmd", required=True)
    for name, (fn, add_args, help_) in commands.items():
        p = sub.add_parser(name, help=help_)
        add_args(p)
        p.set_defaults(func=fn)
    ns = parser.parse_args(argv)
    try:
        return ns.func(ns)
    except ConfigError as e:
        print(f"configuration error: {e}", file=sys.stderr)
        return 2
    except Exception as e:  # one line for expected domain errors
        from app.errors import AppError
        if isinstance(e, AppError):
            print(f"error: {e.detail}", file=sys.stderr)
            return 1
        raise


if __name__ == "__main__":
    # `python -m app.cli`: run the imported module's main, so that the domain commands (which
    # register on `app.cli`, not on `__main__`) are found.
    from app.cli import main as _main
    sys.exit(_main())
