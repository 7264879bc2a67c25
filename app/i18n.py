"""Languages: the interface's catalogues (gettext, Babel), the viewer's locale, dates per locale.

The catalogues are locale/<code>/LC_MESSAGES/messages.po (the source the translators edit).
They are compiled in memory when first used, so a fresh clone runs without a build step;
`make translations` extracts, updates and compiles them (.mo files, not committed) for checking.

Which language a page is in (`negotiate`): the account's own choice (users.locale), else the
visitor's `lang` cookie (set by ?lang=xx on any page), else the browser's Accept-Language, else
the deployment's ICBT_DEFAULT_LOCALE. The locale travels with the request in a context variable
holding a small mutable box, so that a value set by a dependency running in the thread pool is
seen by the route and the template too.
"""

from __future__ import annotations

import contextvars
import io
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_datetime, format_skeleton, format_time
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations

from app.config import ROOT

log = logging.getLogger("icbt.i18n")

LOCALE_DIR = ROOT / "locale"
SOURCE_LOCALE = "en"   # the language the code and templates are written in
COOKIE = "lang"


def available() -> tuple[str, ...]:
    """Every language the interface can be shown in: the source language and each catalogue."""
    found = sorted(p.parent.parent.name for p in LOCALE_DIR.glob("*/LC_MESSAGES/messages.po"))
    return (SOURCE_LOCALE, *[c for c in found if c != SOURCE_LOCALE])


@lru_cache(maxsize=None)
def names() -> dict[str, str]:
    """{code: the language's name in itself} for the language menus ("English", "Español")."""
    out = {}
    for code in available():
        name = Locale.parse(code).get_display_name(code) or code
        out[code] = name[:1].upper() + name[1:]
    return out


def default_locale() -> str:
    from app.config import get_settings
    return get_settings().default_locale


@lru_cache(maxsize=None)
def translations(code: str) -> NullTranslations:
    """The compiled catalogue of one language (compiled from its .po in memory, once)."""
    po = LOCALE_DIR / code / "LC_MESSAGES" / "messages.po"
    if code == SOURCE_LOCALE or not po.is_file():
        return NullTranslations()
    with po.open("rb") as f:
        catalog = read_po(f, locale=code)
    buf = io.BytesIO()
    write_mo(buf, catalog)   # fuzzy entries are left out, as msgfmt does
    buf.seek(0)
    return Translations(buf, domain="messages")


# ---------------------------------------------------------------- the current locale


class _Box:
    __slots__ = ("code",)

    def __init__(self, code: str) -> None:
        self.code = code


_current: contextvars.ContextVar[_Box | None] = contextvars.ContextVar("icbt_locale", default=None)


def current() -> str:
    box = _current.get()
    return box.code if box is not None else default_locale()


def set_current(code: str) -> None:
    """Set the locale for the rest of this request (or this task)."""
    box = _current.get()
    if box is None:
        _current.set(_Box(code))
    else:
        box.code = code


def start_request(code: str) -> contextvars.Token:
    return _current.set(_Box(code))


@contextmanager
def using(code: str | None) -> Iterator[None]:
    """Text in another language for a moment, e.g. an e-mail in its recipient's language."""
    token = _current.set(_Box(code if code in available() else default_locale()))
    try:
        yield
    finally:
        _current.reset(token)


def gettext(message: str, **variables: Any) -> str:
    text = translations(current()).gettext(message)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, n: int, **variables: Any) -> str:
    """The form for `n` in the current language (Spanish has three, Arabic six); `%(num)s` is
    `n` written the language's way (1.000.000 in Spanish), unless given."""
    text = translations(current()).ngettext(singular, plural, n)
    variables.setdefault("num", format_number(n))
    return text % variables


def template_ngettext(singular: str, plural: str, n: int) -> str:
    """For Jinja2's {% trans count=... %}{% pluralize %} (newstyle): Jinja fills the variables in itself."""
    return translations(current()).ngettext(singular, plural, n)


_ = gettext


def N_(message: str) -> str:
    """Marks a string for extraction where it is defined; it is translated where it is shown."""
    return message


# ---------------------------------------------------------------- choosing


def for_account(user: Any, fallback: str | None = None) -> str:
    """The language to write to this account in (an e-mail, whoever caused it): the account's own
    choice (users.locale), else `fallback` (the request's language, for a mail the person asked
    for just now, e.g. a password reset), else the deployment's ICBT_DEFAULT_LOCALE. Use it as
    `with i18n.using(i18n.for_account(user)):` around the subject and body."""
    return pick(getattr(user, "locale", None)) or pick(fallback) or default_locale()


def pick(code: str | None) -> str | None:
    """The available locale a code names ("es", "es-ES", "es_ES" -> "es"), or None."""
    if not code:
        return None
    code = code.strip().replace("-", "_")
    avail = available()
    if code in avail:
        return code
    lang = code.split("_")[0].lower()
    return lang if lang in avail else None


def from_accept_language(header: str | None) -> str | None:
    """The best available language from an Accept-Language header (q-values respected)."""
    if not header:
        return None
    prefs: list[tuple[float, int, str]] = []
    for i, part in enumerate(header.split(",")):
        bits = part.strip().split(";")
        tag, q = bits[0].strip(), 1.0
        for b in bits[1:]:
            b = b.strip()
            if b.startswith("q="):
                try:
                    q = float(b[2:])
                except ValueError:
                    q = 0.0
        if tag and tag != "*" and q > 0:
            prefs.append((-q, i, tag))
    for _q, _i, tag in sorted(prefs):
        found = pick(tag)
        if found:
            return found
    return None


def negotiate(account: str | None, cookie: str | None, accept_language: str | None) -> str:
    return pick(account) or pick(cookie) or from_accept_language(accept_language) or default_locale()


def direction(code: str) -> str:
    try:
        return "rtl" if Locale.parse(code).character_order == "right-to-left" else "ltr"
    except (UnknownLocaleError, ValueError):
        return "ltr"


def html_lang(code: str) -> str:
    return code.replace("_", "-")


# ---------------------------------------------------------------- dates and numbers

# strftime directives the templates use -> CLDR skeleton letters (the locale orders them)
_DATE_PARTS = {"%A": "EEEE", "%a": "EEE", "%-d": "d", "%d": "dd", "%B": "MMMM", "%b": "MMM",
               "%Y": "y", "%m": "MM"}
_TIME_PARTS = {"%H": "HH", "%M": "mm"}


def format_when(value: datetime | date, fmt: str, code: str | None = None) -> str:
    """`value` in the format `fmt` (strftime) for the source language; for another language the
    same parts (weekday, day, month, year, time) in that language's own order and words."""
    code = code or current()
    if code == SOURCE_LOCALE:
        return value.strftime(fmt)
    loc = Locale.parse(code)
    skeleton = "".join(v for k, v in _DATE_PARTS.items() if k in fmt)
    has_time = "%H" in fmt
    parts = []
    if skeleton:
        d = value.date() if isinstance(value, datetime) else value
        weekday = ""
        if skeleton.startswith("EEEE"):   # CLDR skeletons tend to shorten a full weekday name
            weekday, skeleton = format_date(d, "EEEE", locale=loc), skeleton[4:]
        text = format_skeleton(skeleton, d, locale=loc) if skeleton else ""
        parts.append(", ".join(p for p in (weekday, text) if p))
    if has_time and isinstance(value, datetime):
        parts.append(format_time(value, "HH:mm", locale=loc))
    return ", ".join(parts)


def format_number(n: float | int, code: str | None = None) -> str:
    return format_decimal(n, locale=code or current())


__all__ = ["N_", "_t", "available", "current", "direction", "for_account", "format_datetime", "format_number",
           "format_when", "gettext",
           "negotiate", "ngettext", "pick", "translations", "using", "Path"]

#: the name Python modules import (`_` is often a throwaway variable there)
_t = gettext
