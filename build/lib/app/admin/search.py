"""Finding accounts on the admin user list, although names and e-mail addresses are encrypted.

- A whole e-mail address is looked up by its keyed hash (`users.email_hash`, the same index the
  sign-in uses): exact, indexed, any number of accounts, nothing decrypted.
- Anything else (part of a name or of an address) cannot be matched in SQL: the newest
  SCAN_LIMIT accounts that pass the other filters are decrypted here, in memory, and compared
  case-insensitively. The page says when older accounts were not searched, and that a whole
  e-mail address finds any account.
- "Waiting for a clinician" is plain SQL: active patients with no assignment row.

The search words are never written to the audit log (they may be a patient's name); that a
search happened is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from app.accounts import service as accounts
from app.accounts.models import Assignment, Role, User
from app.accounts.schemas import EMAIL_PATTERN
from app.security.crypto import DataKey

SCAN_LIMIT = 2000  # ~1.5 s per 1,000 accounts on a loaded 2-core test machine (see README)
MAX_QUERY = 100


@dataclass(frozen=True)
class Search:
    q: str = ""                  # what the admin typed, trimmed
    unassigned: bool = False     # active patients without a clinician

    @property
    def by_email(self) -> bool:
        return re.match(EMAIL_PATTERN, self.q) is not None

    @property
    def active(self) -> bool:
        return bool(self.q) or self.unassigned


def clean(q: str, unassigned: str) -> Search:
    return Search(q=" ".join(q.split())[:MAX_QUERY], unassigned=unassigned in ("1", "yes", "on"))


def where(search: Search) -> list[Any]:
    """SQL conditions for the parts a database can check."""
    out: list[Any] = []
    if search.unassigned:
        out += [User.role == Role.patient, User.is_active.is_(True),
                ~exists().where(Assignment.patient_id == User.id)]
    if search.q and search.by_email:
        out.append(User.email_hash == accounts.email_index(search.q))
    return out


@dataclass(frozen=True)
class Scan:
    users: list[User]       # one page of the matches
    total: int              # all matches among the accounts searched


def scan(session: Session, search: Search, conditions: list[Any], page: int, page_size: int) -> Scan:
    """Decrypt the newest SCAN_LIMIT candidates' names and addresses and keep those containing
    every word of the query; one page of them, newest first."""
    candidates = list(session.scalars(select(User).where(*conditions)
                                      .order_by(User.created_at.desc(), User.id).limit(SCAN_LIMIT)))
    # Everyone's data keys in a few queries, not one each: session.get() then finds them in the
    # identity map, which holds objects only while something refers to them, hence `keys`.
    ids = [u.id for u in candidates]
    keys = [k for i in range(0, len(ids), 500)
            for k in session.scalars(select(DataKey).where(DataKey.owner_id.in_(ids[i:i + 500])))]
    words = search.q.casefold().split()
    found = []
    for u in candidates:
        text = f"{accounts.display_name_of(session, u) or ''} {accounts.email_of(session, u)}".casefold()
        if all(w in text for w in words):
            found.append(u)
    del keys
    start = (max(page, 1) - 1) * page_size
    return Scan(found[start:start + page_size], len(found))
