"""The one clock. Rules and services call `now()`; tests replace it with `frozen()`."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

_source: Callable[[], datetime] = lambda: datetime.now(UTC)  # noqa: E731


def now() -> datetime:
    return _source()


def set_source(source: Callable[[], datetime]) -> None:
    global _source
    _source = source


@contextmanager
def frozen(at: datetime) -> Iterator[Callable[[datetime], None]]:
    """Freeze time at `at`; yields a function that moves the frozen time."""
    global _source
    previous = _source
    state = {"t": at}
    _source = lambda: state["t"]  # noqa: E731

    def move(to: datetime) -> None:
        state["t"] = to

    try:
        yield move
    finally:
        _source = previous
