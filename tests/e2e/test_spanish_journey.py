"""The programme in Spanish, end to end, in a real browser at phone width (issue 19): sign up,
the weekly check-in with a worrying answer, the result with the crisis services of the Spain
example (escalation/es-example.yaml), module 1, the diary. On every page: axe finds nothing
serious, and no catalogue entry or English sentence is left (the questionnaires excepted: they
are shown in English, marked lang="en", until a published Spanish translation is shipped)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from app.config import ROOT
from tests.e2e.conftest import PASSWORD, PHONE, Journey, LiveServer, make_live_server, unique_email
from tests.i18n.scan import english_sentences, untranslated
from tests.i18n.test_spanish_pages import spanish_content

PHQ9 = [2, 2, 1, 2, 1, 1, 1, 1, 1]   # 12, item 9 above 0: the urgent pathway
GAD7 = [1, 2, 1, 1, 1, 1, 1]


@pytest.fixture(scope="module")
def spanish_server(tmp_path_factory) -> LiveServer:  # type: ignore[no-untyped-def]
    base = tmp_path_factory.mktemp("es")
    content, translated = spanish_content(base)
    if not translated:
        pytest.skip("no Spanish module 1 (modules_content/es/01-*.md) in this checkout yet")
    server = make_live_server(base / "server", ICBT_DEFAULT_LOCALE="es", ICBT_PHONE_REGION="ES",
                              ICBT_DEFAULT_TIME_ZONE="Europe/Madrid", ICBT_CONTENT_DIR=str(content),
                              ICBT_ESCALATION_FILE=str(ROOT / "escalation" / "es-example.yaml"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def browser_context_args(browser_context_args):  # type: ignore[no-untyped-def]
    return {**browser_context_args, "locale": "es-ES"}


def spanish(j: Journey, label: str) -> None:
    """The page passes axe and reads as Spanish."""
    j.check(label)
    html = j.page.content()
    assert re.search(r'<html lang="es" dir="ltr"', html), j.page.url
    assert not untranslated(html), f"{j.page.url}: {untranslated(html)}"
    assert not english_sentences(html), f"{j.page.url}: {english_sentences(html)[:5]}"


def answer(page, answers: list[int], difficulty: int) -> None:  # type: ignore[no-untyped-def]
    for n, v in enumerate(answers, start=1):
        page.locator(f'input[name="q{n}"][value="{v}"]').check()
    page.locator(f'input[name="difficulty"][value="{difficulty}"]').check()


def test_spanish_journey(page, spanish_server, shots) -> None:  # type: ignore[no-untyped-def]
    base = spanish_server.url
    page.set_viewport_size(PHONE)
    j = Journey(page, base, shots, who="es")
    email = unique_email("es")

    j.goto("/")
    spanish(j, "welcome")
    page.goto(base + "/register?safe=yes")
    spanish(j, "register")
    page.get_by_label("Correo electrónico").fill(email)
    page.get_by_label("¿Cómo quieres que te llamemos? (opcional)").fill("Lucía")
    page.get_by_label("Elige una contraseña").fill(PASSWORD)
    page.get_by_label("Tu número de teléfono").fill("612 345 678")
    page.get_by_label("Fecha de nacimiento").fill("1990-04-23")
    page.get_by_label("He leído y acepto").check()
    page.get_by_role("button", name="Crear mi cuenta").click()
    page.wait_for_url("**/register/check-email")
    spanish(j, "check-email")
    page.goto(base + "/login")
    spanish(j, "login")
    sign_in_es(page, email)
    expect(page.get_by_role("heading", name=re.compile("Hola"))).to_be_visible()
    spanish(j, "home")

    page.get_by_role("link", name="Hacer mi cuestionario").first.click()
    expect(page.locator("div[lang=en] .lead")).to_be_visible()          # the PHQ-9, in English, marked so
    spanish(j, "phq9")
    answer(page, PHQ9, 1)
    page.get_by_role("button", name="Siguiente: las preguntas sobre ansiedad").click()
    # item 9 above 0: the result comes at once, with the crisis services of the Spain example
    expect(page.get_by_role("link", name="Seguir con las siguientes preguntas")).to_be_visible()
    spanish(j, "phq9-result")
    expect(page.locator('a[href="tel:024"]').first).to_be_visible()
    expect(page.locator('a[href="tel:112"]').first).to_be_visible()
    expect(page.get_by_text("Línea 024 de atención a la conducta suicida").first).to_be_visible()
    page.get_by_role("link", name="Seguir con las siguientes preguntas").click()
    spanish(j, "gad7")
    answer(page, GAD7, 1)
    page.get_by_role("button", name="Ver mi resultado").click()
    expect(page).to_have_url(re.compile(r"/checkins/"))
    spanish(j, "result")

    j.goto("/modules/thoughts-feelings-actions")
    spanish(j, "module-1")
    page.locator("a[href^='/modules/thoughts-feelings-actions/pages/']").first.click()
    spanish(j, "module-1-page")

    j.goto("/diary")
    spanish(j, "diary")
    page.locator('input[name="mood"][value="6"]').check()
    page.get_by_role("button", name="Guardar la entrada").click()
    spanish(j, "diary-saved")
    j.done()


def sign_in_es(page, email: str) -> None:  # type: ignore[no-untyped-def]
    page.get_by_label("Correo electrónico").fill(email)
    page.get_by_label("Contraseña").fill(PASSWORD)
    page.get_by_role("button", name="Iniciar sesión").click()
