"""JSON: the service's outcome rates for admins (api.md; clinical-rules.md §5)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from app.accounts.dependencies import CurrentAdmin
from app.db import SessionDep
from app.outcomes import service

router = APIRouter(tags=["outcomes"])


@router.get("/admin/outcomes")
def outcomes(session: SessionDep, admin: CurrentAdmin) -> dict[str, Any]:
    """`overall` and `by_month` (oldest first): episodes, finished (at least two scores of
    each instrument used), not_enough_data, recovery / reliable recovery / reliable
    improvement / reliable deterioration counts and rates (null when nothing to divide by),
    median modules finished and check-ins done."""
    return service.report(session, admin).as_dict()
