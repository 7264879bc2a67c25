"""Scoring is language-free (issue 19): the same answers give the same total, band, flags and
alerts whatever language the questions were shown in; the stored check-in records the language
they were actually asked in. And the Spanish escalation example is valid and shown."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from app import i18n
from app.accounts.models import User
from app.alerts.models import Alert
from app.assessments import languages, service
from app.assessments.models import Assessment
from app.config import ROOT, get_settings
from app.escalation import service as escalation
from tests.factories import make_user

ANSWERS = [2, 2, 1, 2, 1, 1, 1, 1, 2]   # 13, item 9 = 2: an alert


def _submit_in(session, code: str):  # type: ignore[no-untyped-def]
    p = make_user(session)
    user = session.get(User, p.id)
    with i18n.using(code):
        result = service.submit(session, user, "phq9", list(ANSWERS), 1)
    session.commit()
    row = session.get(Assessment, result.assessment.id)
    alerts = session.scalars(select(Alert).where(Alert.patient_id == p.id)).all()
    return result, row, sorted((a.rule, a.tier) for a in alerts)


def _same(a, b) -> None:  # type: ignore[no-untyped-def]
    (ra, _, alerts_a), (rb, _, alerts_b) = a, b
    assert ra.assessment.answers == rb.assessment.answers
    assert ra.score == rb.score
    assert [(f.rule, f.tier) for f in ra.flags] == [(f.rule, f.tier) for f in rb.flags]
    assert alerts_a == alerts_b and alerts_a


def test_same_answers_same_score_flags_and_alerts_in_every_language(session) -> None:
    en, es = _submit_in(session, "en"), _submit_in(session, "es")
    _same(en, es)
    # no published Spanish translation is shipped yet: both were asked in English, and say so
    assert en[1].locale == es[1].locale == "en"


def test_a_published_translation_is_recorded_and_scores_the_same(session, monkeypatch) -> None:
    monkeypatch.setitem(languages.PUBLISHED, "es", frozenset({"phq9", "gad7"}))
    en, es = _submit_in(session, "en"), _submit_in(session, "es")
    _same(en, es)
    assert (en[1].locale, es[1].locale) == ("en", "es")


def test_spain_example_is_valid_and_labelled() -> None:
    path = ROOT / "escalation" / "es-example.yaml"
    p = escalation.load(path)
    assert p.example is True and "ejemplo" in p.region
    phones = {r.phone for t in p.tiers.values() for r in t.resources}
    assert {"112", "024"} <= phones
    assert "EXAMPLE FOR SPAIN" in path.read_text(encoding="utf-8")


def test_a_broken_spanish_file_stops_start_up(tmp_path: Path) -> None:
    from app.config import ConfigError
    bad = tmp_path / "es.yaml"
    bad.write_text((ROOT / "escalation" / "es-example.yaml").read_text(encoding="utf-8")
                   .replace('phone: "112"\n        hours', 'phone: "uno-uno-dos"\n        hours', 1), encoding="utf-8")
    with pytest.raises(ConfigError, match="phone"):
        escalation.load(bad)


def test_help_page_shows_the_spanish_example_when_selected(client, monkeypatch) -> None:
    monkeypatch.setenv("ICBT_ESCALATION_FILE", str(ROOT / "escalation" / "es-example.yaml"))
    get_settings.cache_clear()
    escalation._loaded = None
    try:
        html = client.get("/help", headers={"Accept-Language": "es"}).text
        assert 'href="tel:024"' in html and 'href="tel:112"' in html
        assert "Servicios para: España (ejemplo para la Comunidad de Madrid)." in html
    finally:
        get_settings.cache_clear()
        escalation._loaded = None
