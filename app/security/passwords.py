"""Password hashing: argon2id at OWASP parameters through libpass's `passlib` API.

Hashing is CPU-bound (~25 ms). A per-process cap on concurrent hashes, with a short queue,
keeps a login flood from occupying every worker thread and starving other requests: past
the queue, or after waiting too long, a request is refused with 429 at once.
"""

from __future__ import annotations

import ctypes
import logging
import os
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from passlib.context import CryptContext

from app import flock
from app.errors import TooManyRequests

log = logging.getLogger("icbt")

# OWASP Password Storage Cheat Sheet: argon2id, m=19 MiB, t=2, p=1. `deprecated="auto"` plus
# these settings make verify_and_update() return a new hash for any weaker or other-scheme
# hash (security.md item 8). bcrypt is listed so imported legacy hashes can be verified and
# upgraded when its backend is installed; without it such a hash simply fails to verify.
ARGON2_MEMORY_KIB = 19456
ARGON2_ROUNDS = 2
pwd_context = CryptContext(
    schemes=["argon2", "bcrypt"],
    deprecated="auto",
    argon2__type="ID",
    argon2__memory_cost=ARGON2_MEMORY_KIB,
    argon2__rounds=ARGON2_ROUNDS,
    argon2__parallelism=1,
)

MIN_LENGTH = 10
MAX_LENGTH = 256
_COMMON_FILE = Path(__file__).with_name("common_passwords.txt")


class ServerBusy(TooManyRequests):
    code, title = "busy", "The service is busy. Please wait a moment and try again."


#: Where the machine-wide hash slots live (one lock file per slot).
HASH_SLOT_DIR = Path(tempfile.gettempdir()) / f"icbt-hash-slots-{os.getuid()}"


def default_machine_slots() -> int:
    return max(1, (os.cpu_count() or 2) - 1)


class MachineSlots:
    """At most `n` password hashes at once on this machine, whatever the number of worker
    processes: `n` lock files, each held (flock) by whoever is hashing with it. A process that
    dies releases its slot with its file descriptors."""

    def __init__(self, n: int, directory: Path = HASH_SLOT_DIR) -> None:
        self.n, self.directory = max(1, n), directory

    def acquire(self, deadline: float) -> int | None:
        """A held slot (a file descriptor), or None if none came free before `deadline`
        (time.monotonic())."""
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        while True:
            for i in range(self.n):
                fd = flock.lock(self.directory / f"slot-{i}", wait=False)
                if fd is not None:
                    return fd
            if time.monotonic() >= deadline:
                return None
            time.sleep(0.005)

    release = staticmethod(flock.unlock)


class HashGate:
    """At most `concurrent` hashes at once in this process; at most `queue` more waiting,
    each for at most `wait_seconds`. Anything beyond is refused (429), never queued forever.

    The limit comes from `settings.max_concurrent_hashes`; `configure()` may be called at any
    time (each caller releases the semaphore it acquired, so reconfiguring is safe)."""

    def __init__(self, concurrent: int = 2, queue: int | None = None, wait_seconds: float = 5.0) -> None:
        self._lock = threading.Lock()
        self._from_settings = False  # sized from settings at app start, or on first use
        self.machine = MachineSlots(default_machine_slots())
        self.configure(concurrent, queue, wait_seconds)

    def configure(self, concurrent: int, queue: int | None = None, wait_seconds: float = 5.0) -> None:
        with self._lock:
            self.concurrent = max(1, concurrent)
            # Waiting requests hold a database connection (the throttle check comes first): keep
            # the queue well inside the connection pool (SQLite 5+10, PostgreSQL 10+10).
            self.queue = queue if queue is not None else min(4 * self.concurrent, 8)
            self.wait_seconds = wait_seconds
            self._sem = threading.BoundedSemaphore(self.concurrent)
            self._waiting = 0
            self._admitted = 0

    def configure_from_settings(self) -> None:
        from app.config import get_settings

        self._from_settings = True
        settings = get_settings()
        self.machine = MachineSlots(settings.machine_hash_slots or default_machine_slots(),
                                    settings.hash_slot_dir or HASH_SLOT_DIR)
        if settings.max_concurrent_hashes != self.concurrent:
            self.configure(settings.max_concurrent_hashes)

    @contextmanager
    def admission(self) -> Iterator[None]:
        """Around a whole sign-in, database reads included: at most `concurrent + queue` in
        progress in this process; more are refused (429) at once, before they take a database
        connection, so a login flood cannot exhaust the connection pool."""
        if not self._from_settings:
            self._from_settings = True
            self.configure_from_settings()
        with self._lock:
            if self._admitted >= self.concurrent + self.queue:
                raise ServerBusy(headers={"Retry-After": "2"})
            self._admitted += 1
        try:
            yield
        finally:
            with self._lock:
                self._admitted = max(0, self._admitted - 1)

    @contextmanager
    def slot(self) -> Iterator[None]:
        if not self._from_settings:
            self._from_settings = True
            self.configure_from_settings()
        with self._lock:
            sem, machine = self._sem, self.machine
            if self._waiting >= self.queue:
                raise ServerBusy(headers={"Retry-After": "2"})
            self._waiting += 1
        deadline = time.monotonic() + self.wait_seconds
        fd = None
        try:
            acquired = sem.acquire(timeout=self.wait_seconds)
            if acquired:
                fd = machine.acquire(deadline)
                if fd is None:
                    sem.release()
        finally:
            with self._lock:
                if sem is self._sem:
                    self._waiting -= 1
        if fd is None:
            raise ServerBusy(headers={"Retry-After": "2"})
        try:
            yield
        finally:
            machine.release(fd)
            sem.release()


hash_gate = HashGate()


def return_large_blocks_to_the_os() -> None:
    """Each argon2 hash allocates 19 MiB in whichever thread runs it. glibc gives threads
    their own heaps and, after the first such block is freed, raises its mmap threshold above
    19 MiB, so later blocks are carved from those heaps and kept: a worker grew to 560 MB in
    a login flood. A fixed 1 MiB threshold makes every large block its own mapping, returned
    to the system when freed (48 hashes in 16 threads: 349 MB -> 38 MB). glibc only."""
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(-3, 1 << 20)  # M_MMAP_THRESHOLD
    except (OSError, AttributeError):  # another C library: leave it to its allocator
        log.debug("mallopt not available; large blocks stay with the allocator")


def configure(concurrent: int | None = None) -> None:
    """At app start: size the gate from settings, keep hashing memory from piling up, and
    pre-compute the dummy hash."""
    return_large_blocks_to_the_os()
    if concurrent is None:
        hash_gate.configure_from_settings()
    else:
        hash_gate.configure(concurrent)
    _dummy_hash()


def hash_password(password: str) -> str:
    with hash_gate.slot():
        return pwd_context.hash(password)


def verify_and_update(password: str, hashed: str) -> tuple[bool, str | None]:
    """(matches, new hash if the stored one is weaker than today's parameters)."""
    with hash_gate.slot():
        try:
            return pwd_context.verify_and_update(password, hashed)
        except (ValueError, TypeError, RuntimeError) as e:  # unknown scheme or missing backend
            log.warning("password hash could not be verified (%s); treated as a mismatch", type(e).__name__)
            pwd_context.verify(password, _dummy_hash())
            return False, None


def unusable_hash() -> str:
    """A hash of a random secret nobody knows: for accounts that set their password by link."""
    import secrets

    return hash_password(secrets.token_urlsafe(32))


@lru_cache
def _dummy_hash() -> str:
    return pwd_context.hash("not-a-real-password-used-for-timing")


def burn_verify(password: str) -> None:
    """Spend the same time as a real verify, for unknown accounts (no user enumeration)."""
    with hash_gate.slot():
        pwd_context.verify(password, _dummy_hash())


@lru_cache
def common_passwords() -> frozenset[str]:
    if not _COMMON_FILE.exists():
        return frozenset()
    return frozenset(line.strip().lower() for line in _COMMON_FILE.read_text().splitlines()
                     if line.strip() and not line.startswith("#"))


def password_problem(password: str, *, email: str | None = None) -> str | None:
    """None if acceptable, else a plain sentence saying what is wrong (NIST 800-63B style:
    a minimum length and a blocklist, no composition rules)."""
    if len(password) < MIN_LENGTH:
        return f"Use at least {MIN_LENGTH} characters."
    if len(password) > MAX_LENGTH:
        return f"Use at most {MAX_LENGTH} characters."
    low = password.lower()
    if low in common_passwords() or low.strip() in common_passwords():
        return "That password is too common. Try a few words that mean something to you."
    if email:
        e = email.strip().lower()
        if low == e or low == e.split("@", 1)[0]:
            return "Your password cannot be your email address."
    # zxcvbn (Dropbox's estimator: its dictionaries hold the most common breached passwords,
    # names and words, and it sees keyboard runs, repeats and dates): refuse what it guesses
    # in under a million tries, e.g. "password123456" or "aaaaaaaaaaaa".
    from zxcvbn import zxcvbn
    result = zxcvbn(password[:100], user_inputs=[email] if email else [])
    if result["score"] < MIN_ZXCVBN_SCORE:
        return "That password would be easy to guess. Try a few words that mean something to you."
    return None


MIN_ZXCVBN_SCORE = 2  # 0-4; 2 means at least about 10^6 guesses
