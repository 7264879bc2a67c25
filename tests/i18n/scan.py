"""Finding English on a page meant to be in another language (issue 19: "no English string
visible on those pages"): catalogue entries left untranslated, and English sentences that never
went through the catalogue. Text inside an element with lang="en" (the questionnaires, shown in
their original English on purpose) is left out."""

from __future__ import annotations

import re
from functools import lru_cache
from html.parser import HTMLParser

from babel.messages.pofile import read_po

from app import i18n

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
ENGLISH_WORDS = re.compile(r"\b(the|your|you|and|with|this|what|have|please|will|not|are|for)\b", re.I)


class _Text(HTMLParser):
    def __init__(self, page_lang: str) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, str]] = []
        self.page_lang = page_lang
        self.chunks: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        a = dict(attrs)
        lang = a.get("lang") or (self.stack[-1][1] if self.stack else self.page_lang)
        if tag == "html":
            self.page_lang = lang
        for key in ("aria-label", "placeholder", "title", "alt"):
            if a.get(key) and not lang.startswith("en"):
                self.chunks.append(a[key])
        if tag not in VOID:
            self.stack.append((tag, lang))
            if tag in ("script", "style", "template"):
                self.hidden += 1

    def handle_endtag(self, tag):  # type: ignore[no-untyped-def]
        while self.stack:
            t, _ = self.stack.pop()
            if t in ("script", "style", "template"):
                self.hidden -= 1
            if t == tag:
                break

    def handle_data(self, data):  # type: ignore[no-untyped-def]
        lang = self.stack[-1][1] if self.stack else self.page_lang
        if self.hidden or lang.startswith("en"):
            return
        text = " ".join(data.split())
        if text:
            self.chunks.append(text)


def visible_text(html: str) -> list[str]:
    """The text a reader sees (and hears: labels), outside elements marked lang="en"."""
    p = _Text("en")
    p.feed(html)
    return p.chunks


@lru_cache(maxsize=4)
def _untranslatable(code: str) -> frozenset[str]:
    with (i18n.LOCALE_DIR / code / "LC_MESSAGES" / "messages.po").open("rb") as f:
        cat = read_po(f, locale=code)
    out = set()
    for m in cat:
        if not m.id or isinstance(m.id, tuple) or "%(" in m.id or "<" in m.id:
            continue
        plain = " ".join(m.id.split())
        if len(plain) >= 8 and " " in plain and m.string != m.id:
            out.add(plain)
    return frozenset(out)


def untranslated(html: str, code: str = "es") -> list[str]:
    """Catalogue entries that appear in English on the page."""
    text = " | ".join(visible_text(html))
    return sorted(m for m in _untranslatable(code)
                  if m in text and re.search(r"(?<![\w'])" + re.escape(m) + r"(?![\w'])", text))


def english_sentences(html: str) -> list[str]:
    """Chunks of visible text that read like English (two or more common English words)."""
    return [c for c in visible_text(html) if len(ENGLISH_WORDS.findall(c)) >= 2]
