"""Run Alembic from code (the CLI, the server start-up in Docker, the tests)."""

from __future__ import annotations

from alembic import command
from alembic.config import Config

from app.config import ROOT, get_settings


def alembic_config(url: str | None = None) -> Config:
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    cfg.attributes["database_url"] = url or get_settings().database_url
    return cfg


def upgrade(url: str | None = None, revision: str = "heads") -> None:
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str | None = None, revision: str = "base") -> None:
    command.downgrade(alembic_config(url), revision)
