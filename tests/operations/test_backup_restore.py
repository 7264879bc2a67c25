"""The backup-and-restore drill (security item 25, and issue 14 "Done when"): `icbt backup` of
a live database, a fresh data directory with the key file, a server that starts and reads a
canary back; then the same after a key rotation."""

from __future__ import annotations

import json
import shutil
import urllib.parse
import urllib.request
import uuid

from tests.operations.support import Server, env_for, icbt

PASSWORD = "a long unusual passphrase 42"


def _read_name(server: Server, email: str) -> str:
    data = urllib.parse.urlencode({"username": email, "password": PASSWORD}).encode()
    with urllib.request.urlopen(server.url + "/api/v1/auth/token", data=data, timeout=30) as r:
        token = json.loads(r.read())["access_token"]
    req = urllib.request.Request(server.url + "/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read())["display_name"]


def _restore(backup, keys, into):  # type: ignore[no-untyped-def]
    into.mkdir()
    shutil.copy2(backup, into / "icbt.db")
    shutil.copy2(keys, into / "keys.json")
    return env_for(into)


def test_backup_restore_drill_before_and_after_rotation(data_dir, tmp_path_factory):
    env = env_for(data_dir)
    canary = f"CANARY-{uuid.uuid4().hex[:8]}"
    email = f"{canary.lower()}@example.org"
    icbt({**env, "ICBT_NEW_PASSWORD": PASSWORD}, "create-user", "--role", "patient", "--email", email,
         "--name", canary)
    work = tmp_path_factory.mktemp("drill")

    live = Server(env)  # the backup is taken while the server runs
    try:
        assert _read_name(live, email) == canary
        out = icbt(env, "backup", str(work / "backup-1.db")).stdout
        assert "Keep the key ring file too" in out
    finally:
        live.stop()

    restored = Server(_restore(work / "backup-1.db", data_dir / "keys.json", work / "restore-1"), migrate=True)
    try:
        assert restored.get("/healthz")[0] == 200
        assert _read_name(restored, email) == canary
    finally:
        restored.stop()

    icbt(env, "rotate-keys", "--retire-old")
    icbt(env, "backup", str(work / "backup-2.db"))
    shutil.copy2(data_dir / "keys.json", work / "keys-after-rotation.json")
    restored = Server(_restore(work / "backup-2.db", work / "keys-after-rotation.json", work / "restore-2"), migrate=True)
    try:
        assert _read_name(restored, email) == canary
    finally:
        restored.stop()
    assert "intact" in icbt(env_for(work / "restore-2"), "verify-audit").stdout

    # The key file from before the rotation cannot open the later backup: refused, named.
    stale = _restore(work / "backup-2.db", work / "restore-1" / "keys.json", work / "restore-3")
    r = icbt(stale, "serve", "--no-migrate", check=False, timeout=60)
    assert r.returncode == 2 and "which this key ring does not have" in r.stderr
