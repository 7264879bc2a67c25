"""Security item 27: a well-formed key ring that is not the database's is refused at start-up;
development never makes a new key file for a database that holds data."""

from __future__ import annotations

import json

from app.security.crypto import KeyRing
from tests.operations.support import env_for, icbt


def _config_lines(r) -> list[str]:  # type: ignore[no-untyped-def]
    return [line for line in r.stderr.splitlines() if line.strip()]


def test_wrong_but_well_formed_ring_is_refused_at_start_up(data_dir):
    tmp_path = data_dir
    env = env_for(tmp_path)
    other = tmp_path / "other-keys.json"
    KeyRing.generate().save(other)  # same shape (k1 + index key), different bytes
    r = icbt({**env, "ICBT_KEYS_FILE": str(other)}, "serve", "--no-migrate", check=False, timeout=60)
    assert r.returncode == 2
    lines = _config_lines(r)
    assert len(lines) == 1, lines
    assert "key 'k1' is not the key this database was written with" in lines[0]
    assert str(other) in lines[0]


def test_wrong_index_key_alone_is_refused(data_dir):
    tmp_path = data_dir
    env = env_for(tmp_path)
    ring = json.loads((tmp_path / "keys.json").read_text())
    ring["index_key"] = KeyRing.generate().to_dict()["index_key"]
    bad = tmp_path / "bad-index.json"
    bad.write_text(json.dumps(ring))
    r = icbt({**env, "ICBT_KEYS_FILE": str(bad)}, "verify-audit", check=False)
    assert r.returncode == 2
    assert "the index key is not the key this database was written with" in r.stderr


def test_ring_missing_the_key_the_data_is_wrapped_by_is_refused(data_dir):
    tmp_path = data_dir
    env = env_for(tmp_path)
    ring = KeyRing.load(tmp_path / "keys.json")
    other = tmp_path / "renamed.json"
    ring.replace(primary="k9", keys={"k9": ring.keys["k1"]}).save(other)
    r = icbt({**env, "ICBT_KEYS_FILE": str(other)}, "verify-audit", check=False)
    assert r.returncode == 2
    assert "wrapped by key 'k1', which this key ring does not have" in r.stderr


def test_development_refuses_to_recreate_a_missing_key_file_over_data(data_dir):
    tmp_path = data_dir
    (tmp_path / "keys.json").unlink()
    env = env_for(tmp_path, ICBT_ENV="development")
    r = icbt(env, "serve", "--no-migrate", check=False, timeout=60)
    assert r.returncode == 2
    lines = _config_lines(r)
    assert len(lines) == 1, lines
    assert f"key ring file {tmp_path / 'keys.json'} is missing but the database already holds" in lines[0]
    assert not (tmp_path / "keys.json").exists()


def test_development_creates_a_key_file_for_an_empty_database(tmp_path):
    env = env_for(tmp_path, ICBT_ENV="development")
    icbt(env, "migrate")
    r = icbt(env, "verify-audit")
    assert "Created a development key file" in r.stderr
    assert (tmp_path / "keys.json").exists()
