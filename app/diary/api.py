"""JSON API for the mood diary (described by the OpenAPI page at /docs).

A replayed POST (same `Idempotency-Key` as an earlier one from this patient) stores nothing
and answers 201 with the original entry, plus the header `Idempotent-Replayed: true`."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Header, Query, Response

from app.accounts.dependencies import CurrentPatient
from app.db import SessionDep
from app.diary import service
from app.diary.schemas import DiaryCreatedOut, DiaryIn, DiaryOut, DiaryPatch, FlagOut

router = APIRouter(tags=["diary"])

IdempotencyKey = Annotated[str | None, Header(
    alias="Idempotency-Key", min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$",
    description="Any unique string (e.g. a UUID), 1-64 characters of A-Z a-z 0-9 _ . : -, one per "
                "entry. Sending a request again with a key this patient has used stores nothing new: "
                "the answer is the original entry, again with status 201, plus the header "
                "`Idempotent-Replayed: true`.")]


def _out(v: service.DiaryView) -> DiaryOut:
    return DiaryOut(id=v.id, mood=v.mood, emotions=v.emotions, note=v.note, sleep_hours=v.sleep_hours,
                    activities=v.activities, recorded_at=v.recorded_at, created_at=v.created_at,
                    updated_at=v.updated_at)


from app.alerts import honesty  # noqa: E402  (care_team.status)


@router.post("/diary", status_code=201, response_model=DiaryCreatedOut)
def create(body: DiaryIn, patient: CurrentPatient, session: SessionDep, response: Response,
           idempotency_key: IdempotencyKey = None) -> DiaryCreatedOut:
    """Add an entry. The answer carries the flags the deterioration monitor raised and the
    escalation pathway to show at once (null if none)."""
    v = service.create(session, patient, body, idempotency_key=idempotency_key)
    if v.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return DiaryCreatedOut(**_out(v).model_dump(),
                           flags=[FlagOut(rule=f.rule, tier=f.tier.value) for f in v.flags],
                           escalation=honesty.with_care_team(session, patient.id, v.escalation,
                                                             {f.rule for f in v.flags}))


@router.get("/diary", response_model=list[DiaryOut])
def list_entries(patient: CurrentPatient, session: SessionDep,
                 limit: Annotated[int, Query(ge=1, le=500)] = 100,
                 offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0) -> list[DiaryOut]:
    """The patient's own entries, newest first."""
    return [_out(v) for v in service.list_for(session, patient.id, limit=limit, offset=offset)]


@router.get("/diary/{entry_id}", response_model=DiaryOut)
def get_entry(entry_id: uuid.UUID, patient: CurrentPatient, session: SessionDep) -> DiaryOut:
    return _out(service.get(session, patient.id, entry_id))


@router.patch("/diary/{entry_id}", response_model=DiaryOut)
def update_entry(entry_id: uuid.UUID, body: DiaryPatch, patient: CurrentPatient,
                 session: SessionDep) -> DiaryOut:
    """Change the fields sent; send null to clear an optional one."""
    return _out(service.update(session, patient, entry_id, body))


@router.delete("/diary/{entry_id}", status_code=204, response_class=Response)
def delete_entry(entry_id: uuid.UUID, patient: CurrentPatient, session: SessionDep) -> Response:
    service.delete(session, patient, entry_id)
    return Response(status_code=204)
