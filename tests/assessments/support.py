"""Helpers for the check-in tests."""

from __future__ import annotations

from sqlalchemy import func, select

from app.assessments.models import Assessment


def count_assessments(session, patient_id=None) -> int:  # type: ignore[no-untyped-def]
    session.rollback()  # see what the app's own connections committed
    stmt = select(func.count()).select_from(Assessment)
    if patient_id is not None:
        stmt = stmt.where(Assessment.patient_id == patient_id)
    return session.scalar(stmt) or 0


PHQ9_MODERATE = [2, 2, 1, 2, 1, 1, 1, 1, 0]     # 11: moderate
PHQ9_MILD = [1, 1, 1, 1, 1, 0, 0, 0, 0]         # 5: mild
PHQ9_MINIMAL = [0, 1, 0, 1, 0, 0, 0, 0, 0]      # 2: minimal
GAD7_MODERATE = [2, 2, 2, 1, 1, 1, 2]           # 11: moderate
