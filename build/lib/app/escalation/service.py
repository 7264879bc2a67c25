"""Escalation pathways from the deployment's data file (ICBT_ESCALATION_FILE)."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import ValidationError

from app.config import ConfigError, Settings
from app.escalation.schemas import TIERS, HelpOut, Pathway, PathwayOut, Pathways, Tier

_loaded: Pathways | None = None


def load(path: Path) -> Pathways:
    try:
        data = yaml.safe_load(path.read_text())
    except FileNotFoundError:
        raise ConfigError(f"escalation file {path} does not exist (ICBT_ESCALATION_FILE)") from None
    except yaml.YAMLError as e:
        raise ConfigError(f"escalation file {path} is not valid YAML: {str(e).splitlines()[0]}") from None
    try:
        return Pathways.model_validate(data)
    except ValidationError as e:
        err = e.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or "(top level)"
        raise ConfigError(f"escalation file {path}: {where}: {err['msg']}") from None


def load_and_validate(settings: Settings) -> None:
    global _loaded
    _loaded = load(settings.escalation_file)


def pathways() -> Pathways:
    global _loaded
    if _loaded is None:
        from app.config import get_settings
        _loaded = load(get_settings().escalation_file)
    return _loaded


def pathway(tier: Tier) -> Pathway:
    return pathways().tiers[tier]


def pathway_out(tier: Tier) -> PathwayOut:
    p = pathway(tier)
    return PathwayOut(tier=tier, title=p.title, message=p.message, resources=p.resources)


def help_out() -> HelpOut:
    p = pathways()
    return HelpOut(region=p.region, example=p.example, notice=p.notice, care_team=p.care_team,
                   tiers=[pathway_out(t) for t in TIERS])
