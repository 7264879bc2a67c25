"""Helpers for the diary tests."""

from __future__ import annotations

from sqlalchemy import func, select

from app.diary.models import DiaryEntry


def count_entries(session, patient_id=None) -> int:  # type: ignore[no-untyped-def]
    session.rollback()  # see what other connections committed
    stmt = select(func.count()).select_from(DiaryEntry)
    if patient_id is not None:
        stmt = stmt.where(DiaryEntry.patient_id == patient_id)
    return session.scalar(stmt) or 0
