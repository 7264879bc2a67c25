"""Homework answers checked against the exercise's field definitions (pure functions).

The same rules serve the JSON API and the HTML forms: unknown fields are refused, text has a
maximum length, ratings are whole numbers in range, a choice must be one of the list (and a
"choices" answer a list of listed options, each at most once), dates and
times must parse, rows have their own columns and a minimum and maximum count. Drafts may be
incomplete (required answers and minimum rows are only enforced on submission); every other
rule applies to drafts too.

Problems carry a location relative to `answers`, e.g. ("emotions", 0, "intensity").
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from app.programme.content import Exercise, FieldDef
from app.i18n import N_, _t  # noqa: F401 - interface text (app.i18n)

Loc = tuple[str | int, ...]
FORM_PREFIX = "answers."
ROWS_PREFIX = "rows."
_INT_RE = re.compile(r"^[+-]?\d{1,6}$")


@dataclass(frozen=True)
class Problem:
    loc: Loc
    msg: str
    type: str

    @property
    def key(self) -> str:
        """The location as a dotted string ("emotions.0.intensity"), used by the HTML forms."""
        return ".".join(str(p) for p in self.loc)


def _blank(v: Any) -> bool:
    return v is None or (isinstance(v, str) and not v.strip()) or (isinstance(v, (list, dict)) and not v)


def _row_blank(row: Any) -> bool:
    return row is None or (isinstance(row, dict) and all(_blank(v) for v in row.values()))


def min_rows(f: FieldDef) -> int:
    return max(f.min_rows or 0, 1 if f.required else 0)


def _missing(f: FieldDef) -> str:
    if f.type == "choices":
        return "Please tick at least one."
    if f.type in ("choice", "rating_10"):
        return "Please choose an answer."
    if f.type == "rating_100":
        return "Please enter a number from 0 to 100."
    if f.type in ("date", "datetime"):
        return "Please enter a date." if f.type == "date" else "Please enter a date and time."
    return "Please fill this in."


def _scalar(f: FieldDef, v: Any, loc: Loc, draft: bool, out: list[Problem]) -> Any:
    """The clean value of one non-rows field, or None (blank or invalid; problems appended)."""
    if _blank(v):
        if f.required and not draft:
            out.append(Problem(loc, _missing(f), "missing"))
        return None
    t = f.type
    if t in ("text", "long_text"):
        if not isinstance(v, str):
            out.append(Problem(loc, _t('Please write this as text.'), "string_type"))
            return None
        v = v.replace("\r\n", "\n").replace("\r", "\n").strip()
        if t == "text":
            v = " ".join(v.split("\n"))
        assert f.max_length is not None
        if len(v) > f.max_length:
            out.append(Problem(loc, _t('Please keep this to %(max_length)s characters or fewer (it has %(v)s).', max_length=f.max_length, v=len(v)), "string_too_long"))
            return None
        return v
    if t in ("rating_100", "rating_10"):
        top = f.rating_max
        n: int | None = None
        if isinstance(v, int) and not isinstance(v, bool):
            n = v
        elif isinstance(v, str) and _INT_RE.match(v.strip()):
            n = int(v.strip())
        elif isinstance(v, float) and v.is_integer():
            n = int(v)
        if n is None:
            out.append(Problem(loc, _t('Please enter a whole number from 0 to %(top)s.', top=top), "int_parsing"))
            return None
        if n < 0:
            out.append(Problem(loc, _t('Please choose a number from 0 to %(top)s.', top=top), "greater_than_equal"))
            return None
        if top is not None and n > top:
            out.append(Problem(loc, _t('Please choose a number from 0 to %(top)s.', top=top), "less_than_equal"))
            return None
        return n
    if t == "choice":
        if not isinstance(v, str) or v not in (f.choices or []):
            out.append(Problem(loc, _t('Please choose one of the options.'), "literal_error"))
            return None
        return v
    if t == "choices":
        return _choices(f, v, loc, out)
    if t == "date":
        try:
            d = date.fromisoformat(v.strip()) if isinstance(v, str) else None
        except ValueError:
            d = None
        if d is None or not 1900 <= d.year <= 2200:
            out.append(Problem(loc, _t('Please enter a date, like 2026-03-09.'), "date_parsing"))
            return None
        return d.isoformat()
    if t == "datetime":
        try:
            dt = datetime.fromisoformat(v.strip()) if isinstance(v, str) else None
        except ValueError:
            dt = None
        if dt is None or not 1900 <= dt.year <= 2200:
            out.append(Problem(loc, _t('Please enter a date and time, like 2026-03-09 18:30.'), "datetime_parsing"))
            return None
        return dt.isoformat(timespec="minutes")
    raise AssertionError(f"unhandled field type {t}")  # content validation makes this unreachable


def _choices(f: FieldDef, v: Any, loc: Loc, out: list[Problem]) -> list[str] | None:
    """Ticked options: a list of listed options, each at most once, kept in the content's order."""
    options = f.options or []
    if not isinstance(v, list):
        out.append(Problem(loc, _t('Please give a list of the options you chose.'), "list_type"))
        return None
    if len(v) > len(options):
        out.append(Problem(loc, _t('There are only %(options)s options to choose from.', options=len(options)), "too_long"))
        return None
    if any(not isinstance(x, str) or x not in options for x in v):
        out.append(Problem(loc, _t('Please choose only from the options listed.'), "literal_error"))
        return None
    if len(set(v)) != len(v):
        out.append(Problem(loc, _t('Please choose each option only once.'), "unique"))
        return None
    return [o for o in options if o in v]


def _rows(f: FieldDef, v: Any, loc: Loc, draft: bool, out: list[Problem]) -> list[dict[str, Any]] | None:
    assert f.columns is not None and f.max_rows is not None
    if _blank(v):
        v = []
    if not isinstance(v, list):
        out.append(Problem(loc, _t('Please give a list of rows.'), "list_type"))
        return None
    if len(v) > f.max_rows:
        out.append(Problem(loc, _t('You can add up to %(max_rows)s rows (there are %(v)s).', max_rows=f.max_rows, v=len(v)), "too_long"))
        return None
    columns = {c.name: c for c in f.columns}
    clean: list[dict[str, Any]] = []
    for i, row in enumerate(v):
        if _row_blank(row):
            continue
        if not isinstance(row, dict):
            out.append(Problem((*loc, i), _t('Each row should be a set of answers.'), "dict_type"))
            continue
        for key in row:
            if key not in columns:
                out.append(Problem((*loc, i, key), _t('This question is not part of the exercise.'), "extra_forbidden"))
        cleaned = {}
        for c in f.columns:
            value = _scalar(c, row.get(c.name), (*loc, i, c.name), draft, out)
            if value is not None:
                cleaned[c.name] = value
        clean.append(cleaned)
    need = min_rows(f)
    if not draft and len(clean) < need:
        out.append(Problem(loc, "Please fill in at least one row." if need == 1
                           else f"Please fill in at least {need} rows.", "too_short"))
    return clean or None


def validate(exercise: Exercise, raw: Any, *, draft: bool,
             stored: bool = False) -> tuple[dict[str, Any], list[Problem]]:
    """Clean answers (blank answers left out) and the problems found, in form order.

    `stored`: the answers come from the entry itself (a draft submitted without new answers),
    so a "choices" field still holding the free text an older version of the exercise asked for
    keeps that text rather than blocking the entry."""
    problems: list[Problem] = []
    if not isinstance(raw, dict):
        return {}, [Problem((), _t('Answers should be an object of field name to answer.'), "dict_type")]
    fields = {f.name: f for f in exercise.fields}
    for key in raw:
        if key not in fields:
            problems.append(Problem((str(key),), _t('This question is not part of the exercise.'), "extra_forbidden"))
    clean: dict[str, Any] = {}
    for f in exercise.fields:
        if f.type == "rows":
            value: Any = _rows(f, raw.get(f.name), (f.name,), draft, problems)
        elif stored and f.type == "choices" and isinstance(raw.get(f.name), str) and raw[f.name].strip():
            value = raw[f.name]
        else:
            value = _scalar(f, raw.get(f.name), (f.name,), draft, problems)
        if value is not None:
            clean[f.name] = value
    return clean, problems


# ---------------------------------------------------------------- HTML forms


def parse_form(exercise: Exercise, form: Mapping[str, Any]) -> tuple[dict[str, Any], list[Problem]]:
    """Form fields `answers.<name>` and `answers.<rows>.<i>.<column>` -> raw answers.

    A "choices" field's ticked boxes arrive as a list (or one string for one box).
    Anything else under `answers.` (a tampered or stale form) is reported as unknown."""
    fields = {f.name: f for f in exercise.fields}
    raw: dict[str, Any] = {}
    problems: list[Problem] = []
    for key, value in form.items():
        if not key.startswith(FORM_PREFIX):
            continue
        parts = key[len(FORM_PREFIX):].split(".")
        f = fields.get(parts[0])
        if f is not None and f.type == "choices" and len(parts) == 1:
            ticked = value if isinstance(value, list) else [value]  # one ticked box comes as a string
            raw[f.name] = [v for v in ticked if isinstance(v, str)]
            continue
        value = value if isinstance(value, str) else ""
        if f is not None and f.type != "rows" and len(parts) == 1:
            raw[f.name] = value
            continue
        if (f is not None and f.type == "rows" and len(parts) == 3 and parts[1].isdigit()
                and int(parts[1]) < (f.max_rows or 0) and any(c.name == parts[2] for c in f.columns or [])):
            rows = raw.setdefault(f.name, [])
            i = int(parts[1])
            while len(rows) <= i:
                rows.append({})
            rows[i][parts[2]] = value
            continue
        problems.append(Problem(tuple(parts), _t('This question is not part of the exercise.'), "extra_forbidden"))
    return raw, problems


def rows_to_show(f: FieldDef, value: Any, requested: int | None = None) -> int:
    """How many row groups the form shows, never more than max_rows and at least min_rows.

    A fresh form shows two blank rows; saved answers reopen with their rows and one blank row
    to carry on in. A posted-back form (a failed save, "add another row") is shown as it was
    sent: `requested` is the count it was showing (plus one for "add another row"), so a
    failed save adds no row."""
    assert f.max_rows is not None
    filled = 0  # position after the last row with something in it
    if isinstance(value, list):
        filled = max((i + 1 for i, row in enumerate(value) if not _row_blank(row)), default=0)
    if requested:
        n = max(min_rows(f), filled, requested)
    elif filled:
        n = max(min_rows(f), filled + 1)
    else:
        n = max(min_rows(f), 2)
    return max(1, min(n, f.max_rows))


def requested_rows(form: Mapping[str, Any], exercise: Exercise, add_to: str | None) -> dict[str, int]:
    """Row counts the form was showing (hidden `rows.<name>` inputs), plus one for "add another row"."""
    out: dict[str, int] = {}
    for f in exercise.fields:
        if f.type != "rows":
            continue
        v = form.get(ROWS_PREFIX + f.name)
        n = int(v) if isinstance(v, str) and v.isdigit() and len(v) < 4 else 0
        if add_to == f.name:
            n += 1
        out[f.name] = min(n, f.max_rows or 0)
    return out
