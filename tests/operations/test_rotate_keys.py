"""Security item 26: `icbt rotate-keys` as its own process, atomic."""

from __future__ import annotations

import json
import sqlite3

from tests.operations.support import env_for, icbt, read_all


def _kek_ids(tmp) -> list[str]:  # type: ignore[no-untyped-def]
    with sqlite3.connect(tmp / "icbt.db") as c:
        return [r[0] for r in c.execute("SELECT kek_id FROM data_keys ORDER BY rowid")]


def test_rotate_then_retire_reads_everything_with_only_the_new_key(data_dir):
    tmp_path = data_dir
    env = env_for(tmp_path)
    before = read_all(env)
    assert before > 10  # e-mails, names, diary notes, check-ins...
    assert set(_kek_ids(tmp_path)) == {"k1"}

    out = icbt(env, "rotate-keys").stdout
    assert "new primary key k2" in out
    assert set(_kek_ids(tmp_path)) == {"k2"}
    ring = json.loads((tmp_path / "keys.json").read_text())
    assert ring["primary"] == "k2" and set(ring["keys"]) == {"k1", "k2"}

    out = icbt(env, "rotate-keys", "--retire-old").stdout
    assert "new primary key k3" in out and "retired keys: k1, k2" in out
    ring = json.loads((tmp_path / "keys.json").read_text())
    assert set(ring["keys"]) == {"k3"}, "only the new key is left"
    assert set(_kek_ids(tmp_path)) == {"k3"}
    assert read_all(env) == before
    # ...and the server's own start-up checks accept the rotated ring
    assert "intact" in icbt(env, "verify-audit").stdout


def test_rotation_failing_part_way_leaves_key_file_and_database_unchanged(data_dir):
    tmp_path = data_dir
    env = env_for(tmp_path)
    # The last data key (in the order rotation visits them) is damaged: rotation re-wraps the
    # others first, then fails.
    with sqlite3.connect(tmp_path / "icbt.db") as c:
        assert c.execute("SELECT count(*) FROM data_keys").fetchone()[0] >= 3
        c.execute("UPDATE data_keys SET wrapped = zeroblob(60) WHERE rowid = (SELECT max(rowid) FROM data_keys)")
    ring_before = (tmp_path / "keys.json").read_bytes()
    with sqlite3.connect(tmp_path / "icbt.db") as c:
        keys_before = c.execute("SELECT owner_id, kek_id, wrapped FROM data_keys ORDER BY rowid").fetchall()

    r = icbt(env, "rotate-keys", check=False)
    assert r.returncode == 1
    assert "rotation stopped, nothing changed" in r.stderr
    assert "Traceback" not in r.stderr
    assert (tmp_path / "keys.json").read_bytes() == ring_before
    assert not (tmp_path / "keys.json.tmp").exists()
    with sqlite3.connect(tmp_path / "icbt.db") as c:
        assert c.execute("SELECT owner_id, kek_id, wrapped FROM data_keys ORDER BY rowid").fetchall() == keys_before

    # A retry after the same failure adds no key either.
    icbt(env, "rotate-keys", check=False)
    assert (tmp_path / "keys.json").read_bytes() == ring_before


def test_key_ring_keeps_entries_it_does_not_know(data_dir):
    tmp_path = data_dir
    env = env_for(tmp_path)
    path = tmp_path / "keys.json"
    data = json.loads(path.read_text())
    data["vapid"] = {"public": "abc", "private": "def"}
    path.write_text(json.dumps(data))
    icbt(env, "rotate-keys", "--retire-old")
    assert json.loads(path.read_text())["vapid"] == {"public": "abc", "private": "def"}
