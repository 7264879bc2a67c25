"""Which language a page is in: the account's choice, then the `lang` cookie (?lang=), then
Accept-Language, then ICBT_DEFAULT_LOCALE; `lang` and `dir` on every page; dates per locale."""

from __future__ import annotations

from datetime import UTC, datetime

from app import i18n
from tests.factories import api_token, browser_login, csrf_from, make_user


def test_negotiation_order() -> None:
    assert i18n.negotiate("es", "en", "en-GB") == "es"
    assert i18n.negotiate(None, "es", "en-GB") == "es"
    assert i18n.negotiate(None, None, "fr-FR, es-ES;q=0.8, en;q=0.5") == "es"
    assert i18n.negotiate(None, None, "en;q=0.2, es;q=0.9") == "es"
    assert i18n.negotiate(None, "xx", "de") == i18n.default_locale() == "en"
    assert i18n.pick("es-ES") == i18n.pick("es_ES") == "es"


def test_accept_language_picks_spanish_and_pages_say_so(client) -> None:
    r = client.get("/help", headers={"Accept-Language": "es-ES,es;q=0.9"})
    assert '<html lang="es" dir="ltr">' in r.text
    assert "Pedir ayuda ahora" in r.text
    r = client.get("/help")
    assert '<html lang="en" dir="ltr">' in r.text and "Get help now" in r.text


def test_lang_query_is_kept_in_a_cookie(client) -> None:
    r = client.get("/?lang=es")
    assert '<html lang="es"' in r.text
    assert "lang=es" in r.headers.get("set-cookie", "")
    assert '<html lang="es"' in client.get("/login").text   # the cookie carries it on
    assert 'hreflang="en"' in client.get("/login").text      # the switcher offers the others


def test_error_pages_have_lang_too(client) -> None:
    r = client.get("/no-such-page", headers={"Accept-Language": "es"})
    assert r.status_code == 404
    assert '<html lang="es" dir="ltr">' in r.text and "No hemos encontrado esa página." in r.text


def test_account_preference_beats_the_browser(client, session) -> None:
    p = make_user(session)
    browser_login(client, p)
    page = client.get("/account", headers={"Accept-Language": "en"})
    r = client.post("/account/language", data={"csrf_token": csrf_from(page.text), "language": "es"},
                    headers={"Accept-Language": "en"}, follow_redirects=True)
    assert '<html lang="es"' in r.text and "Tu idioma está guardado." in r.text
    page = client.get("/account", headers={"Accept-Language": "en"})
    client.post("/account/language", data={"csrf_token": csrf_from(page.text), "language": ""})
    assert '<html lang="en"' in client.get("/account", headers={"Accept-Language": "en"}).text


def test_api_me_language(client, session) -> None:
    p = make_user(session)
    h = api_token(client, p)
    assert client.get("/api/v1/me", headers=h).json()["language"] is None
    assert client.patch("/api/v1/me", json={"language": "es-ES"}, headers=h).json()["language"] == "es"
    r = client.patch("/api/v1/me", json={"language": "klingon"}, headers=h)
    assert r.status_code == 422 and "language" in r.text
    assert client.get("/api/v1/me", headers=h).json()["language"] == "es"


def test_dates_follow_the_locale() -> None:
    when = datetime(2026, 12, 2, 14, 5, tzinfo=UTC)
    assert i18n.format_when(when, "%-d %B %Y", "en") == "2 December 2026"
    assert i18n.format_when(when, "%-d %B %Y", "es") == "2 de diciembre de 2026"
    assert i18n.format_when(when, "%A %-d %B", "es") == "miércoles, 2 de diciembre"
    assert i18n.format_when(when, "%-d %b %Y, %H:%M", "es").endswith("14:05")
    assert i18n.format_number(12345.5, "es") == "12.345,5"
