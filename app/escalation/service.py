"""Escalation pathways from the deployment's data file (ICBT_ESCALATION_FILE)."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import ValidationError

from app.config import ConfigError, Settings
from app.escalation.schemas import TIERS, HelpOut, Pathway, PathwayOut, Pathways, Resource, Section, Tier

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
        problems = ["{}: {}".format(".".join(str(p) for p in err["loc"]) or "(top level)", err["msg"])
                    for err in e.errors()]
        raise ConfigError(f"escalation file {path}: " + "; ".join(problems)) from None


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


#: which tiers' resources a page for each tier shows, most urgent first (clinical-rules.md §4):
#: urgent and emergency pages start with the emergency line; every page keeps the lower tiers'.
SHOWN_TIERS: dict[str, tuple[Tier, ...]] = {
    "emergency": ("emergency", "urgent", "routine"),
    "urgent": ("emergency", "urgent", "routine"),
    "routine": ("routine",),
}
HEADINGS = {"emergency": "If you might act on these thoughts now",
            "urgent": "Talk to someone today",
            "routine": "Other help"}


def _key(r: Resource) -> tuple[str, str | None, str | None]:
    return (r.name.strip().lower(), r.tel, r.sms)


def sections(tiers: tuple[Tier, ...]) -> list[Section]:
    """The tiers' resources, in the order given, each service once (the first tier keeps it)."""
    p = pathways()
    seen: set[tuple[str, str | None, str | None]] = set()
    out = []
    for t in tiers:
        rs = [r for r in p.tiers[t].resources if _key(r) not in seen]
        seen.update(_key(r) for r in rs)
        if rs:
            out.append(Section(tier=t, heading=HEADINGS[t], resources=rs))
    return out


def pathway_out(tier: Tier) -> PathwayOut:
    p = pathway(tier)
    secs = sections(SHOWN_TIERS[tier])
    return PathwayOut(tier=tier, title=p.title, message=p.message,
                      resources=[r for s in secs for r in s.resources], sections=secs)


def help_out() -> HelpOut:
    p = pathways()
    return HelpOut(region=p.region, example=p.example, notice=p.notice, care_team=p.care_team,
                   tiers=[pathway_out(t) for t in TIERS], sections=sections(TIERS))
