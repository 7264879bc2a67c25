"""JSON: the patient's conversation with their care team, and the clinician's side of it
(api.md "Clinicians: guided support"). Another clinician's patient is 404, like a missing id.

A replayed POST (same `Idempotency-Key` as before for this conversation) stores nothing and
answers 201 with the original message, plus `Idempotent-Replayed: true`."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Header, Response

from app.accounts.dependencies import CurrentClinician, CurrentPatient
from app.clinician import service as clinician_service
from app.db import SessionDep
from app.escalation import service as escalation
from app.messages import service
from app.messages.schemas import MessageIn, MessageOut, MessageSentOut

router = APIRouter(tags=["messages"])

IdempotencyKey = Annotated[str | None, Header(
    alias="Idempotency-Key", min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$",
    description="One unique string per message; sending again with the same key stores nothing new.")]


def out(v: service.MessageView) -> MessageOut:
    return MessageOut(id=v.id, **{"from": v.sender}, author=v.author, body=v.body, sent_at=v.sent_at,
                      read_at=v.read_at)


def _sent(v: service.MessageView, response: Response) -> MessageSentOut:
    if v.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return MessageSentOut(**out(v).model_dump(by_alias=True), risk=v.risk,
                          escalation=escalation.pathway_out("urgent") if v.risk else None,  # type: ignore[arg-type]
                          reply_time=service.reply_time())


@router.get("/messages", response_model=list[MessageOut])
def my_messages(patient: CurrentPatient, session: SessionDep) -> list[MessageOut]:
    """Your conversation with your care team, oldest first (their messages become read)."""
    return [out(v) for v in service.conversation_for_patient(session, patient)]


@router.post("/messages", status_code=201, response_model=MessageSentOut)
def send_message(body: MessageIn, patient: CurrentPatient, session: SessionDep, response: Response,
                 idempotency_key: IdempotencyKey = None) -> MessageSentOut:
    """Send your care team a message. Messages are not for emergencies: a message with words
    about suicide or self-harm also alerts your care team at once and the answer carries the
    crisis resources (`escalation`)."""
    return _sent(service.send_from_patient(session, patient, body.body, idempotency_key=idempotency_key), response)


@router.get("/clinician/patients/{patient_id}/messages", response_model=list[MessageOut])
def patient_messages(patient_id: uuid.UUID, clinician: CurrentClinician, session: SessionDep) -> list[MessageOut]:
    """The conversation with one assigned patient (audited); their messages become read."""
    patient = clinician_service.assigned_patient(session, clinician, patient_id)
    return [out(v) for v in service.conversation_for_clinician(session, clinician, patient)]


@router.post("/clinician/patients/{patient_id}/messages", status_code=201, response_model=MessageSentOut)
def send_to_patient(patient_id: uuid.UUID, body: MessageIn, clinician: CurrentClinician, session: SessionDep,
                    response: Response, idempotency_key: IdempotencyKey = None) -> MessageSentOut:
    patient = clinician_service.assigned_patient(session, clinician, patient_id)
    return _sent(service.send_from_clinician(session, clinician, patient, body.body,
                                             idempotency_key=idempotency_key), response)
