"""The programme's content: modules_content/NN-slug.md files, validated and rendered once.

Each file is a YAML metadata header between `---` lines, then lesson pages in Markdown, each
starting with `# Title {#page-slug}` (see modules_content/README.md for the format). A clinic
edits these files without touching code; a file that breaks a rule stops the server at
start-up with ONE line naming the file and the problem (`ConfigError`).

Markdown is rendered with raw HTML disabled and a link allow-list, so the lesson HTML is built
only from the Markdown syntax itself.

    python -m app.programme.content      # validate and print a summary (exit 1 on a problem)
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from markdown_it import MarkdownIt
from pydantic import ValidationError

from app.config import ROOT, ConfigError, Settings
from app.programme.content_schema import (FIELD_TYPES, RATING_TYPES, SLUG_RE, TEXT_TYPES, Exercise,  # noqa: F401
                                          FieldDef, ModuleMeta, QuizOption, QuizQuestion)

FILE_RE = re.compile(r"^(\d\d)-(.+)\.md$")
HEADING_RE = re.compile(r"^#[ \t]+(?P<title>.*?)[ \t]*\{#(?P<slug>[^}]*)\}[ \t]*$")
H1_RE = re.compile(r"^ {0,3}#(?:[ \t]|$)")
FENCE_RE = re.compile(r"^ {0,3}(```|~~~)")


# ---------------------------------------------------------------- the loaded programme


@dataclass(frozen=True)
class Page:
    slug: str
    title: str
    html: str          # rendered from the content files' Markdown only (raw HTML disabled)
    index: int         # 0-based position in the module


@dataclass(frozen=True)
class Module:
    slug: str
    number: int
    title: str
    summary: str
    estimated_minutes: int
    content_version: int
    learning_goals: tuple[str, ...]
    pages: tuple[Page, ...]
    exercises: tuple[Exercise, ...]
    quiz: tuple[QuizQuestion, ...]
    source: str

    def page(self, slug: str) -> Page | None:
        return next((p for p in self.pages if p.slug == slug), None)


@dataclass(frozen=True)
class Programme:
    modules: tuple[Module, ...]
    directory: Path
    _by_slug: dict[str, Module] = field(default_factory=dict, repr=False)
    _exercises: dict[str, tuple[Module, Exercise]] = field(default_factory=dict, repr=False)

    def module(self, slug: str) -> Module | None:
        return self._by_slug.get(slug)

    def by_number(self, number: int) -> Module | None:
        return next((m for m in self.modules if m.number == number), None)

    def exercise(self, slug: str) -> tuple[Module, Exercise] | None:
        return self._exercises.get(slug)

    def exercises(self) -> list[tuple[Module, Exercise]]:
        return [(m, e) for m in self.modules for e in m.exercises]


# ---------------------------------------------------------------- Markdown


_SAFE_SCHEMES = ("http://", "https://", "mailto:", "tel:")
_SCHEME_RE = re.compile(r"^[a-z][a-z0-9+.\-]*:", re.I)


def _safe_link(url: str) -> bool:
    u = url.strip().lower()
    if u.startswith("//"):
        return False
    if _SCHEME_RE.match(u):
        return u.startswith(_SAFE_SCHEMES)
    return True  # relative: /help, #anchor, page.html


def _markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "typographer": False}).enable("table")
    md.validateLink = _safe_link  # type: ignore[method-assign]
    default_link_open = md.renderer.rules.get("link_open")

    def link_open(renderer, tokens, idx, options, env):  # type: ignore[no-untyped-def]
        href = str(tokens[idx].attrGet("href") or "")
        if href.lower().startswith(("http://", "https://")):
            tokens[idx].attrSet("rel", "noopener noreferrer")
        if default_link_open is not None:
            return default_link_open(tokens, idx, options, env)
        return renderer.renderToken(tokens, idx, options, env)

    md.add_render_rule("link_open", link_open)
    return md


_md = _markdown()


def render_markdown(text: str) -> str:
    return _md.render(text)


# ---------------------------------------------------------------- parsing one file


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that refuses a key written twice in one mapping (YAML would keep the last)."""


def _construct_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"the key {key!r} is written twice", key_node.start_mark)
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def display_path(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def _loc(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in ("function-after", "function-before") or str(part).startswith(("function-", "constrained-")):
            continue
        else:
            out += ("." if out else "") + str(part)
    return out


def _message(err: dict[str, Any]) -> str:
    kind, msg = err["type"], err["msg"]
    if kind == "extra_forbidden":
        return "unknown key (check the spelling against modules_content/README.md)"
    if kind == "missing":
        return "is required"
    for prefix in ("Value error, ", "Assertion failed, "):
        if msg.startswith(prefix):
            msg = msg[len(prefix):]
    if kind in ("too_short", "too_long") and isinstance(err.get("input"), list):
        msg += f" (found {len(err['input'])})"
    return msg


def _fail(where: str, problem: str) -> ConfigError:
    return ConfigError(f"{where}: {' '.join(problem.split())}")


def _split_front_matter(text: str, where: str) -> tuple[str, str, int]:
    """(yaml text, body, line number of the body's first line)."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        raise _fail(where, "the file must start with a line '---' and the metadata header")
    for i in range(1, len(lines)):
        if lines[i].strip() == "---":
            return "\n".join(lines[1:i]), "\n".join(lines[i + 1:]), i + 2
    raise _fail(where, "the metadata header has no closing '---' line")


def _split_pages(body: str, first_line: int, where: str) -> list[tuple[str, str, str, int]]:
    """[(slug, title, markdown, line)] split at `# Title {#slug}` headings, outside code fences."""
    pages: list[tuple[str, str, list[str], int]] = []
    fence: str | None = None
    for offset, line in enumerate(body.split("\n")):
        lineno = first_line + offset
        m_fence = FENCE_RE.match(line)
        if m_fence:
            marker = m_fence.group(1)
            fence = None if fence == marker else (fence or marker)
        if fence is None and H1_RE.match(line):
            m = HEADING_RE.match(line.strip())
            if not m:
                raise _fail(where, f"line {lineno}: the heading {line.strip()!r} needs a page slug at "
                                   "the end, like '# Title {#page-slug}' (use '##' for a heading inside a page)")
            slug, title = m.group("slug").strip(), m.group("title").strip()
            if not SLUG_RE.match(slug):
                raise _fail(where, f"line {lineno}: page slug {slug!r} must use lower-case letters, "
                                   "digits and single hyphens only")
            if not title:
                raise _fail(where, f"line {lineno}: the page heading has no title before {{#{slug}}}")
            if any(p[0] == slug for p in pages):
                raise _fail(where, f"line {lineno}: page slug {slug!r} is used for two pages")
            pages.append((slug, title, [], lineno))
        elif pages:
            pages[-1][2].append(line)
        elif line.strip():
            raise _fail(where, f"line {lineno}: text before the first page heading ('# Title {{#page-slug}}')")
    out = []
    for slug, title, lines, lineno in pages:
        text = "\n".join(lines).strip()
        if not text:
            raise _fail(where, f"line {lineno}: page {slug!r} has no text")
        out.append((slug, title, text, lineno))
    return out


def parse_file(path: Path) -> Module:
    where = display_path(path)
    try:
        text = path.read_text(encoding="utf-8").replace("\r\n", "\n")
    except UnicodeDecodeError:
        raise _fail(where, "is not UTF-8 text") from None
    except OSError as e:
        raise _fail(where, f"cannot be read ({e.strerror})") from None
    header, body, body_line = _split_front_matter(text, where)
    try:
        data = yaml.load(header, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        line = f"line {mark.line + 2}: " if mark is not None else ""
        problem = getattr(e, "problem", None) or str(e).splitlines()[0]
        raise _fail(where, f"{line}the metadata header is not valid YAML: {problem}") from None
    if not isinstance(data, dict):
        raise _fail(where, "the metadata header must be a set of 'key: value' lines")
    try:
        meta = ModuleMeta.model_validate(data)
    except ValidationError as e:
        errors = e.errors()
        # A misspelt key shows up as "unknown" and as "missing": name the misspelling.
        err = next((x for x in errors if x["type"] == "extra_forbidden"), errors[0])
        loc = _loc(err["loc"])
        raise _fail(where, f"{loc}: {_message(err)}" if loc else _message(err)) from None

    m = FILE_RE.match(path.name)
    if m:
        if int(m.group(1)) != meta.number:
            raise _fail(where, f"number: {meta.number} does not match the file name (it starts {m.group(1)}-)")
        if m.group(2) != meta.slug:
            raise _fail(where, f"slug: {meta.slug!r} does not match the file name ({m.group(2)!r})")

    split = _split_pages(body, body_line, where)
    headings = [s for s, _, _, _ in split]
    for i, slug in enumerate(meta.pages):
        if i >= len(headings):
            raise _fail(where, f"pages lists {len(meta.pages)} pages but the file has only "
                               f"{len(headings)} page headings (no heading for {slug!r})")
        if headings[i] != slug:
            raise _fail(where, f"pages[{i}] is {slug!r} but page heading {i + 1} is {{#{headings[i]}}} "
                               f"(line {split[i][3]}); the list must follow the headings in order")
    if len(headings) > len(meta.pages):
        extra = split[len(meta.pages)]
        raise _fail(where, f"line {extra[3]}: page {{#{extra[0]}}} is not listed in pages")

    pages = tuple(Page(slug=s, title=t, html=render_markdown(md), index=i)
                  for i, (s, t, md, _) in enumerate(split))
    return Module(slug=meta.slug, number=meta.number, title=meta.title, summary=meta.summary,
                  estimated_minutes=meta.estimated_minutes, content_version=meta.content_version,
                  learning_goals=tuple(meta.learning_goals), pages=pages,
                  exercises=tuple(meta.exercises), quiz=tuple(meta.quiz), source=where)


# ---------------------------------------------------------------- the whole programme


def load(directory: Path) -> Programme:
    """Parse and validate every NN-slug.md file in `directory`. Raises ConfigError (one line)."""
    where = display_path(directory)
    if not directory.is_dir():
        raise ConfigError(f"{where}: the content directory does not exist (ICBT_CONTENT_DIR)")
    files = sorted(p for p in directory.iterdir() if p.is_file() and FILE_RE.match(p.name))
    if not files:
        raise ConfigError(f"{where}: no module files named like 01-slug.md")
    modules: list[Module] = []
    by_slug: dict[str, Module] = {}
    by_number: dict[int, Module] = {}
    exercises: dict[str, tuple[Module, Exercise]] = {}
    for path in files:
        mod = parse_file(path)
        if mod.slug in by_slug:
            raise _fail(mod.source, f"slug: {mod.slug!r} is also used by {by_slug[mod.slug].source}")
        if mod.number in by_number:
            raise _fail(mod.source, f"number: {mod.number} is also used by {by_number[mod.number].source}")
        for i, ex in enumerate(mod.exercises):
            if ex.slug in exercises:
                raise _fail(mod.source, f"exercises[{i}].slug: {ex.slug!r} is also used by "
                                        f"{exercises[ex.slug][0].source}")
            exercises[ex.slug] = (mod, ex)
        by_slug[mod.slug] = by_number[mod.number] = mod
        modules.append(mod)
    numbers = sorted(by_number)
    for expected, n in enumerate(numbers, start=1):
        if n != expected:
            raise ConfigError(f"{where}: there is no module {expected} (modules are numbered "
                              f"{', '.join(map(str, numbers))}; they must run 1, 2, 3… without gaps)")
    modules.sort(key=lambda m: m.number)
    return Programme(modules=tuple(modules), directory=directory, _by_slug=by_slug, _exercises=exercises)


_cache: dict[Path, Programme] = {}
_translated: dict[Path, dict[str, Programme]] = {}
#: what the last load found wrong with the translations (modules shown in the default language)
translation_problems: list[str] = []


def _load_into_cache(directory: Path) -> Programme:
    from app.programme import locales

    programme = load(directory)
    others, problems = locales.load_all(programme, directory)
    _cache.clear()
    _translated.clear()
    _cache[directory.resolve()] = programme
    _translated[directory.resolve()] = others  # type: ignore[assignment]
    translation_problems[:] = problems
    return programme


def load_and_validate(settings: Settings) -> Programme:
    """Start-up check (app.startup.DATA_CHECKS): load, validate and cache the programme; each
    translation (modules_content/<locale>/) is checked against it (app.programme.locales:
    problems are logged warnings, and the module is shown in the default language)."""
    return _load_into_cache(Path(settings.content_dir))


def get_programme(locale: str | None = None) -> Programme:
    """The loaded programme for the configured content directory (loaded on first use), in
    `locale` (default: the request's language, app.i18n)."""
    from app import i18n
    from app.config import get_settings

    directory = Path(get_settings().content_dir).resolve()
    found = _cache.get(directory)
    if found is None:
        found = _load_into_cache(directory)
    code = locale or i18n.current()
    return _translated.get(directory, {}).get(code, found)


def _n(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def summary(programme: Programme) -> str:
    lines = [f"{display_path(programme.directory)}: {len(programme.modules)} modules, all valid"]
    for m in programme.modules:
        lines.append(f"  {m.number}. {m.title} ({m.slug}, v{m.content_version}): {_n(len(m.pages), 'page')}, "
                     f"{_n(len(m.exercises), 'exercise')} ({', '.join(e.slug for e in m.exercises)}), "
                     f"{_n(len(m.quiz), 'quiz question')}")
    return "\n".join(lines)


def main() -> int:
    from app.config import get_settings

    from app.programme import locales
    try:
        programme = load(Path(get_settings().content_dir))
    except ConfigError as e:
        print(e, file=sys.stderr)
        return 1
    print(summary(programme))
    others, problems = locales.load_all(programme, Path(get_settings().content_dir))
    for code in others:
        print(f"translation {code}: {'see the warnings below' if problems else 'every module mirrors the default'}")
    for p in problems:
        print(f"  warning: {p}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
