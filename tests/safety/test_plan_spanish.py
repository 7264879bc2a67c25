"""The safety plan's pages in Spanish: the history, the conflict message, the section titles and
the home card go through the catalogue (no English left on the page)."""

from __future__ import annotations

from app.accounts.models import User
from app.safety import service as safety
from tests.alerts.support import care_pair
from tests.factories import browser_login, csrf_from
from tests.i18n.scan import english_sentences, untranslated


def _clean(html: str, where: str) -> None:
    assert '<html lang="es" dir="ltr">' in html, where
    assert not untranslated(html), f"{where}: {untranslated(html)}"
    assert not english_sentences(html), f"{where}: {english_sentences(html)[:5]}"


def test_plan_pages_in_spanish(client, session):
    patient, clinician = care_pair(session)
    session.get(User, patient.id).locale = "es"
    session.commit()
    safety.save(session, patient.user, {"warning_signs": "No duermo", "coping": "Pasear al perro"})
    safety.save(session, patient.user, {"warning_signs": "No duermo", "coping": "Pasear al perro y llamar a Sam"},
                author=clinician.user, expected_version=1)
    session.commit()
    browser_login(client, patient)
    page = client.get("/safety-plan").text
    _clean(page, "plan")
    assert "Cambiado por Dr Assigned (equipo de atención) el" in page and "Cosas que puedo hacer por mi cuenta" in page
    _clean(client.get("/safety-plan/versions/1").text, "version 1")
    _clean(client.get("/").text, "home")
    form = client.get("/safety-plan/edit").text
    _clean(form, "edit")
    r = client.post("/safety-plan", data={"csrf_token": csrf_from(form), "version": "1", "reasons": "Mi hermana"})
    assert r.status_code == 409
    _clean(r.text, "conflict")
    assert "Fue cambiado por Dr Assigned (equipo de atención)" in r.text
