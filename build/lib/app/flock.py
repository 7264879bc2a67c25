"""Exclusive flock on a file: the machine-wide locks (the SQLite writer lock, the password
hash slots). A lock belongs to an open file descriptor, so two threads of one process
exclude each other like two processes, and a process that dies lets go of its locks."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path


def lock(path: Path, *, wait: bool = True) -> int | None:
    """Open `path` (created 0600 if missing) and lock it: the file descriptor, to pass to
    `unlock`. With wait=False, None at once if someone else holds it."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    except BaseException:
        os.close(fd)
        raise
    return fd


def unlock(fd: int) -> None:
    try:
        fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
