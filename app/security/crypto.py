"""Field encryption: a key ring of key-encryption keys (KEKs), one random data key per
person wrapped by the primary KEK, and AES-256-GCM ciphertexts bound to where they live.

Ciphertext format (version 1):  0x01 | nonce (12 bytes) | AES-GCM ciphertext+tag
Associated data:                "icbt:v1|<table>|<column>|<row id>|<owner id>"
so a ciphertext copied to another row, column, table or person fails to decrypt.

Rotating the KEK re-wraps data keys only; erasing a person deletes their data key, after
which nothing of theirs can be read.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import os
import secrets
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import ForeignKey, LargeBinary, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column
from sqlalchemy.types import TypeDecorator

from app.config import ConfigError
from app.db import Base, Timestamps, UTCDateTime  # noqa: F401

VERSION = 1
NONCE_BYTES = 12
KEY_BYTES = 32


class DecryptionError(Exception):
    """A ciphertext failed its integrity check (tampered, moved, or its key is gone)."""


class PlaintextRefused(TypeError):
    """Something tried to store a value that is not a Ciphertext in an encrypted column."""


class Ciphertext(bytes):
    """Bytes that came out of `encrypt`; the only thing an EncryptedBytes column accepts."""


class EncryptedBytes(TypeDecorator):
    """A binary column that stores ciphertext only and refuses anything else."""

    impl = LargeBinary
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> bytes | None:
        if value is None:
            return None
        if not isinstance(value, Ciphertext):
            raise PlaintextRefused("encrypted column refuses plaintext: encrypt it with app.security.crypto")
        return bytes(value)

    def process_result_value(self, value: bytes | None, dialect: Any) -> Ciphertext | None:
        return None if value is None else Ciphertext(value)


# ---------------------------------------------------------------- key ring


def _b64key(name: str, value: Any, source: str) -> bytes:
    if not isinstance(value, str):
        raise ConfigError(f"key ring {source}: key '{name}' must be a base64 string")
    try:
        raw = base64.b64decode(value, validate=True)
    except (ValueError, TypeError):
        raise ConfigError(f"key ring {source}: key '{name}' is not valid base64") from None
    if len(raw) != KEY_BYTES:
        raise ConfigError(f"key ring {source}: key '{name}' must be {KEY_BYTES} bytes, got {len(raw)}")
    return raw


KNOWN_ENTRIES = ("primary", "keys", "index_key")


@dataclass(frozen=True)
class KeyRing:
    """The key ring file: {"primary": id, "keys": {id: base64}, "index_key": base64, ...}.

    Other top-level entries (e.g. a web-push key pair added by another part of the app) are
    kept as they are and written back unchanged."""

    primary: str
    keys: dict[str, bytes]
    index_key: bytes
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: Any, source: str = "") -> KeyRing:
        if not isinstance(data, dict):
            raise ConfigError(f"key ring {source}: expected a JSON object with 'primary', 'keys' and 'index_key'")
        keys_raw = data.get("keys")
        if not isinstance(keys_raw, dict) or not keys_raw:
            raise ConfigError(f"key ring {source}: 'keys' must be a non-empty object of key id -> base64 key")
        keys = {str(k): _b64key(str(k), v, source) for k, v in keys_raw.items()}
        primary = data.get("primary")
        if primary not in keys:
            raise ConfigError(f"key ring {source}: 'primary' must name one of the keys ({', '.join(keys)})")
        index_key = _b64key("index_key", data.get("index_key"), source)
        extra = {k: v for k, v in data.items() if k not in KNOWN_ENTRIES}
        return cls(primary=primary, keys=keys, index_key=index_key, extra=extra)

    @classmethod
    def load(cls, path: Path) -> KeyRing:
        if not path.exists():
            raise ConfigError(f"key ring file {path} does not exist (set ICBT_KEYS_FILE, or run `icbt init-keys`)")
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError) as e:
            raise ConfigError(f"key ring file {path} is not readable JSON: {e}") from None
        return cls.from_dict(data, str(path))

    def to_dict(self) -> dict[str, Any]:
        enc = lambda b: base64.b64encode(b).decode()  # noqa: E731
        return {
            **self.extra,
            "primary": self.primary,
            "keys": {k: enc(v) for k, v in self.keys.items()},
            "index_key": enc(self.index_key),
        }

    def save(self, path: Path) -> None:
        """Write atomically: a temporary file beside it, fsync, rename, fsync the directory.
        A crash at any point leaves either the old file or the new one, never half of one."""
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            json.dump(self.to_dict(), f, indent=2)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)

    def replace(self, **changes: Any) -> KeyRing:
        return KeyRing(**{"primary": self.primary, "keys": self.keys, "index_key": self.index_key,
                          "extra": self.extra, **changes})

    @classmethod
    def generate(cls, key_id: str = "k1") -> KeyRing:
        return cls(primary=key_id, keys={key_id: secrets.token_bytes(KEY_BYTES)},
                   index_key=secrets.token_bytes(KEY_BYTES))

    def with_new_primary(self) -> KeyRing:
        n = 1
        while f"k{n}" in self.keys:
            n += 1
        new_id = f"k{n}"
        return self.replace(primary=new_id, keys={**self.keys, new_id: secrets.token_bytes(KEY_BYTES)})

    def check_value(self, key_id: str) -> str:
        """Key check value: a keyed hash of a fixed string, stored in the database so that a
        ring that is not the one the data was written with is recognised at start-up. It
        reveals nothing about the key."""
        key = self.index_key if key_id == INDEX_KEY_ID else self.keys[key_id]
        return hmac.new(key, b"icbt:key-check:v1", hashlib.sha256).hexdigest()

    @property
    def audit_key(self) -> bytes:
        """The audit chain's HMAC key, derived from the index key (which rotation keeps), so
        that the chain stays verifiable across KEK rotations."""
        return hmac.new(self.index_key, b"icbt:audit-chain:v1", hashlib.sha256).digest()

    def blind_index(self, value: str) -> str:
        """Keyed hash for equality lookup (e.g. e-mail at login) without storing plaintext."""
        return hmac.new(self.index_key, value.encode(), hashlib.sha256).hexdigest()


INDEX_KEY_ID = "@index"  # the key_checks row for the blind-index key (not a KEK id)

_keyring: KeyRing | None = None


def set_keyring(ring: KeyRing | None) -> None:
    global _keyring
    _keyring = ring


def get_keyring() -> KeyRing:
    if _keyring is None:
        raise ConfigError("no key ring loaded (the server loads it at start-up from ICBT_KEYS_FILE)")
    return _keyring


# ---------------------------------------------------------------- data keys


class DataKey(Base):
    """One random AES-256 key per person, stored only wrapped by a KEK."""

    __tablename__ = "data_keys"

    owner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    kek_id: Mapped[str] = mapped_column(String(32))
    wrapped: Mapped[bytes] = mapped_column(LargeBinary)


class KeyCheck(Base):
    """One row per key in the ring (KEKs and the index key): its check value."""

    __tablename__ = "key_checks"

    key_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    check_value: Mapped[str] = mapped_column(String(64))


def record_key_check(session: Session, ring: KeyRing, key_id: str) -> None:
    row = session.get(KeyCheck, key_id)
    if row is None:
        session.add(KeyCheck(key_id=key_id, check_value=ring.check_value(key_id)))
    else:
        row.check_value = ring.check_value(key_id)


def _dek_aad(owner_id: uuid.UUID) -> bytes:
    return b"icbt:dek:v1|" + str(owner_id).encode()


def wrap_key(ring: KeyRing, owner_id: uuid.UUID, dek: bytes) -> tuple[str, bytes]:
    nonce = os.urandom(NONCE_BYTES)
    return ring.primary, nonce + AESGCM(ring.keys[ring.primary]).encrypt(nonce, dek, _dek_aad(owner_id))


def unwrap_key(ring: KeyRing, owner_id: uuid.UUID, kek_id: str, wrapped: bytes) -> bytes:
    kek = ring.keys.get(kek_id)
    if kek is None:
        raise DecryptionError(f"data key is wrapped by key '{kek_id}', which is not in the key ring")
    try:
        return AESGCM(kek).decrypt(wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:], _dek_aad(owner_id))
    except InvalidTag:
        raise DecryptionError("data key failed its integrity check") from None


def _cache(session: Session) -> dict[uuid.UUID, bytes]:
    return session.info.setdefault("data_key_cache", {})


def create_data_key(session: Session, owner_id: uuid.UUID) -> None:
    ring = get_keyring()
    dek = secrets.token_bytes(KEY_BYTES)
    kek_id, wrapped = wrap_key(ring, owner_id, dek)
    session.add(DataKey(owner_id=owner_id, kek_id=kek_id, wrapped=wrapped))
    _cache(session)[owner_id] = dek


def data_key(session: Session, owner_id: uuid.UUID) -> bytes:
    cache = _cache(session)
    if owner_id in cache:
        return cache[owner_id]
    row = session.get(DataKey, owner_id)
    if row is None:
        raise DecryptionError("no data key for this person (erased, or never created)")
    dek = unwrap_key(get_keyring(), owner_id, row.kek_id, row.wrapped)
    cache[owner_id] = dek
    return dek


def erase_data_key(session: Session, owner_id: uuid.UUID) -> None:
    row = session.get(DataKey, owner_id)
    if row is not None:
        session.delete(row)
    _cache(session).pop(owner_id, None)


def rotate(session: Session, ring: KeyRing) -> int:
    """Re-wrap every data key not under the primary KEK and record the primary's check value.
    Returns how many were re-wrapped. Raises DecryptionError (nothing flushed) if one fails."""
    record_key_check(session, ring, ring.primary)
    n = 0
    rows = session.scalars(select(DataKey).where(DataKey.kek_id != ring.primary)).all()
    for row in rows:
        dek = unwrap_key(ring, row.owner_id, row.kek_id, row.wrapped)
        row.kek_id, row.wrapped = wrap_key(ring, row.owner_id, dek)
        n += 1
    return n


# ---------------------------------------------------------------- field encryption


def _aad(table: str, column: str, row_id: uuid.UUID, owner_id: uuid.UUID) -> bytes:
    return f"icbt:v{VERSION}|{table}|{column}|{row_id}|{owner_id}".encode()


def encrypt_with(dek: bytes, table: str, column: str, row_id: uuid.UUID, owner_id: uuid.UUID,
                 plaintext: bytes) -> Ciphertext:
    nonce = os.urandom(NONCE_BYTES)
    ct = AESGCM(dek).encrypt(nonce, plaintext, _aad(table, column, row_id, owner_id))
    return Ciphertext(bytes([VERSION]) + nonce + ct)


def decrypt_with(dek: bytes, table: str, column: str, row_id: uuid.UUID, owner_id: uuid.UUID,
                 blob: bytes) -> bytes:
    if len(blob) < 1 + NONCE_BYTES + 16 or blob[0] != VERSION:
        raise DecryptionError("unknown ciphertext version or truncated ciphertext")
    try:
        return AESGCM(dek).decrypt(blob[1:1 + NONCE_BYTES], blob[1 + NONCE_BYTES:],
                                   _aad(table, column, row_id, owner_id))
    except InvalidTag:
        raise DecryptionError(f"{table}.{column} of row {row_id} failed its integrity check") from None


def _where(obj: Any) -> tuple[str, uuid.UUID, uuid.UUID]:
    table = obj.__table__.name
    if getattr(obj, "id", None) is None:
        obj.id = uuid.uuid4()
    owner = getattr(obj, getattr(obj, "__owner_attr__", "patient_id"))
    if owner is None:
        raise ValueError(f"{table}: set the owner before encrypting")
    return table, obj.id, owner


class Unreadable(str):
    """What `unseal` gives for a value that failed to decrypt (security item 29): shown as
    such, never stored back (seal leaves the damaged ciphertext as it is)."""


UNREADABLE = Unreadable("[this could not be read]")
log = logging.getLogger("icbt.crypto")


def seal(session: Session, obj: Any, column: str, value: str | bytes | None) -> None:
    """Encrypt `value` into `obj.<column>`, bound to the row's table, id and owner."""
    if isinstance(value, Unreadable):
        return  # keep the damaged ciphertext rather than overwrite it with the placeholder
    if value is None:
        setattr(obj, column, None)
        return
    table, row_id, owner = _where(obj)
    raw = value.encode() if isinstance(value, str) else value
    setattr(obj, column, encrypt_with(data_key(session, owner), table, column, row_id, owner, raw))


def unseal(session: Session, obj: Any, column: str, *, strict: bool = False) -> str | None:
    """The plaintext. A value that fails to decrypt is contained to itself (security item 29):
    logged with table, column and row id (never any content) and returned as UNREADABLE, so the
    page or list that includes it still answers; `strict=True` raises DecryptionError instead."""
    blob = getattr(obj, column)
    if blob is None:
        return None
    table, row_id, owner = _where(obj)
    return unseal_value(session, table, column, row_id, owner, blob, strict=strict)


def unseal_value(session: Session, table: str, column: str, row_id: uuid.UUID, owner: uuid.UUID,
                 blob: bytes | None, *, strict: bool = False) -> str | None:
    """As unseal, for a value read by a Core select of the columns (no ORM object): the table
    name, the row's id and its owner bind the ciphertext to its place as for unseal."""
    if blob is None:
        return None
    try:
        return decrypt_with(data_key(session, owner), table, column, row_id, owner, blob).decode()
    except (DecryptionError, UnicodeDecodeError) as e:
        if strict:
            raise DecryptionError(str(e)) from None
        log.error("decryption failed: table=%s column=%s row=%s owner=%s (%s)", table, column, row_id, owner,
                  type(e).__name__)
        return UNREADABLE


def seal_json(session: Session, obj: Any, column: str, value: Any) -> None:
    seal(session, obj, column, None if value is None else json.dumps(value, separators=(",", ":")))


def unseal_json(session: Session, obj: Any, column: str, *, strict: bool = False) -> Any:
    """As unseal; an unreadable value gives None (logged), as if it had not been given."""
    text = unseal(session, obj, column, strict=strict)
    return None if text is None or isinstance(text, Unreadable) else json.loads(text)
