"""The Spanish journey's pages, without a browser: register, check-in, result with the Spanish
example's crisis resources, module 1, diary. No catalogue entry left in English, and no English
sentence outside the questionnaires (which are shown in English on purpose, lang="en")."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from app.config import ROOT, get_settings
from tests.assessments.test_assessments_pages import answers_form, post_checkin
from tests.factories import browser_login, make_user
from tests.i18n.scan import english_sentences, untranslated

#: a folder of Spanish lessons not yet in modules_content/es/ (to check a translation before it is
#: merged): ICBT_TEST_LESSONS_DIR=/path/to/modules_content/es
LESSONS = [Path(p) for p in [os.environ.get("ICBT_TEST_LESSONS_DIR", "")] if p]
MODULE1 = "01-thoughts-feelings-actions.md"


def spanish_content(tmp_path: Path) -> tuple[Path, bool]:
    """The content folder: the shipped one when it has the Spanish module 1, else a copy with the
    Spanish module 1 from ICBT_TEST_LESSONS_DIR when that is set."""
    shipped = ROOT / "modules_content"
    if (shipped / "es" / MODULE1).is_file():
        return shipped, True
    root = tmp_path / "modules_content"
    root.mkdir()
    for p in shipped.glob("0*.md"):
        shutil.copy(p, root / p.name)
    for folder in LESSONS:
        if (folder / MODULE1).is_file():
            (root / "es").mkdir()
            shutil.copy(folder / MODULE1, root / "es" / MODULE1)
            return root, True
    return root, False


@pytest.fixture
def spain(monkeypatch, tmp_path):  # type: ignore[no-untyped-def]
    """A deployment in Spain: the Spanish escalation example, Spanish lessons."""
    from app.escalation import service as escalation
    from app.programme import content
    root, translated = spanish_content(tmp_path)
    monkeypatch.setenv("ICBT_ESCALATION_FILE", str(ROOT / "escalation" / "es-example.yaml"))
    monkeypatch.setenv("ICBT_CONTENT_DIR", str(root))
    get_settings.cache_clear()
    escalation._loaded = None
    content._cache.clear()
    yield translated
    get_settings.cache_clear()
    escalation._loaded = None
    content._cache.clear()


def _clean(html: str, where: str) -> None:
    assert '<html lang="es" dir="ltr">' in html, where
    assert not untranslated(html), f"{where}: {untranslated(html)}"
    assert not english_sentences(html), f"{where}: {english_sentences(html)[:5]}"


def test_spanish_journey_pages(client, session, spain) -> None:
    es = {"Accept-Language": "es-ES,es;q=0.9"}
    _clean(client.get("/", headers=es).text, "welcome")
    _clean(client.get("/register", headers=es).text, "register")
    _clean(client.get("/login", headers=es).text, "sign in")
    p = make_user(session)
    from app.accounts.models import User
    session.get(User, p.id).locale = "es"
    session.commit()
    browser_login(client, p)
    _clean(client.get("/").text, "home")
    form = client.get("/checkins/phq9").text
    _clean(form, "check-in form")
    assert "Estas preguntas se muestran en inglés" in form and 'lang="en"' in form
    r = post_checkin(client, "phq9", answers_form([2, 2, 1, 2, 1, 1, 1, 1, 1], 2))   # item 9 above 0
    assert r.status_code == 303
    result = client.get(r.headers["location"]).text
    _clean(result, "result")
    assert 'href="tel:024"' in result and "Línea 024" in result          # the Spanish example's crisis line
    assert 'href="tel:112"' in result
    _clean(client.get("/help").text, "help")
    if spain:
        _clean(client.get("/modules/thoughts-feelings-actions").text, "module 1")
    _clean(client.get("/diary").text, "diary")


def test_scan_finds_english(client) -> None:
    """The scan itself: an English page is caught."""
    html = client.get("/help").text.replace('lang="en"', 'lang="es"', 1)
    assert untranslated(html) and english_sentences(html)
