"""The programme in other languages: modules_content/<locale>/NN-slug.md beside the default files.

A translation must mirror its default module exactly: the same slug, number, version and
minutes, the same pages in the same order, the same exercises with the same fields (names,
types, limits, the same number of choices/options and columns) and the same quiz (as many
questions and options, the same correct answer). Only the human text differs.

A module whose translation is missing, unreadable or does not mirror the default is shown in the
default language, and the problem is logged at start-up (a warning, never a refusal to start).

Answers stay language-free: a translated "choice"/"choices" field keeps the DEFAULT language's
options as its values (what the form sends and what is stored) and only shows the translated
words (FieldDef.shown); quiz answers are stored as option numbers already. A patient who changes
language sees the same homework answers, and old entries stay valid.
"""

from __future__ import annotations

import logging
from pathlib import Path

from app.config import ConfigError
from app.programme.content_schema import Exercise, FieldDef

log = logging.getLogger("icbt.content")


def _field_shape(f: FieldDef) -> tuple:
    return (f.name, f.type, f.required, f.max_length, len(f.choices or []), len(f.options or []),
            f.min_rows, f.max_rows, tuple(_field_shape(c) for c in f.columns or []))


def differences(default, translated) -> list[str]:  # type: ignore[no-untyped-def]
    """What in `translated` (a Module) does not mirror `default`, in words; [] when it does."""
    out = []
    for attr in ("slug", "number", "content_version", "estimated_minutes"):
        if getattr(default, attr) != getattr(translated, attr):
            out.append(f"{attr} is {getattr(translated, attr)!r}, the default has {getattr(default, attr)!r}")
    dp, tp = [p.slug for p in default.pages], [p.slug for p in translated.pages]
    if dp != tp:
        out.append(f"pages are {tp}, the default has {dp}")
    de, te = [e.slug for e in default.exercises], [e.slug for e in translated.exercises]
    if de != te:
        out.append(f"exercises are {te}, the default has {de}")
    else:
        for d, t in zip(default.exercises, translated.exercises, strict=True):
            ds, ts = [_field_shape(f) for f in d.fields], [_field_shape(f) for f in t.fields]
            if ds != ts:
                bad = next((a[0] for a, b in zip(ds, ts, strict=False) if a != b), "(the number of fields)")
                out.append(f"exercise {d.slug}: field {bad} differs from the default (name, type, limits "
                           "or number of choices/options/columns)")
    if len(default.quiz) != len(translated.quiz):
        out.append(f"quiz has {len(translated.quiz)} questions, the default has {len(default.quiz)}")
    else:
        for i, (d, t) in enumerate(zip(default.quiz, translated.quiz, strict=True)):
            if len(d.options) != len(t.options) or d.correct_index != t.correct_index:
                out.append(f"quiz[{i}]: the options (how many, which is correct) differ from the default")
    return out


def _merge_field(d: FieldDef, t: FieldDef) -> FieldDef:
    """The translated field's words, the default field's values."""
    cols = [_merge_field(dc, tc) for dc, tc in zip(d.columns or [], t.columns or [], strict=True)] or None
    merged = t.model_copy(update={"choices": d.choices, "options": d.options, "columns": cols})
    shown = dict(zip(d.choices or [], t.choices or [], strict=True))
    shown.update(zip(d.options or [], t.options or [], strict=True))
    merged._shown = shown
    return merged


def _merge_exercise(d: Exercise, t: Exercise) -> Exercise:
    return t.model_copy(update={"fields": [_merge_field(df, tf) for df, tf in zip(d.fields, t.fields, strict=True)]})


def merge(default, translated):  # type: ignore[no-untyped-def]
    from dataclasses import replace
    return replace(translated, exercises=tuple(_merge_exercise(d, t) for d, t in
                                               zip(default.exercises, translated.exercises, strict=True)))


def localise(default, directory: Path, code: str):  # type: ignore[no-untyped-def]
    """(the programme in `code`, with the default's module wherever the translation falls short;
    the problems found, one line each)."""
    from app.programme.content import FILE_RE, Programme, display_path, parse_file

    problems: list[str] = []
    found = {}
    for path in sorted(p for p in directory.iterdir() if p.is_file() and FILE_RE.match(p.name)):
        try:
            mod = parse_file(path)
        except ConfigError as e:
            problems.append(f"{e} (shown in the default language instead)")
            continue
        found[mod.slug] = mod
    modules = []
    for d in default.modules:
        t = found.pop(d.slug, None)
        if t is None:
            problems.append(f"{display_path(directory)}: module {d.number} ({d.slug}) is not translated "
                            "(shown in the default language)")
            modules.append(d)
            continue
        diff = differences(d, t)
        if diff:
            problems.append(f"{t.source}: " + "; ".join(diff) + " (shown in the default language instead)")
            modules.append(d)
            continue
        modules.append(merge(d, t))
    for t in found.values():
        problems.append(f"{t.source}: there is no module {t.slug!r} in the default language (ignored)")
    by_slug = {m.slug: m for m in modules}
    exercises = {e.slug: (m, e) for m in modules for e in m.exercises}
    return Programme(modules=tuple(modules), directory=directory, _by_slug=by_slug, _exercises=exercises), problems


def locale_dirs(root: Path) -> dict[str, Path]:
    """{code: folder} for each modules_content/<code>/ that has an interface catalogue too."""
    from app import i18n
    return {code: root / code for code in i18n.available()
            if code != i18n.SOURCE_LOCALE and (root / code).is_dir()}


def load_all(default, root: Path) -> tuple[dict[str, object], list[str]]:
    out, problems = {}, []
    for code, folder in locale_dirs(root).items():
        prog, found = localise(default, folder, code)
        out[code] = prog
        problems.extend(found)
    for p in problems:
        log.warning("translation: %s", p)
    return out, problems
