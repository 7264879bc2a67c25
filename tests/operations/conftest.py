from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.operations import support


@pytest.fixture(scope="session")
def data_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One database with data (built by the CLI, each command a fresh process), copied per test."""
    tmp = tmp_path_factory.mktemp("template")
    support.database_with_data(tmp)
    return tmp


@pytest.fixture
def data_dir(data_template: Path, tmp_path: Path) -> Path:
    import sqlite3
    with sqlite3.connect(data_template / "icbt.db") as c:  # fold the WAL into the file first
        c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    for name in ("icbt.db", "keys.json"):
        shutil.copy2(data_template / name, tmp_path / name)
    return tmp_path
