"""The metadata header of a module file, as Pydantic models: every rule of
modules_content/README.md that is about the YAML (field types, names, rows, quiz answers).

Messages are written for the people who edit the content: `app.programme.content` turns the
first problem into one line naming the file and the key.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import (BaseModel, BeforeValidator, ConfigDict, Field, PrivateAttr, StrictBool, StrictInt,
                      field_validator, model_validator)

FIELD_TYPES = ("text", "long_text", "rating_100", "rating_10", "choice", "choices", "datetime", "date", "rows")
TEXT_TYPES = {"text": 500, "long_text": 4000}          # type -> default max_length
RATING_TYPES = {"rating_100": 100, "rating_10": 10}      # type -> highest answer (lowest is 0)
ROWS_DEFAULT_MAX = 10
MAX_MODULES = 7
PAGES_MIN, PAGES_MAX = 4, 8

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
NAME_RE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")


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
    options: list[Text] | None = Field(None, max_length=20)   # a "choices" field: tick any of these
    columns: list[FieldDef] | None = None
    min_rows: StrictInt | None = Field(None, ge=0, le=50)
    max_rows: StrictInt | None = Field(None, ge=1, le=50)
    # A translated field (app.programme.locales): its choices/options are the default language's
    # (the stored values); this maps each to the words shown.
    _shown: dict[str, str] = PrivateAttr(default_factory=dict)

    def shown(self, value: object) -> object:
        """The words shown for a stored choice/option (the value itself in the default language)."""
        return self._shown.get(value, value) if isinstance(value, str) else value

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
        if t == "choices":
            if not self.options:
                raise ValueError("a choices field needs a non-empty list of options")
            if len(set(self.options)) != len(self.options):
                raise ValueError("options: each option must be different")
        elif self.options is not None:
            raise ValueError(f"options are only for choices fields, not {t}")
        if t == "rows":
            if not self.columns:
                raise ValueError("a rows field needs a non-empty list of columns")
            for i, col in enumerate(self.columns):
                if col.type in ("rows", "choices"):
                    raise ValueError(f"columns[{i}]: rows cannot contain {col.type} fields")
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
