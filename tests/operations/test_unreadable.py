"""Security item 29: one value that fails to decrypt makes only that value unreadable (shown
as such, logged with table and row id); the pages and lists that include it still answer 200."""

from __future__ import annotations

import logging

from sqlalchemy import select

from app.accounts.models import User
from app.diary.models import DiaryEntry
from app.security.crypto import Ciphertext
from tests.factories import api_token, assign, browser_login, make_user


def _damage(blob: bytes) -> Ciphertext:
    b = bytearray(blob)
    b[-1] ^= 0x01
    return Ciphertext(bytes(b))


def test_damaged_values_are_contained(client, anon_client, session, caplog):
    patient = make_user(session, "patient", name="Robin Canary")
    clinician = make_user(session, "clinician")
    admin = make_user(session, "admin")
    assign(session, patient, clinician)
    r = client.post("/api/v1/diary", json={"mood": 4, "note": "a note that will be damaged"},
                    headers=api_token(client, patient))
    assert r.status_code == 201, r.text
    entry = session.scalars(select(DiaryEntry).where(DiaryEntry.patient_id == patient.id)).one()
    entry.note_enc = _damage(entry.note_enc)
    user = session.get(User, patient.id)
    user.display_name_enc = _damage(user.display_name_enc)
    session.commit()

    caplog.set_level(logging.ERROR, logger="icbt.crypto")
    browser_login(client, patient)
    for path in ("/", "/diary", "/account"):
        r = client.get(path)
        assert r.status_code == 200, (path, r.status_code)
    diary = client.get("/diary").text
    assert "will be damaged" not in diary  # JSON-stored values read as absent; names show the placeholder
    assert "could not be read" in client.get("/account").text

    browser_login(anon_client, clinician)
    for path in ("/clinician", f"/clinician/patients/{patient.id}"):
        r = anon_client.get(path)
        assert r.status_code == 200, (path, r.status_code)
        assert "could not be read" in r.text
    anon_client.cookies.clear()
    browser_login(anon_client, admin)
    r = anon_client.get("/admin")
    assert r.status_code == 200
    logged = " ".join(rec.getMessage() for rec in caplog.records)
    assert f"table=diary_entries column=note_enc row={entry.id}" in logged
    assert f"table=users column=display_name_enc row={patient.id}" in logged
    assert "damaged" not in logged and "Robin" not in logged
