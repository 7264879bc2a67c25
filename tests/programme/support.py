"""Helpers for the programme and homework tests."""

from __future__ import annotations

import re

from sqlalchemy.orm import Session

from tests.factories import Person

M1, M2 = "thoughts-feelings-actions", "noticing-patterns"


def do_checkin(session: Session, person: Person) -> None:
    """The weekly check-in (PHQ-9 and GAD-7) through the assessments service (all answers 0: no flags)."""
    from app.assessments import service as assessments
    assessments.submit(session, person.user, "phq9", [0] * 9)
    assessments.submit(session, person.user, "gad7", [0] * 7)
    session.commit()


def links(html: str) -> list[str]:
    return re.findall(r'href="([^"]+)"', html)


def thought_record_form() -> dict[str, str]:
    return {
        "answers.situation": "On the bus home, a friend did not reply to my message.",
        "answers.thoughts": "She must be fed up with me.",
        "answers.emotions.0.emotion": "Worried",
        "answers.emotions.0.intensity": "70",
        "answers.emotions.1.emotion": "",
        "answers.emotions.1.intensity": "",
        "answers.body": "Tight chest",
        "answers.actions": "",
        "rows.emotions": "2",
    }
