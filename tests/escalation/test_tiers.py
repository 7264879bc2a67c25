"""No weaker help for a more acute answer (clinical-rules.md §4, issue 12), and the escalation
file (§6): the tier walk, the help page and the shipped UK example."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from app.config import SHIPPED_ESCALATION_FILE, ConfigError
from app.escalation import service as escalation
from app.escalation.schemas import TIERS
from app.web import env
from tests.alerts.support import care_pair, phq9
from tests.assessments.test_assessments_pages import answers_form, post_checkin
from tests.factories import browser_login

LINK = re.compile(r'href="((?:tel|sms):[^"]+)"')
ORDER = ["routine", "urgent", "emergency"]   # lowest first


def _render(tier: str) -> str:
    tpl = env.from_string('{% from "macros/escalation.html" import pathway_box %}{{ pathway_box(p) }}')
    return tpl.render(p=escalation.pathway_out(tier))


def _shown(html: str) -> set[str]:
    return set(LINK.findall(html)) | set(re.findall(r"<h\d>([^<]+)</h\d>", html))


def test_every_higher_tier_shows_everything_a_lower_one_does():
    shown = {t: _shown(_render(t)) for t in TIERS}
    for lower, higher in zip(ORDER, ORDER[1:]):
        missing = shown[lower] - shown[higher]
        assert not missing, f"{higher} hides what {lower} shows: {missing}"
    # and the data behind it: each tier's resources are a subset of the next one up
    for lower, higher in zip(ORDER, ORDER[1:]):
        assert {r.name for r in escalation.pathway_out(lower).resources} <= \
               {r.name for r in escalation.pathway_out(higher).resources}


@pytest.mark.parametrize("tier", ["urgent", "emergency"])
def test_urgent_and_emergency_start_with_the_emergency_line(tier):
    p = escalation.pathway_out(tier)
    assert p.sections[0].tier == "emergency" and p.resources[0].phone == "999"
    html = _render(tier)
    assert html.index('href="tel:999"') < html.index('href="tel:111"') < html.index("116 123")


def test_each_service_is_listed_once_per_tier_and_on_the_help_page(anon_client):
    for t in TIERS:
        names = [r.name for r in escalation.pathway_out(t).resources]
        assert len(names) == len(set(names)), t
    page = anon_client.get("/help").text
    assert page.count("<h3>Samaritans</h3>") == 1
    assert page.index("tel:999") < page.index("tel:111") < page.index("Mind Infoline")
    assert "If you are in danger right now" in page and "Things seem harder" not in page


def test_item9_result_page_shows_999_first_then_urgent_help_then_the_care_team(client, session, frozen_clock):
    patient, _ = care_pair(session)
    browser_login(client, patient)
    r = post_checkin(client, "phq9", answers_form(phq9(12, item9=2), 1))
    page = client.get(r.headers["location"]).text
    i999, i111, icare = page.index('href="tel:999"'), page.index('href="tel:111"'), page.index("What your care team will do")
    assert i999 < i111 < icare < page.index("Your score")


def test_shipped_example_names_its_region_care_team_and_four_nations():
    p = escalation.load(SHIPPED_ESCALATION_FILE)
    assert "United Kingdom" in p.region and p.example
    ct = p.care_team
    assert ct.phone and ct.hours and ct.reply_times.urgent and ct.reply_times.emergency
    urgent = " ".join(f"{r.name} {r.phone}" for r in p.tiers["urgent"].resources)
    assert "option 2 (England and Wales)" in urgent and "NHS 24 (Scotland)" in urgent
    assert "Lifeline (Northern Ireland) 0808 808 8000" in urgent
    assert any("emergencySMS" in r.name and r.sms == "999" for r in p.tiers["emergency"].resources)


def test_escalation_file_without_care_team_reply_times_is_refused(tmp_path: Path):
    data = yaml.safe_load(SHIPPED_ESCALATION_FILE.read_text())
    del data["care_team"]["reply_times"]
    del data["care_team"]["phone"]
    bad = tmp_path / "p.yaml"
    bad.write_text(yaml.safe_dump(data))
    with pytest.raises(ConfigError) as e:
        escalation.load(bad)
    assert "care_team.reply_times" in str(e.value) and "care_team.phone" in str(e.value)  # both at once
