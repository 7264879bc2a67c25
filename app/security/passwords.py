"""Password hashing: argon2id at OWASP parameters through libpass's `passlib` API.

Hashing is CPU-bound (~25 ms). A per-process cap on concurrent hashes, with a short queue,
keeps a login flood from occupying every worker thread and starving other requests.
"""

from __future__ import annotations

import threading
from functools import lru_cache
from pathlib import Path

from passlib.context import CryptContext

from app.errors import TooManyRequests

pwd_context = CryptContext(
    schemes=["argon2", "bcrypt"],
    deprecated="auto",
    argon2__type="ID",
    argon2__memory_cost=19456,
    argon2__rounds=2,
    argon2__parallelism=1,
)

MIN_LENGTH = 10
MAX_LENGTH = 256
_COMMON_FILE = Path(__file__).with_name("common_passwords.txt")


class _HashGate:
    def __init__(self, concurrent: int = 2, queue: int = 8, wait_seconds: float = 5.0) -> None:
        self.configure(concurrent, queue, wait_seconds)

    def configure(self, concurrent: int, queue: int = 8, wait_seconds: float = 5.0) -> None:
        self._sem = threading.BoundedSemaphore(concurrent)
        self._waiting = 0
        self._lock = threading.Lock()
        self._queue = queue
        self._wait = wait_seconds

    def __enter__(self) -> None:
        with self._lock:
            if self._waiting >= self._queue:
                raise TooManyRequests(headers={"Retry-After": "2"})
            self._waiting += 1
        try:
            if not self._sem.acquire(timeout=self._wait):
                raise TooManyRequests(headers={"Retry-After": "2"})
        finally:
            with self._lock:
                self._waiting -= 1

    def __exit__(self, *exc: object) -> None:
        self._sem.release()


hash_gate = _HashGate()


def hash_password(password: str) -> str:
    with hash_gate:
        return pwd_context.hash(password)


def verify_and_update(password: str, hashed: str) -> tuple[bool, str | None]:
    with hash_gate:
        return pwd_context.verify_and_update(password, hashed)


@lru_cache
def _dummy_hash() -> str:
    return pwd_context.hash("not-a-real-password-used-for-timing")


def burn_verify(password: str) -> None:
    """Spend the same time as a real verify, for unknown accounts (no user enumeration)."""
    with hash_gate:
        pwd_context.verify(password, _dummy_hash())


@lru_cache
def common_passwords() -> frozenset[str]:
    if not _COMMON_FILE.exists():
        return frozenset()
    return frozenset(l.strip().lower() for l in _COMMON_FILE.read_text().splitlines() if l.strip())


def password_problem(password: str, *, email: str | None = None) -> str | None:
    """None if acceptable, else a plain sentence saying what is wrong (NIST 800-63B style)."""
    if len(password) < MIN_LENGTH:
        return f"Use at least {MIN_LENGTH} characters."
    if len(password) > MAX_LENGTH:
        return f"Use at most {MAX_LENGTH} characters."
    low = password.lower()
    if low in common_passwords():
        return "That password is too common. Try a few words that mean something to you."
    if email and low == email.lower():
        return "Your password cannot be your email address."
    return None
