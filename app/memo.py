"""A per-transaction memo for reads several domains make in one request (the patient's time
zone, their module progress rows, what a clinician changed in their programme).

`memo.get(session, key, compute)` returns what `compute()` returned the first time this key
was asked in the session's current transaction. The memo lives in `session.info` and is
emptied whenever the transaction could have changed what was read: at the end of every
transaction, savepoint and flush (a flush runs in a subtransaction), on every INSERT / UPDATE /
DELETE executed through the session, and while the session holds changes not flushed yet
(compute() then runs as before, with its autoflush, and nothing is kept). So a memoised read
never differs from reading again in the same transaction, except for rows other transactions
committed meanwhile (a request sees one state of the database, as on SQLite anyway).

Keys are tuples starting with the owning domain, e.g. ("reminders.zone", patient_id); only the
domain that owns the rows reads and fills its keys (the memo does not cross domain lines).
Values are shared by every caller: treat them as read-only.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, Final, TypeVar

from sqlalchemy import event
from sqlalchemy.orm import Session

T = TypeVar("T")
KEY: Final = "memo"
#: A long-lived session reading many patients (a background job) keeps at most this many values.
MAX_ENTRIES: Final = 256


def get(session: Session, key: Hashable, compute: Callable[[], T]) -> T:
    if session.new or session.dirty or session.deleted:
        forget(session)    # changes not flushed yet: read as before (autoflush), keep nothing
        return compute()
    memo: dict[Hashable, Any] | None = session.info.get(KEY)
    if memo is not None and key in memo:
        return memo[key]  # type: ignore[no-any-return]
    value = compute()
    if not session.in_transaction():
        return value       # read nothing from the database: no transaction whose end forgets it
    memo = session.info.setdefault(KEY, {})
    if len(memo) >= MAX_ENTRIES:
        memo.clear()
    memo[key] = value
    return value


def forget(session: Session, *_: Any) -> None:
    """Empty the memo (also called by the events below)."""
    session.info.pop(KEY, None)


# A flush runs in a subtransaction of its own, so its end forgets the memo too.
event.listen(Session, "after_transaction_end", forget)


@event.listens_for(Session, "do_orm_execute")
def _forget_on_write(state: Any) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        forget(state.session)
