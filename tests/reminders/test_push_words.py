"""The service worker's notification text is the catalogue's, in every language we ship, and
the push page's failure message comes from the page (not English baked into push.js)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from app import i18n
from app.reminders import push

STATIC = Path(__file__).resolve().parents[2] / "static"


def _sw_texts() -> dict[str, str]:
    src = (STATIC / "push-sw.js").read_text(encoding="utf-8")
    table = re.search(r"var TEXT = (\{.*?\});", src, re.S)
    assert table, "push-sw.js has no TEXT table"
    return json.loads(table.group(1))


def test_service_worker_text_matches_the_catalogue_for_every_language() -> None:
    texts = _sw_texts()
    assert set(texts) == set(i18n.available())
    for code in i18n.available():
        with i18n.using(code):
            assert texts[code] == i18n._t(push.NOTIFICATION_TEXT), code


def test_push_script_registers_the_worker_in_the_page_language_and_reads_its_words_from_the_page() -> None:
    src = (STATIC / "push.js").read_text(encoding="utf-8")
    assert "push-sw.js?lang=" in src and "documentElement.lang" in src
    assert "data-failed" in src and "could not be turned on" not in src


def test_account_page_offers_the_failure_message_in_the_patients_language(client, session) -> None:
    from tests.factories import browser_login, make_user

    person = make_user(session)
    person.user.locale = "es"
    session.commit()
    browser_login(client, person)
    html = client.get("/account").text
    with i18n.using("es"):
        words = i18n._t("Notifications could not be turned on in this browser. Reminders will come by e-mail.")
    assert words != "Notifications could not be turned on in this browser. Reminders will come by e-mail."
    assert f'data-failed="{words}"' in html
