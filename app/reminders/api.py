"""GET|PUT /api/v1/me/reminders, the one-click unsubscribe (RFC 8058, no sign-in), recent
reminders, and web-push subscriptions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Response

from app.accounts.dependencies import CurrentPatient
from app.db import SessionDep
from app.errors import NotFound
from app.reminders import service
from app.reminders.schemas import PushSubscriptionIn, RemindersIn, RemindersOut, SentReminder
from app.i18n import N_, _t  # noqa: F401 - interface text (app.i18n)

router = APIRouter(tags=["reminders"])


@router.get("/me/reminders", response_model=RemindersOut)
def get_reminders(patient: CurrentPatient, session: SessionDep) -> RemindersOut:
    return service.out(service.prefs_of(session, patient.id))


@router.put("/me/reminders", response_model=RemindersOut)
def put_reminders(body: RemindersIn, patient: CurrentPatient, session: SessionDep) -> RemindersOut:
    return service.out(service.update_prefs(session, patient.id, body))


@router.get("/me/reminders/sent", response_model=list[SentReminder])
def sent_reminders(patient: CurrentPatient, session: SessionDep) -> list[SentReminder]:
    return service.recent(session, patient.id, limit=50)


@router.post("/unsubscribe/{token}", status_code=200)
def one_click_unsubscribe(session: SessionDep, token: Annotated[str, Path(max_length=200)],
                          list_unsubscribe: Annotated[str | None, Form(alias="List-Unsubscribe", max_length=20)] = None,
                          ) -> Response:
    """RFC 8058: the mail client POSTs `List-Unsubscribe=One-Click` here; no sign-in, no
    cookie. Honoured at once; queued reminders of that kind are cancelled."""
    found = service.read_token(token)
    if found is None or not service.unsubscribe(session, *found):
        raise NotFound(_t('This unsubscribe link is not valid.'))
    return Response(status_code=200, content='{"unsubscribed": true}', media_type="application/json")


@router.get("/push/public-key")
def push_public_key() -> dict[str, str | None]:
    """The VAPID application server key for PushManager.subscribe (null: push not set up)."""
    from app.reminders import push
    return {"public_key": push.public_key()}


@router.post("/me/push-subscriptions", status_code=201)
def add_push_subscription(body: PushSubscriptionIn, patient: CurrentPatient, session: SessionDep) -> dict[str, int]:
    from app.reminders import push
    push.subscribe(session, patient.id, body.endpoint, body.keys.p256dh, body.keys.auth)
    return {"subscriptions": push.count_for(session, patient.id)}


@router.delete("/me/push-subscriptions", status_code=204)
def remove_push_subscription(body: PushSubscriptionIn, patient: CurrentPatient, session: SessionDep) -> Response:
    from app.reminders import push
    if not push.unsubscribe(session, patient.id, body.endpoint):
        raise NotFound(_t('No such push subscription.'))
    return Response(status_code=204)
