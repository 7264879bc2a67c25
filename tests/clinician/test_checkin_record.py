"""The clinician's record of check-ins: every check-in with item-level answers (item 9 marked),
both instruments charted with caseness lines, a change summary naming what it compares."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from app.assessments import record
from app.assessments.change import episode_outcome
from tests.alerts.support import care_pair, later, phq9, submit
from tests.assessments.test_assessments_pages import text_of
from tests.factories import browser_login


class V:  # the fields record.py reads from an AssessmentView
    def __init__(self, instrument: str, total: int | None, day: int) -> None:
        self.instrument, self.total = instrument, total
        self.taken_at = datetime(2026, 10, day, 9, tzinfo=UTC)


T = datetime(2026, 10, 1, tzinfo=UTC)


def test_change_line_names_baseline_and_best() -> None:
    views = [V("phq9", 11, 1), V("phq9", 8, 8), V("phq9", 16, 15)]
    line = record.change_line("phq9", views, T)
    assert line.startswith("PHQ-9 16 on 15 Oct 2026: up 5 from baseline 11 (1 Oct 2026): not a reliable change")
    assert "up 8 from the best of 8 (8 Oct 2026): reliable deterioration." in line


def test_change_line_baseline_only_and_no_best_clause() -> None:
    assert record.change_line("gad7", [V("gad7", 9, 1)], T) == (
        "GAD-7 9 on 1 Oct 2026: the baseline; nothing to compare with yet.")
    line = record.change_line("gad7", [V("gad7", 12, 1), V("gad7", 7, 8)], T)
    assert line == "GAD-7 7 on 8 Oct 2026: down 5 from baseline 12 (1 Oct 2026): reliable improvement."
    assert record.change_line("phq9", [], T) == "PHQ-9: no valid score since enrolment."


def test_outcome_line_is_plain() -> None:
    assert record.outcome_line(episode_outcome([16, 4], [12, 3])).endswith(": Reliable recovery.")
    assert record.outcome_line(episode_outcome([16], [])).endswith(": Not enough data (fewer than two scores of a measure used).")


def test_record_page_shows_items_charts_and_change(client, session, frozen_clock):
    patient, clinician = care_pair(session, name="Item Ida")
    submit(session, patient, "phq9", phq9(11))
    submit(session, patient, "gad7", [2, 2, 1, 1, 1, 1, 1])
    frozen_clock(later(days=7))
    submit(session, patient, "phq9", phq9(8))
    frozen_clock(later(days=14))
    submit(session, patient, "phq9", phq9(16, item9=2))
    browser_login(client, clinician)
    html = client.get(f"/clinician/patients/{patient.id}").text
    page = text_of(html)
    assert "up 5 from baseline 11" in page and "not a reliable change" in page
    assert "up 8 from the best of 8" in page and "reliable deterioration" in page
    assert "PHQ-9 answers, newest first" in page and "GAD-7 answers, newest first" in page
    # item-level answers, item 9 marked
    assert html.count("<tr class=\"flagged\">") == 1
    assert '<strong class="badge urgent">2</strong>' in html
    rows = re.findall(r"<tr(?: class=\"flagged\")?>\n    <th scope=\"row\">", html)
    assert len(rows) == 4  # three PHQ-9 and one GAD-7 check-ins
    # both charts, each with its caseness line; in the clinician's voice
    assert "caseness 10" in html and "caseness 8" in html
    assert "Your first" not in page and "your PHQ-9 score" not in page
    assert "Episode outcome so far" in page
