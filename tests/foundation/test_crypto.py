"""security.md items 2-6: bound ciphertexts, fresh nonces, fail closed, rotation, erasure."""

from __future__ import annotations

import base64
import json
import uuid

import pytest
from sqlalchemy import select, text

from app.accounts import service as accounts
from app.accounts.models import User
from app.security import crypto
from tests.factories import make_user


def _owner_key(session, owner):  # type: ignore[no-untyped-def]
    return crypto.data_key(session, owner)


def test_round_trip_and_stored_bytes_are_not_plaintext(session):
    p = make_user(session, "patient", email="canary-person@example.org")
    raw = session.execute(text("SELECT email_enc FROM users WHERE id = :id"),
                          {"id": p.id if session.bind.dialect.name == "postgresql" else p.id.hex}).scalar_one()
    assert b"canary-person" not in bytes(raw)
    assert accounts.email_of(session, session.get(User, p.id)) == "canary-person@example.org"


def test_same_plaintext_twice_gives_different_ciphertexts(session):
    owner = make_user(session).id
    dek = _owner_key(session, owner)
    row = uuid.uuid4()
    a = crypto.encrypt_with(dek, "t", "c", row, owner, b"same words")
    b = crypto.encrypt_with(dek, "t", "c", row, owner, b"same words")
    assert a != b
    assert crypto.decrypt_with(dek, "t", "c", row, owner, a) == b"same words"


@pytest.mark.parametrize("index", [0, 5, 20, -1])
def test_flipped_byte_fails_closed(session, index):
    owner = make_user(session).id
    dek = _owner_key(session, owner)
    row = uuid.uuid4()
    blob = bytearray(crypto.encrypt_with(dek, "t", "c", row, owner, b"secret note"))
    blob[index] ^= 0x01
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt_with(dek, "t", "c", row, owner, bytes(blob))


def test_ciphertext_moved_to_another_row_column_table_or_person_fails(session):
    a = make_user(session).id
    b = make_user(session).id
    dek_a = _owner_key(session, a)
    row, other_row = uuid.uuid4(), uuid.uuid4()
    blob = crypto.encrypt_with(dek_a, "diary_entries", "note", row, a, b"A's private note")
    assert crypto.decrypt_with(dek_a, "diary_entries", "note", row, a, blob) == b"A's private note"
    for table, column, r in [("diary_entries", "note", other_row), ("diary_entries", "emotions", row),
                             ("homework_entries", "note", row)]:
        with pytest.raises(crypto.DecryptionError):
            crypto.decrypt_with(dek_a, table, column, r, a, blob)
    # Another patient's row: their own key and their own id. Never shows A's text.
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt_with(_owner_key(session, b), "diary_entries", "note", row, b, blob)
    # Even if the same key were used, the owner id in the associated data differs.
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt_with(dek_a, "diary_entries", "note", row, b, blob)


def test_copied_email_ciphertext_to_another_user_row_fails(session):
    a = make_user(session, email="a-copy@example.org")
    b = make_user(session, email="b-copy@example.org")
    ua, ub = session.get(User, a.id), session.get(User, b.id)
    ub.email_enc = ua.email_enc
    session.flush()
    with pytest.raises(crypto.DecryptionError):
        crypto.unseal(session, ub, "email_enc", strict=True)
    assert accounts.email_of(session, ub) is crypto.UNREADABLE  # never a's address


def test_encrypted_column_refuses_plaintext(session):
    p = make_user(session)
    u = session.get(User, p.id)
    u.email_enc = b"plain@example.org"  # bytes, not Ciphertext
    with pytest.raises(Exception) as exc:
        session.flush()
    assert "refuses plaintext" in str(exc.value)
    session.rollback()


def test_rotation_reads_old_data_then_old_key_can_be_removed(session, keys_file):
    p = make_user(session, email="rotate-me@example.org")
    ring1 = crypto.get_keyring()
    # k2 becomes primary: data wrapped under k1 still reads.
    ring2 = ring1.with_new_primary()
    crypto.set_keyring(ring2)
    fresh = session.get_bind()
    s2 = session.__class__(bind=fresh)
    assert accounts.email_of(s2, s2.get(User, p.id)) == "rotate-me@example.org"
    # rotate-keys re-wraps under k2; then k1 can go.
    assert crypto.rotate(s2, ring2) >= 1
    s2.commit()
    only_k2 = crypto.KeyRing(primary=ring2.primary, keys={ring2.primary: ring2.keys[ring2.primary]},
                             index_key=ring2.index_key)
    crypto.set_keyring(only_k2)
    s3 = session.__class__(bind=fresh)
    assert accounts.email_of(s3, s3.get(User, p.id)) == "rotate-me@example.org"
    assert accounts.find_by_email(s3, "ROTATE-ME@example.org") is not None
    s2.close(), s3.close()


def test_without_rotation_removing_old_key_fails_closed(session):
    p = make_user(session)
    ring1 = crypto.get_keyring()
    ring2 = ring1.with_new_primary()
    crypto.set_keyring(crypto.KeyRing(primary=ring2.primary, keys={ring2.primary: ring2.keys[ring2.primary]},
                                      index_key=ring2.index_key))
    s2 = session.__class__(bind=session.get_bind())
    with pytest.raises(crypto.DecryptionError):
        crypto.unseal(s2, s2.get(User, p.id), "email_enc", strict=True)
    s2.close()


def test_erasing_data_key_makes_remaining_ciphertext_unreadable(session):
    p = make_user(session)
    u = session.get(User, p.id)
    blob = u.email_enc
    crypto.erase_data_key(session, p.id)
    session.commit()
    s2 = session.__class__(bind=session.get_bind())
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt_with(crypto.data_key(s2, p.id), "users", "email_enc", p.id, p.id, blob)
    s2.close()


@pytest.mark.parametrize("content,problem", [
    ("not json", "not readable JSON"),
    (json.dumps({"primary": "k1", "keys": {}}), "non-empty"),
    (json.dumps({"primary": "k9", "keys": {"k1": base64.b64encode(b"x" * 32).decode()},
                 "index_key": base64.b64encode(b"y" * 32).decode()}), "'primary' must name"),
    (json.dumps({"primary": "k1", "keys": {"k1": base64.b64encode(b"short").decode()},
                 "index_key": base64.b64encode(b"y" * 32).decode()}), "must be 32 bytes"),
    (json.dumps({"primary": "k1", "keys": {"k1": "%%%not-base64"},
                 "index_key": base64.b64encode(b"y" * 32).decode()}), "not valid base64"),
])
def test_malformed_key_ring_is_refused_with_one_line(tmp_path, content, problem):
    from app.config import ConfigError
    f = tmp_path / "keys.json"
    f.write_text(content)
    with pytest.raises(ConfigError) as exc:
        crypto.KeyRing.load(f)
    assert problem in str(exc.value)
    assert "\n" not in str(exc.value)


#: Indexed columns with few values that are allowed, each with its reason (docs/security.md).
ALLOWED_LOW_CARDINALITY = {
    # the caseload's sort key: the rank of the highest *open alert* tier, the same fact as the
    # plain alerts.tier the inbox sorts by; no score, band, mood or item 9 answer is indexed
    ("caseload_rows", "top_rank"),
}


def test_no_searchable_index_on_low_cardinality_health_fields(database):
    """security.md item 7: no index on a field with few possible values."""
    from app.models import Base
    low_cardinality = {"item9", "total", "severity", "mood", "tier", "score", "band"}
    for table in Base.metadata.sorted_tables:
        for index in table.indexes:
            cols = {c.name for c in index.columns}
            suspect = {c for c in cols if c in low_cardinality or c.endswith(("_rank", "_tier", "_score", "_band"))
                       or c.startswith(("item9", "mood"))}
            bad = {c for c in suspect if (table.name, c) not in ALLOWED_LOW_CARDINALITY}
            assert not bad, f"index {index.name} on {table.name}.{bad}"
