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
from typing import Annotated, Any

import yaml
from markdown_it import MarkdownIt
from pydantic import (BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, StrictInt,
                      ValidationError, field_validator, model_validator)

from app.config import ROOT, ConfigError, Settings

FIELD_TYPES = ("text", "long_text", "rating_100", "rating_10", "choice", "datetime", "date", "rows")
TEXT_TYPES = {"text": 500, "long_text": 4000}          # type -> default max_length
RATING_TYPES = {"rating_100": 100, "rating_10": 10}      # type -> highest answer (lowest is 0)
ROWS_DEFAULT_MAX = 10
MAX_MODULES = 7
PAGES_MIN, PAGES_MAX = 4, 8

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
NAME_RE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")
FILE_RE = re.compile(r"^(\d\d)-(.+)\.md$")
HEADING_RE = re.compile(r"^#[ \t]+(?P<title>.*?)[ \t]*\{#(?P<slug>[^}]*)\}[ \t]*$")
H1_RE = re.compile(r"^ {0,3}#(?:[ \t]|$)")
FENCE_RE = re.compile(r"^ {0,3}(```|~~~)")


# ---------------------------------------------------------------- value checks


def _show(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    return "nothing" if v is None else repr(v)


def _text(v: Any) -> str:
    if not isinstance(v, str):
        raise ValueError(f"expected text, got {_show(v)} (put it in quotes)")
    v = v.strip()
    if not v:
        raise ValueError("must not be empty")
    return v


def _slug(v: Any) -> str:
    v = _text(v)
    if not SLUG_RE.match(v):
        raise ValueError(f"{v!r} must use lower-case letters, digits and single hyphens only")
    return v


def _name(v: Any) -> str:
    v = _text(v)
    if not NAME_RE.match(v):
        raise ValueError(f"{v!r} must be lower_snake_case (lower-case letters, digits, underscores)")
    return v


def _field_type(v: Any) -> str:
    if v not in FIELD_TYPES:
        raise ValueError(f"{_show(v)} is not one of {', '.join(FIELD_TYPES)}")
    return v


Text = Annotated[str, BeforeValidator(_text), Field(max_length=2000)]
Slug = Annotated[str, BeforeValidator(_slug), Field(max_length=64)]
Name = Annotated[str, BeforeValidator(_name), Field(max_length=64)]
FieldType = Annotated[str, BeforeValidator(_field_type)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# ---------------------------------------------------------------- the metadata header


class FieldDef(_Strict):
    """One answer in a homework form. Defaults are filled in after validation."""

    name: Name
    type: FieldType
    label: Text
    help: Text | None = None
    required: StrictBool = False
    max_length: StrictInt | None = Field(None, ge=1, le=20000)
    min_label: Text | None = None
    max_label: Text | None = None
    choices: list[Text] | None = None
    columns: list[FieldDef] | None = None
    min_rows: StrictInt | None = Field(None, ge=0, le=50)
    max_rows: StrictInt | None = Field(None, ge=1, le=50)

    @model_validator(mode="after")
    def _by_type(self) -> FieldDef:
        t = self.type
        if self.max_length is not None and t not in TEXT_TYPES:
            raise ValueError(f"max_length is only for text and long_text fields, not {t}")
        if (self.min_label or self.max_label) and t not in RATING_TYPES:
            raise ValueError(f"min_label and max_label are only for rating_100 and rating_10 fields, not {t}")
        if t == "choice":
            if not self.choices:
                raise ValueError("a choice field needs a non-empty list of choices")
            if len(set(self.choices)) != len(self.choices):
                raise ValueError("choices: each choice must be different")
        elif self.choices is not None:
            raise ValueError(f"choices are only for choice fields, not {t}")
        if t == "rows":
            if not self.columns:
                raise ValueError("a rows field needs a non-empty list of columns")
            for i, col in enumerate(self.columns):
                if col.type == "rows":
                    raise ValueError(f"columns[{i}]: rows cannot contain rows")
            _unique_names(self.columns, "column")
            self.min_rows = 0 if self.min_rows is None else self.min_rows
            self.max_rows = ROWS_DEFAULT_MAX if self.max_rows is None else self.max_rows
            if self.min_rows > self.max_rows:
                raise ValueError(f"min_rows ({self.min_rows}) is more than max_rows ({self.max_rows})")
        else:
            if self.columns is not None:
                raise ValueError(f"columns are only for rows fields, not {t}")
            if self.min_rows is not None or self.max_rows is not None:
                raise ValueError(f"min_rows and max_rows are only for rows fields, not {t}")
        if t in TEXT_TYPES and self.max_length is None:
            self.max_length = TEXT_TYPES[t]
        return self

    @property
    def rating_max(self) -> int | None:
        return RATING_TYPES.get(self.type)


def _unique_names(fields: list[FieldDef], what: str) -> None:
    seen: set[str] = set()
    for f in fields:
        if f.name in seen:
            raise ValueError(f"the {what} name {f.name!r} is used twice")
        seen.add(f.name)


class Exercise(_Strict):
    slug: Slug
    title: Text
    intro: Text | None = None
    fields: list[FieldDef] = Field(min_length=1, max_length=40)

    @field_validator("fields")
    @classmethod
    def _names(cls, v: list[FieldDef]) -> list[FieldDef]:
        _unique_names(v, "field")
        return v


class QuizOption(_Strict):
    text: Text
    correct: StrictBool = False
    feedback: Text


class QuizQuestion(_Strict):
    question: Text
    options: list[QuizOption] = Field(min_length=2, max_length=6)

    @field_validator("options")
    @classmethod
    def _one_correct(cls, v: list[QuizOption]) -> list[QuizOption]:
        n = sum(o.correct for o in v)
        if n != 1:
            raise ValueError(f"exactly one option must have correct: true (found {n})")
        return v

    @property
    def correct_index(self) -> int:
        return next(i for i, o in enumerate(self.options) if o.correct)


class ModuleMeta(_Strict):
    slug: Slug
    number: StrictInt = Field(ge=1, le=MAX_MODULES)
    title: Text
    summary: Text
    estimated_minutes: StrictInt = Field(ge=1, le=600)
    content_version: StrictInt = Field(ge=1)
    learning_goals: list[Text] = Field(min_length=1, max_length=12)
    pages: list[Slug] = Field(min_length=PAGES_MIN, max_length=PAGES_MAX)
    exercises: list[Exercise] = Field(min_length=1, max_length=6)
    quiz: list[QuizQuestion] = Field(min_length=1, max_length=2)

    @field_validator("pages")
    @classmethod
    def _unique_pages(cls, v: list[str]) -> list[str]:
        for i, s in enumerate(v):
            if s in v[:i]:
                raise ValueError(f"page slug {s!r} is listed twice")
        return v

    @field_validator("exercises")
    @classmethod
    def _unique_exercises(cls, v: list[Exercise]) -> list[Exercise]:
        for i, e in enumerate(v):
            if any(e.slug == o.slug for o in v[:i]):
                raise ValueError(f"the exercise slug {e.slug!r} is used twice")
        return v


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


def load_and_validate(settings: Settings) -> Programme:
    """Start-up check (app.startup.DATA_CHECKS): load, validate and cache the programme."""
    directory = Path(settings.content_dir)
    programme = load(directory)
    _cache.clear()
    _cache[directory.resolve()] = programme
    return programme


def get_programme() -> Programme:
    """The loaded programme for the configured content directory (loaded on first use)."""
    from app.config import get_settings

    directory = Path(get_settings().content_dir).resolve()
    found = _cache.get(directory)
    if found is None:
        found = load(directory)
        _cache.clear()
        _cache[directory] = found
    return found


def summary(programme: Programme) -> str:
    lines = [f"{display_path(programme.directory)}: {len(programme.modules)} modules, all valid"]
    for m in programme.modules:
        lines.append(f"  {m.number}. {m.title} ({m.slug}, v{m.content_version}): {len(m.pages)} pages, "
                     f"{len(m.exercises)} exercises ({', '.join(e.slug for e in m.exercises)}), "
                     f"{len(m.quiz)} quiz questions")
    return "\n".join(lines)


def main() -> int:
    from app.config import get_settings

    try:
        programme = load(Path(get_settings().content_dir))
    except ConfigError as e:
        print(e, file=sys.stderr)
        return 1
    print(summary(programme))
    return 0


if __name__ == "__main__":
    sys.exit(main())
