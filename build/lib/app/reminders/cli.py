"""`icbt init-vapid`: add VAPID keys for web push to the key-ring file."""

from __future__ import annotations

import argparse

from app.cli import command
from app.config import ConfigError, get_settings


@command("init-vapid", "add VAPID keys (web push) to the key ring file at ICBT_KEYS_FILE (refuses to replace them)")
def cmd_init_vapid(ns: argparse.Namespace) -> int:
    from app.reminders import push

    path = get_settings().resolved_keys_file
    if path is None or not path.exists():
        raise ConfigError("set ICBT_KEYS_FILE to an existing key ring (icbt init-keys creates one)")
    if push.vapid_entry(path) is not None:
        print(f"{path} already has VAPID keys; nothing changed")
        return 1
    entry = push.add_vapid(path)
    print(f"added VAPID keys to {path}; public key {entry['public_key']}")
    return 0
