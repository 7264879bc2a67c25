"""Start-up checks. Every problem is collected and reported at once (one ConfigError listing
them all), so an operator fixes the configuration in one go, not one problem per attempt.

To add a check, append a function `(settings) -> list[str]` to CHECKS; each string is one line
saying what to fix. Checks that need the key ring or the database run after those loaded."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from importlib import import_module

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.config import ConfigError, Env, Settings, format_problems
from app.db import Database, get_db, set_db
from app.security import crypto

log = logging.getLogger("icbt")

# Domains that ship data files validate them here: each exposes `load_and_validate(settings)`.
DATA_CHECKS = ["app.escalation.service", "app.programme.content", "app.monitoring.config"]


def load_keyring(settings: Settings) -> crypto.KeyRing:
    path = settings.resolved_keys_file
    if path is None:
        raise ConfigError("ICBT_KEYS_FILE is not set (required outside development)")
    if not path.exists() and settings.env == Env.development:
        ring = crypto.KeyRing.generate()
        ring.save(path)
        print(f"Created a development key file at {path}. Keep it safe: without it the data "
              "cannot be read. Do not use it in production.", file=sys.stderr)
        return ring
    return crypto.KeyRing.load(path)


def check_database(db: Database) -> None:
    try:
        with db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except SQLAlchemyError as e:
        reason = str(e.orig if hasattr(e, "orig") and e.orig else e).strip().splitlines()[0]
        raise ConfigError(f"cannot reach the database at ICBT_DATABASE_URL ({db.engine.url.render_as_string(hide_password=True)}): {reason}") from None


def _settings_problems(settings: Settings) -> list[str]:
    return settings.production_problems()


#: configuration checks run before the key ring and the database; each returns its problems
CHECKS: list[Callable[[Settings], list[str]]] = [_settings_problems]


def _data_problems(settings: Settings) -> list[str]:
    out = []
    for modname in DATA_CHECKS:
        try:
            mod = import_module(modname)
        except ModuleNotFoundError as e:
            if e.name and modname.startswith(e.name):
                continue
            raise
        try:
            mod.load_and_validate(settings)
        except ConfigError as e:
            out.append(str(e))
    return out


def problems(settings: Settings) -> list[str]:
    """Every configuration problem, in one list (loads the key ring as a side effect)."""
    out: list[str] = []
    for fn in CHECKS:
        out += fn(settings)
    if settings.resolved_keys_file is not None or not out:
        try:
            crypto.set_keyring(load_keyring(settings))
        except ConfigError as e:
            out.append(str(e))
    db = get_db()
    if db.settings.database_url != settings.database_url:
        db = Database(settings)
        set_db(db)
    try:
        check_database(db)
    except ConfigError as e:
        out.append(str(e))
    out += _data_problems(settings)
    return out


def check(settings: Settings) -> None:
    found = problems(settings)
    if found:
        raise ConfigError(format_problems(found))
