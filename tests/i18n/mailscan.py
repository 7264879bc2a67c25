"""Finding English in an e-mail meant to be in another language: the catalogue's English
(each piece of a msgid between its placeholders and line breaks) and lines that read like
English. Links are left out (their paths are English words on purpose)."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from functools import lru_cache

from babel.messages.pofile import read_po
from sqlalchemy import select

from app import i18n
from tests.i18n.scan import ENGLISH_WORDS

PLACEHOLDER = re.compile(r"%\([a-zA-Z0-9_]+\)s|\{[a-z_]+\}")
URL = re.compile(r"https?://\S+")


@lru_cache(maxsize=4)
def _english_pieces(code: str) -> frozenset[str]:
    """Pieces of msgids (12 characters or more, two words or more) that the translation changes."""
    with (i18n.LOCALE_DIR / code / "LC_MESSAGES" / "messages.po").open("rb") as f:
        cat = read_po(f, locale=code)
    out = set()
    for m in cat:
        if not m.id:
            continue
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        strings = " ".join(m.string) if isinstance(m.string, tuple) else m.string
        for source in ids:
            for piece in PLACEHOLDER.split(source):
                for line in piece.split("\n"):
                    line = " ".join(line.split())
                    if len(line) >= 12 and " " in line and line not in strings:
                        out.add(line)
    return frozenset(out)


def english_left(text: str, code: str = "es") -> list[str]:
    """Catalogue English found in `text`, and lines of it that read like English."""
    flat = " ".join(URL.sub(" ", text).split())
    found = sorted(p for p in _english_pieces(code) if p in flat)
    lines = [ln for ln in URL.sub(" ", text).splitlines() if len(ENGLISH_WORDS.findall(ln)) >= 2]
    return found + lines


@dataclass
class Mail:
    kind: str
    user_id: uuid.UUID | None
    to: str
    subject: str
    body: str
    message_id: str = ""

    @property
    def text(self) -> str:
        return f"{self.subject}\n{self.body}"


def outbox(session, kind: str | None = None) -> list[Mail]:  # type: ignore[no-untyped-def]
    """The queued e-mails (of one kind), decrypted."""
    from app.mail import service as mail
    from app.mail.models import OutboxMessage
    session.flush()
    stmt = select(OutboxMessage).order_by(OutboxMessage.created_at)
    if kind is not None:
        stmt = stmt.where(OutboxMessage.kind == kind)
    return [Mail(m.kind, m.user_id, mail.recipient(session, m), m.subject, mail.body(session, m),
                 m.message_id)
            for m in session.scalars(stmt)]


def newest(session, kind: str, before: list[Mail]) -> Mail:  # type: ignore[no-untyped-def]
    """The one mail of `kind` queued since `before` was read. Not "the last by created_at": under
    a frozen clock several share a time and PostgreSQL's order of ties is its own."""
    seen = {m.message_id for m in before}
    [m] = [m for m in outbox(session, kind) if m.message_id not in seen]
    return m


def assert_spanish(m: Mail, *expected: str) -> None:
    assert not english_left(m.text), f"{m.kind}: English left: {english_left(m.text)}"
    for words in expected:
        assert words in m.text, f"{m.kind}: {words!r} not in {m.text!r}"


def assert_english(m: Mail, *expected: str) -> None:
    for words in expected:
        assert words in m.text, f"{m.kind}: {words!r} not in {m.text!r}"


def speaks(session, person, code: str | None) -> None:  # type: ignore[no-untyped-def]
    """The account's own language choice (users.locale)."""
    from app.accounts.models import User
    session.get(User, person.id).locale = code
    session.commit()
