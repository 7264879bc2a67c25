"""Phone numbers in a saved safety plan become tap-to-call links (issue 12)."""

from __future__ import annotations

import re

from markupsafe import Markup, escape

PHONE = re.compile(r"(?<![\w+])(\+?\d[\d ()-]{1,20}\d)(?![\w])")


def _looks_like_phone(s: str) -> bool:
    digits = re.sub(r"\D", "", s)
    if len(digits) == 3:
        return digits in ("999", "111", "112", "911")   # emergency and urgent short numbers
    return 5 <= len(digits) <= 15


def tel_links(text: str) -> Markup:
    """Escape `text`, then wrap each phone number in <a href="tel:...">."""
    out, last = [], 0
    for m in PHONE.finditer(text):
        number = m.group(1).strip()
        if not _looks_like_phone(number):
            continue
        out.append(escape(text[last:m.start(1)]))
        tel = re.sub(r"[^\d+]", "", number)
        out.append(Markup('<a href="tel:{}">{}</a>').format(tel, number))
        last = m.end(1)
    out.append(escape(text[last:]))
    return Markup("").join(out)
