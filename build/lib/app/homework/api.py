"""Homework JSON API: entries for the exercises defined by the module content."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Header

from app.accounts.dependencies import CurrentPatient
from app.db import SessionDep
from app.homework import service
from app.homework.schemas import EntryIn, EntryOut, EntryPatch

router = APIRouter(tags=["homework"])


def _out(v: service.EntryView) -> EntryOut:
    return EntryOut(id=v.id, task_slug=v.task_slug, title=v.title, module_slug=v.module_slug,
                    module_number=v.module_number, status=v.status, answers=v.answers,  # type: ignore[arg-type]
                    content_version=v.content_version, created_at=v.created_at, updated_at=v.updated_at,
                    submitted_at=v.submitted_at)


@router.post("/homework/{task_slug}/entries", status_code=201, response_model=EntryOut)
def create_entry(task_slug: str, body: EntryIn, patient: CurrentPatient, session: SessionDep,
                 idempotency_key: Annotated[str | None, Header(max_length=64)] = None) -> EntryOut:
    """Save answers to an exercise (403 `module_locked` while its module is locked; 422 naming
    each field that needs another look, e.g. `["body", "answers", "emotions", 0, "intensity"]`).
    Sending the same `Idempotency-Key` again updates the same entry instead of adding another."""
    return _out(service.create(session, patient, task_slug, body.answers, status=body.status,
                               idempotency_key=idempotency_key))


@router.get("/homework/entries", response_model=list[EntryOut])
def list_entries(patient: CurrentPatient, session: SessionDep, task_slug: str | None = None) -> list[EntryOut]:
    """Your entries, most recently changed first."""
    return [_out(v) for v in service.entries_for(session, patient.id, task_slug=task_slug)]


@router.get("/homework/entries/{entry_id}", response_model=EntryOut)
def get_entry(entry_id: uuid.UUID, patient: CurrentPatient, session: SessionDep) -> EntryOut:
    return _out(service.get(session, patient.id, entry_id))


@router.patch("/homework/entries/{entry_id}", response_model=EntryOut)
def edit_entry(entry_id: uuid.UUID, body: EntryPatch, patient: CurrentPatient, session: SessionDep) -> EntryOut:
    """Replace the answers and/or submit a draft."""
    return _out(service.update(session, patient, entry_id, answers=body.answers, status=body.status))
