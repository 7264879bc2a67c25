"""Which language the PHQ-9 and GAD-7 are asked in.

The questionnaires are shown only in a published, validated translation reproduced word for
word, with its source cited (issue 19; never a machine translation). `PUBLISHED` lists, per
interface language, the translations this service ships; a language without one asks the
questions in English (the original wording, Kroenke, Spitzer & Williams 2001; Spitzer et al.
2006) and the page says so.

Spanish (Spain): validated translations exist (PHQ-9: Diez-Quevedo et al. 2001, Psychosomatic
Medicine 63:679-686; GAD-7: García-Campayo et al. 2010, Health and Quality of Life Outcomes 8:8;
the wording is distributed by Pfizer's PHQ Screeners, phqscreeners.com). No copy of that exact
wording was found that could be cited as a trustworthy source, so none is shipped yet: the
Spanish interface asks both questionnaires in English. To add one, put its items, options and
difficulty question, copied word for word, in a module here with the source it was copied from,
and list it in PUBLISHED (scoring does not change: the answers are the 0-3 values).

Scoring never depends on the language: answers, totals, rules and alerts are the numbers only.
The stored check-in records the language the questions were actually shown in (assessments.locale).
"""

from __future__ import annotations

from app import i18n

#: {interface language: instrument keys with a published translation shipped}
PUBLISHED: dict[str, frozenset[str]] = {}


def asked_in(instrument: str, locale: str | None = None) -> str:
    """The language `instrument` is shown in for an interface in `locale` (default: the request's)."""
    code = locale or i18n.current()
    return code if instrument in PUBLISHED.get(code, frozenset()) else i18n.SOURCE_LOCALE
