"""The patient's home: next step, this week's module, diary streak, latest check-in.

Each part comes from its domain's service; a domain that is not installed yet is skipped."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from app.accounts import service as accounts
from app.accounts.models import User


def patient_home(session: Session, user: User) -> dict[str, Any]:
    ctx: dict[str, Any] = {"display_name": accounts.display_name_of(session, user)}
    return ctx
