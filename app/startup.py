"""Start-up checks. Each failure is a ConfigError whose message is one line saying what to fix."""

from __future__ import annotations

import logging
import sys
from importlib import import_module

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.config import ConfigError, Env, Settings
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


def check(settings: Settings) -> None:
    settings.check_production()
    crypto.set_keyring(load_keyring(settings))
    db = get_db()
    if db.settings.database_url != settings.database_url:
        db = Database(settings)
        set_db(db)
    check_database(db)
    for modname in DATA_CHECKS:
        try:
            mod = import_module(modname)
        except ModuleNotFoundError as e:
            if e.name and modname.startswith(e.name):
                continue
            raise
        mod.load_and_validate(settings)
