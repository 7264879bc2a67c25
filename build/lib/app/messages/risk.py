"""Risk words in a patient's message: the ONE place the list lives.

A patient message that contains one of these phrases raises an urgent alert ("message_risk")
in the same transaction as the message, and the patient is shown the crisis resources at
once, so that risk typed into a message never only waits in an inbox.

Matching: case-insensitive, on whole words (``end it`` matches "I want to end it all" but not
"spend items"), any run of spaces/punctuation between the words of a phrase, curly apostrophes
treated as straight ones. A deployment adds phrases with ``ICBT_MESSAGE_RISK_PHRASES``
(comma-separated); the shipped list below always applies.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Final

from app.config import get_settings

RULE: Final = "message_risk"

RISK_PHRASES: Final[tuple[str, ...]] = (
    "kill myself", "killing myself", "end it", "end it all", "end my life", "ending my life",
    "take my own life", "take my life", "suicide", "suicidal", "overdose", "overdosing",
    "self harm", "self-harm", "selfharm", "harm myself", "hurt myself", "cut myself", "cutting myself",
    "want to die", "wanna die", "better off dead", "no reason to live", "not want to be here",
    "don't want to be here", "don't want to live", "can't go on", "hang myself", "jump off",
)


def _pattern(phrase: str) -> str:
    words = re.findall(r"[a-z0-9']+", phrase.lower().replace("’", "'"))
    return r"(?<![a-z0-9'])" + r"[\W_]+".join(re.escape(w) for w in words) + r"(?![a-z0-9'])"


def phrases() -> tuple[str, ...]:
    extra = [p.strip() for p in get_settings().message_risk_phrases.split(",") if p.strip()]
    return RISK_PHRASES + tuple(extra)


@lru_cache(maxsize=8)
def _compiled(all_phrases: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(_pattern(p) for p in all_phrases if re.search(r"[a-z0-9]", p.lower())))


def contains_risk(text: str) -> bool:
    """True when `text` contains a risk phrase (see the module docstring for how it matches)."""
    normal = text.lower().replace("’", "'").replace("‘", "'")
    return _compiled(phrases()).search(normal) is not None
