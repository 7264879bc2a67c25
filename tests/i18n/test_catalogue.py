"""The interface catalogues (app.i18n, locale/): every marked string of the templates and the
code is in each catalogue, translated, with the same placeholders and markup."""

from __future__ import annotations

import re

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from app import i18n
from app.config import ROOT

KEYWORDS = {"_": None, "_t": None, "N_": None, "gettext": None, "ngettext": (1, 2)}
METHODS = [("app/**.py", "python"), ("templates/**.html", "jinja2")]
PLACEHOLDER = re.compile(r"%\([a-zA-Z0-9_]+\)s|%%")
TAG = re.compile(r"</?[a-zA-Z][^>]*>")


def extracted() -> set[str]:
    out = set()
    for _file, _line, message, _comments, _ctx in extract_from_dir(
            str(ROOT), METHODS, keywords=KEYWORDS, options_map={"templates/**.html": {"trimmed": "true"}}):
        out.add(message if isinstance(message, str) else message[0])
    return {m for m in out if m}


def _forms(s: str | tuple[str, ...]) -> tuple[str, ...]:
    return s if isinstance(s, tuple) else (s,)


def catalogue(code: str):  # type: ignore[no-untyped-def]
    with (i18n.LOCALE_DIR / code / "LC_MESSAGES" / "messages.po").open("rb") as f:
        return read_po(f, locale=code)


OTHER_LOCALES = [c for c in i18n.available() if c != i18n.SOURCE_LOCALE]


def test_there_is_a_second_language() -> None:
    assert "es" in i18n.available()


@pytest.mark.parametrize("code", OTHER_LOCALES)
def test_every_marked_string_is_in_the_catalogue_and_translated(code: str) -> None:
    """Fails when a template or the code gains a string that `make translations` has not
    brought into the catalogue, or that nobody has translated yet."""
    cat = catalogue(code)
    missing = sorted(m for m in extracted() if cat.get(m) is None)
    assert not missing, f"not in locale/{code}: run `make translations` and translate: {missing[:10]}"
    untranslated = sorted(str(m.id) for m in cat if m.id and (m.fuzzy or not all(_forms(m.string))))
    assert not untranslated, f"untranslated or fuzzy in locale/{code}: {untranslated[:10]}"


@pytest.mark.parametrize("code", OTHER_LOCALES)
def test_translations_keep_placeholders_and_markup(code: str) -> None:
    for m in catalogue(code):
        if not m.id:
            continue
        source = _forms(m.id)[-1]
        for text in _forms(m.string):
            assert sorted(PLACEHOLDER.findall(text)) == sorted(PLACEHOLDER.findall(source)), m.id
            assert sorted(TAG.findall(text)) == sorted(TAG.findall(source)), m.id


def test_the_catalogue_is_compiled_at_start_without_a_build_step() -> None:
    i18n.translations.cache_clear()
    assert i18n.translations("es").gettext("Get help now") == "Pedir ayuda ahora"
    assert i18n.translations("en").gettext("Get help now") == "Get help now"


def test_a_template_string_added_without_the_catalogue_fails(tmp_path, monkeypatch) -> None:
    """The check above really looks at templates: a new marked string is found as missing."""
    import shutil
    shutil.copytree(ROOT / "templates", tmp_path / "templates")
    (tmp_path / "templates" / "new.html").write_text('<p>{{ _("A sentence nobody has translated") }}</p>')
    found = {m[2] for m in extract_from_dir(str(tmp_path), [("templates/**.html", "jinja2")], keywords=KEYWORDS)}
    assert "A sentence nobody has translated" in found
    assert catalogue("es").get("A sentence nobody has translated") is None


# The Spanish lessons address the reader as tú; the interface and the Spain escalation example
# must too (a patient reads both on one screen). Usted forms that the catalogue used to have:
USTED = re.compile(r"\b(usted|ustedes|Inicie sesión|Le damos la bienvenida|Elija|Escriba|Pulse|Responda|"
                   r"Revise|Compruebe|Pida|Llame|Vuelva|Póngase|Asegúrese|Si necesita|Si está|Está a salvo|Está seguro|"
                   r"Ha olvidado|su contraseña)\b")


def test_spanish_addresses_the_reader_as_tu() -> None:
    found = [t for m in catalogue("es") if m.id for t in _forms(m.string) if USTED.search(t)]
    assert not found, f"usted in locale/es (use tú, as the lessons do): {found[:5]}"
    yaml_text = (ROOT / "escalation" / "es-example.yaml").read_text(encoding="utf-8")
    assert not USTED.findall(yaml_text), "usted in escalation/es-example.yaml"
