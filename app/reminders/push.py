"""Web push for reminders (pywebpush, VAPID), with e-mail as the fallback.

The push carries no payload at all: the service worker (static/push-sw.js) shows a fixed,
content-free notification ("Steady Steps: something is ready for you", NOTIFICATION_TEXT, in
the language the patient's pages were in when they turned notifications on) and opens the
site. So nothing about the patient passes through the browser vendor's push service.

VAPID keys live in the key-ring file as an optional entry, read and written only here:
    "vapid": {"private_pem": "-----BEGIN PRIVATE KEY-----...", "public_key": "<base64url point>"}
`icbt init-vapid` adds it (development: run it once after `icbt init-keys`).

Delivery (app.mail.service.deliver_due, outside any transaction): a reminder to a patient who
chose push goes to each of their subscriptions; if at least one accepts it the outbox message
is sent (channel push). A subscription the push service says is gone (404/410) is removed; if
no push got through, the same message goes by e-mail at once.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app import clock
from app.errors import InvalidInput
from app.reminders.models import PushSubscription
from app.security import crypto
from app.i18n import N_, _t  # noqa: F401 - interface text (app.i18n)

log = logging.getLogger("icbt.push")
PUSH_TIMEOUT_SECONDS = 10
PUSH_TTL_SECONDS = 24 * 3600
#: What every notification says (static/push-sw.js holds it per language; a test keeps the two equal)
NOTIFICATION_TEXT = N_("Something is ready for you.")


# ---------------------------------------------------------------- VAPID keys (key-ring entry)


def _keys_file() -> Path | None:
    from app.config import get_settings
    return get_settings().resolved_keys_file


def vapid_entry(path: Path | None = None) -> dict[str, str] | None:
    """The optional "vapid" entry of the key-ring file, or None."""
    path = path or _keys_file()
    if path is None or not path.exists():
        return None
    entry = json.loads(path.read_text()).get("vapid")
    return entry if isinstance(entry, dict) and entry.get("private_pem") and entry.get("public_key") else None


def add_vapid(path: Path) -> dict[str, str]:
    """Generate VAPID keys into the key-ring file (keeping everything else in it). Refuses if present."""
    import os

    from cryptography.hazmat.primitives import serialization
    from py_vapid import Vapid02

    data = json.loads(path.read_text())
    if isinstance(data.get("vapid"), dict):
        raise InvalidInput(_t('%(path)s already has VAPID keys', path=path), field="vapid")
    v = Vapid02()
    v.generate_keys()
    raw = v.public_key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    data["vapid"] = {"private_pem": v.private_pem().decode(),
                     "public_key": base64.urlsafe_b64encode(raw).decode().rstrip("=")}
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(data, f, indent=2)
    os.replace(tmp, path)
    return data["vapid"]


def public_key() -> str | None:
    e = vapid_entry()
    return e["public_key"] if e else None


# ---------------------------------------------------------------- subscriptions


def _hash(endpoint: str) -> str:
    return hashlib.sha256(endpoint.encode()).hexdigest()


def _check_endpoint(endpoint: str) -> None:
    """https only (a loopback http address outside production, for local testing): the
    server will POST to this address, so it must not be a way into the internal network."""
    from app.config import get_settings
    u = urlparse(endpoint)
    loopback = u.hostname in ("127.0.0.1", "localhost", "::1")
    if u.scheme == "https" and u.hostname and not loopback:
        return
    if u.scheme == "http" and loopback and get_settings().env.value != "production":
        return
    raise InvalidInput(_t('A push address must be an https address from your browser.'), field="endpoint")


def subscribe(session: Session, patient_id: uuid.UUID, endpoint: str, p256dh: str, auth: str) -> PushSubscription:
    _check_endpoint(endpoint)
    h = _hash(endpoint)
    row = session.scalar(select(PushSubscription).where(PushSubscription.endpoint_hash == h))
    if row is not None and row.patient_id != patient_id:  # the browser changed hands: start afresh
        session.delete(row)
        session.flush()
        row = None
    new = row is None
    if row is None:
        row = PushSubscription(id=uuid.uuid4(), patient_id=patient_id, endpoint_hash=h, created_at=clock.now())
    with session.no_autoflush:
        crypto.seal(session, row, "endpoint_enc", endpoint)
        crypto.seal_json(session, row, "keys_enc", {"p256dh": p256dh, "auth": auth})
    if new:
        session.add(row)
    session.flush()
    return row


def unsubscribe(session: Session, patient_id: uuid.UUID, endpoint: str) -> bool:
    n = session.execute(delete(PushSubscription).where(PushSubscription.patient_id == patient_id,
                                                       PushSubscription.endpoint_hash == _hash(endpoint))).rowcount
    session.flush()
    return bool(n)


def count_for(session: Session, patient_id: uuid.UUID) -> int:
    return len(list(session.scalars(select(PushSubscription.id).where(PushSubscription.patient_id == patient_id))))


@dataclass(frozen=True)
class Target:
    id: uuid.UUID
    info: dict[str, Any]   # pywebpush subscription_info


def targets(session: Session, patient_id: uuid.UUID) -> list[Target]:
    """The patient's push subscriptions, if they chose push and the server has VAPID keys."""
    from app.reminders import service
    if service.prefs_of(session, patient_id).channel != "push" or vapid_entry() is None:
        return []
    rows = session.scalars(select(PushSubscription).where(PushSubscription.patient_id == patient_id))
    out = []
    for r in rows:
        try:  # an unreadable subscription is skipped (logged); the reminder then goes by e-mail
            out.append(Target(r.id, {"endpoint": crypto.unseal(session, r, "endpoint_enc", strict=True),
                                     "keys": crypto.unseal_json(session, r, "keys_enc", strict=True)}))
        except crypto.DecryptionError:
            log.error("push subscription %s could not be decrypted; skipped", r.id)
    return out


def send_one(target: Target, vapid: dict[str, str] | None = None) -> str:
    """Push an empty message: "ok", "gone" (404/410: remove it) or "failed"."""
    from py_vapid import Vapid02
    from pywebpush import WebPushException, webpush

    from app.config import get_settings
    vapid = vapid or vapid_entry()
    if vapid is None:
        return "failed"
    key = Vapid02.from_pem(vapid["private_pem"].encode())
    sub = get_settings().mail_from if "@" in get_settings().mail_from else "push@localhost"
    try:
        webpush(target.info, data=None, vapid_private_key=key, vapid_claims={"sub": f"mailto:{sub}"},
                timeout=PUSH_TIMEOUT_SECONDS, ttl=PUSH_TTL_SECONDS)
    except WebPushException as e:
        status = getattr(e.response, "status_code", None)
        log.info("push failed (%s)", status)
        return "gone" if status in (404, 410) else "failed"
    except Exception as e:  # noqa: BLE001 - network trouble: fall back to e-mail
        log.info("push failed: %s", type(e).__name__)
        return "failed"
    return "ok"


def remove(session: Session, sub_id: uuid.UUID) -> None:
    session.execute(delete(PushSubscription).where(PushSubscription.id == sub_id))


def mark_ok(session: Session, sub_id: uuid.UUID) -> None:
    row = session.get(PushSubscription, sub_id)
    if row is not None:
        row.last_ok_at = clock.now()
