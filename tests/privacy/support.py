"""A patient with something in every table that can hold their data."""

from __future__ import annotations

from datetime import timedelta

from app import clock
from app.assessments import service as assessments
from app.diary import service as diary
from app.diary.schemas import DiaryIn
from app.homework import service as homework
from app.programme import service as programme
from app.safety import service as safety
from tests.factories import Person

PHQ = [[2, 2, 2, 2, 1, 1, 1, 1, 0], [1, 1, 1, 0, 0, 1, 0, 0, 0]]   # 12 -> 4
GAD = [[2, 2, 1, 1, 1, 1, 1], [0, 1, 0, 1, 0, 0, 0]]                # 9 -> 2
TASK = "thought-record-starter"
M1 = "thoughts-feelings-actions"
HOMEWORK = {"situation": "On the bus", "thoughts": "She must be fed up with me.",
            "emotions": [{"emotion": "Worried", "intensity": 70}], "body": "Tight chest"}


def fill(session, patient: Person, *, weeks: int = 2) -> None:  # type: ignore[no-untyped-def]
    """Check-ins a week apart (PHQ-9 12 -> 4, GAD-7 9 -> 2), a diary entry, homework, a
    module finished with its quiz, a safety plan. Call inside `clock.frozen`."""
    start = clock.now()
    for week in range(weeks):
        with clock.frozen(start + timedelta(days=7 * week, hours=1)):
            assessments.submit(session, patient.user, "phq9", PHQ[min(week, 1)], 1)
            assessments.submit(session, patient.user, "gad7", GAD[min(week, 1)])
            session.commit()
    with clock.frozen(start + timedelta(days=7 * weeks)):
        diary.create(session, patient.user, DiaryIn(mood=6, emotions=[], note="A walk by the river helped."))
        homework.create(session, patient.user, TASK, HOMEWORK)
        programme.save_quiz(session, patient.user, M1, [0, 2])
        programme.complete(session, patient.user, M1)
        safety.save(session, patient.user, {"warning_signs": "Not sleeping", "reasons": "My sister"})
        session.commit()
