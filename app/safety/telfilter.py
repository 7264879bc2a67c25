"""Phone numbers in a saved safety plan become tap-to-call links (issue 12)."""

from __future__ import annotations

import re

from markupsafe import Markup, escape

# A number is groups of digits separated by one space or hyphen, optionally starting with "+"
# and with an area code in brackets ("(020) 7946 0000", "+44 (0)20 7946 0000"). A bracket
# must close inside the number: "999 (24 hours a day)" is 999, not 99924.
_GROUP = r"(?:\d+|\(\d+\))"
PHONE = re.compile(rf"(?<![\w+(])(\+?{_GROUP}(?:[ -]?{_GROUP})*)(?![\w)])")


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
        if number.startswith("+"):   # international: the national trunk "(0)" is not dialled
            number_to_dial = number.replace("(0)", "")
        else:
            number_to_dial = number
        tel = re.sub(r"[^\d+]", "", number_to_dial)
        out.append(Markup('<a href="tel:{}">{}</a>').format(tel, number))
        last = m.end(1)
    out.append(escape(text[last:]))
    return Markup("").join(out)
