"""Start-up checks. Every problem is collected and reported at once (one ConfigError listing
them all), so an operator fixes the configuration in one go, not one problem per attempt.

To add a check, append a function `(settings) -> list[str]` to CHECKS; each string is one line
saying what to fix. Checks that need the key ring or the database run after those loaded."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from importlib import import_module

from pathlib import Path

from sqlalchemy import func, inspect, select, text
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from app.config import ConfigError, Env, Settings, format_problems
from app.db import Database, get_db, set_db
from app.security import crypto

log = logging.getLogger("icbt")

# Domains that ship data files validate them here: each exposes `load_and_validate(settings)`.
DATA_CHECKS = ["app.escalation.service", "app.programme.content", "app.monitoring.config"]


def database_has_data(db: Database) -> bool:
    """True when the database holds any person's data key (so a key ring must already exist)."""
    try:
        if not inspect(db.engine).has_table("data_keys"):
            return False
        with db.engine.connect() as conn:
            return conn.execute(text("SELECT 1 FROM data_keys LIMIT 1")).first() is not None
    except SQLAlchemyError:
        return False  # unreachable databases are reported by check_database


def load_keyring(settings: Settings, db: Database | None = None) -> crypto.KeyRing:
    path = settings.resolved_keys_file
    if path is None:
        raise ConfigError("ICBT_KEYS_FILE is not set (required outside development)")
    if not path.exists() and settings.env == Env.development:
        if db is not None and database_has_data(db):
            raise ConfigError(f"key ring file {path} is missing but the database already holds encrypted "
                              "data: restore that key file from your backup (a new one could not read the data)")
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


def _wrong_ring(path: Path | None, key_id: str) -> ConfigError:
    what = "the index key" if key_id == crypto.INDEX_KEY_ID else f"key '{key_id}'"
    return ConfigError(f"key ring {path}: {what} is not the key this database was written with "
                       "(its key check value differs); use the key ring file that belongs to this database")


def _index_key_fits(session, ring: crypto.KeyRing) -> bool | None:  # type: ignore[no-untyped-def]
    """Does the index key give the stored e-mail hash of one user? None if there is no user."""
    from app.accounts.models import User
    from app.accounts.service import email_index
    user = session.scalars(select(User).where(User.email_enc.is_not(None)).limit(1)).first()
    if user is None:
        return None
    try:
        email = crypto.decrypt_with(crypto.unwrap_key(ring, user.id, *session.execute(
            select(crypto.DataKey.kek_id, crypto.DataKey.wrapped).where(crypto.DataKey.owner_id == user.id)).one()),
            "users", "email_enc", user.id, user.id, user.email_enc).decode()
    except Exception:  # noqa: BLE001 - any failure here means this key ring cannot be checked this way
        return None
    return email_index(email) == user.email_hash


def check_keyring_matches_database(db: Database, ring: crypto.KeyRing, path: Path | None = None) -> None:
    """Security item 27: refuse a well-formed key ring that is not the one the data was written
    with. The database keeps a key check value per key; keys seen for the first time are checked
    against the data (one data key they wrap, one e-mail hash) and then recorded."""
    import app.models  # noqa: F401 - every table, so users load with their types

    if not inspect(db.engine).has_table(crypto.KeyCheck.__tablename__):
        return  # not migrated yet: `icbt serve` checks again after migrating
    with db.session() as s:
        stored = {r.key_id: r.check_value for r in s.scalars(select(crypto.KeyCheck))}
        used = dict(s.execute(select(crypto.DataKey.kek_id, func.count()).group_by(crypto.DataKey.kek_id)).all())
        for kek_id in used:
            if kek_id not in ring.keys:
                raise ConfigError(f"key ring {path}: {used[kek_id]} data keys are wrapped by key '{kek_id}', "
                                  "which this key ring does not have; use the key ring file that belongs to this database")
        new: list[str] = []
        for key_id in [*ring.keys, crypto.INDEX_KEY_ID]:
            if key_id in stored:
                if stored[key_id] != ring.check_value(key_id):
                    raise _wrong_ring(path, key_id)
                continue
            if key_id == crypto.INDEX_KEY_ID:
                if _index_key_fits(s, ring) is False:
                    raise _wrong_ring(path, key_id)
            elif key_id in used:
                row = s.scalars(select(crypto.DataKey).where(crypto.DataKey.kek_id == key_id).limit(1)).one()
                try:
                    crypto.unwrap_key(ring, row.owner_id, row.kek_id, row.wrapped)
                except crypto.DecryptionError:
                    raise _wrong_ring(path, key_id) from None
            new.append(key_id)
        if new:
            for key_id in new:
                s.add(crypto.KeyCheck(key_id=key_id, check_value=ring.check_value(key_id)))
            try:
                s.commit()
            except IntegrityError:  # another worker recorded them first; the next start compares
                s.rollback()


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
    db = get_db()
    if db.settings.database_url != settings.database_url:
        db = Database(settings)
        set_db(db)
    try:
        check_database(db)
        db_ok = True
    except ConfigError as e:
        out.append(str(e))
        db_ok = False
    if settings.resolved_keys_file is not None or not out:
        try:
            ring = load_keyring(settings, db if db_ok else None)
            crypto.set_keyring(ring)
            if db_ok:
                check_keyring_matches_database(db, ring, settings.resolved_keys_file)
        except ConfigError as e:
            out.append(str(e))
    out += _data_problems(settings)
    return out


def check(settings: Settings) -> None:
    found = problems(settings)
    if found:
        raise ConfigError(format_problems(found))
