"""Lessons per language (app.programme.locales): modules_content/<locale>/ mirrors the default;
what is missing or does not mirror it falls back to the default language, reported, never a
crash; choices are stored by their default-language value whatever language they were shown in."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest

from app.config import ROOT
from app.homework import forms
from app.homework.service import display_items
from app.programme import content, locales

MODULE1 = "01-thoughts-feelings-actions.md"
SPANISH_AREAS = ["Ánimo bajo", "Preocupación o ansiedad", "Sueño", "Relaciones", "Trabajo, estudios o dinero",
                 "Hacer las cosas", "Todavía no lo sé"]


def _translate(text: str) -> str:
    """A stand-in translation of module 1 (the structure kept, some words changed)."""
    text = text.replace("title: ", "title: ES ", 1)
    for en, es in zip(["Low mood", "Worry or anxiety", "Sleep", "Relationships", "Work, study or money",
                       "Getting things done", "Not sure yet"], SPANISH_AREAS, strict=True):
        text = text.replace(f"          - {en}\n", f"          - {es}\n", 1)
    return text


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "modules_content"
    root.mkdir()
    for p in (ROOT / "modules_content").glob("0*.md"):
        shutil.copy(p, root / p.name)
    (root / "es").mkdir()
    (root / "es" / MODULE1).write_text(_translate((root / MODULE1).read_text()), encoding="utf-8")
    return root


def test_a_translation_is_used_and_missing_modules_fall_back(tree: Path, caplog) -> None:
    default = content.load(tree)
    with caplog.at_level(logging.WARNING, logger="icbt.content"):
        es, problems = locales.load_all(default, tree)
    m1 = es["es"].by_number(1)
    assert m1.title.startswith("ES ")
    assert es["es"].by_number(2) is default.by_number(2)            # not translated: the default
    assert len(problems) == 6 and "module 2" in problems[0] and "not translated" in problems[0]
    assert "not translated" in caplog.text


def test_choices_are_stored_in_the_default_language(tree: Path) -> None:
    default = content.load(tree)
    es = locales.load_all(default, tree)[0]["es"]
    ex = es.exercise("my-hopes")[1]
    default_ex = default.exercise("my-hopes")[1]
    field = next(f for f in ex.fields if f.name == "main_area")
    assert field.choices == next(f for f in default_ex.fields if f.name == "main_area").choices
    assert field.shown("Sleep") == "Sueño"                           # shown in Spanish
    clean, problems = forms.validate(ex, {"main_area": "Sleep"}, draft=True)
    assert not problems and clean["main_area"] == "Sleep"            # stored language-free
    _, problems = forms.validate(ex, {"main_area": "Sueño"}, draft=True)
    assert problems                                                  # the words are not values
    shown = {i.label: i.text for i in display_items(ex, {"main_area": "Sleep"})}
    assert "Sueño" in shown.values()
    assert "Sleep" in {i.text for i in display_items(default_ex, {"main_area": "Sleep"})}


def test_a_translation_that_does_not_mirror_the_default_falls_back(tree: Path) -> None:
    path = tree / "es" / MODULE1
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("          - Todavía no lo sé\n", "", 1), encoding="utf-8")   # one choice fewer
    default = content.load(tree)
    es, problems = locales.load_all(default, tree)
    assert es["es"].by_number(1) is default.by_number(1)
    assert any("main_area" in p and "default language" in p for p in problems)


def test_a_broken_translation_is_reported_not_fatal(tree: Path) -> None:
    (tree / "es" / MODULE1).write_text("no header here", encoding="utf-8")
    default = content.load(tree)
    es, problems = locales.load_all(default, tree)
    assert es["es"].by_number(1) is default.by_number(1)
    assert any("must start with a line '---'" in p for p in problems)


def test_quiz_answers_are_numbers_in_every_language(tree: Path) -> None:
    default = content.load(tree)
    es = locales.load_all(default, tree)[0]["es"]
    for d, t in zip(default.modules, es.modules, strict=True):
        assert [q.correct_index for q in d.quiz] == [q.correct_index for q in t.quiz]


def test_shipped_translations_mirror_the_default() -> None:
    """Every module in modules_content/es/ (the lesson translations) mirrors its English module."""
    root = ROOT / "modules_content"
    if not (root / "es").is_dir():
        pytest.skip("no Spanish lessons in this checkout yet")
    default = content.load(root)
    _, problems = locales.load_all(default, root)
    present = {p.name for p in (root / "es").glob("0*.md")}
    real = [p for p in problems if "is not translated" not in p]
    assert not real, real
    assert present, "modules_content/es/ is empty"
