"""The deployment's monitor settings: ONE function builds the MonitoringConfig.

Every threshold, window and deadline of the deterioration monitor is a field of
`rules.MonitoringConfig` (defaults: clinical-rules.md §4). A deployment overrides any of them
with an environment variable named after the field:

    ICBT_MONITORING_<FIELD NAME IN CAPITALS>

- whole-number fields (days, points, counts): an integer, e.g. ``ICBT_MONITORING_DISENGAGED_DAYS=21``
- decimal fields (the expected-recovery curve): a number, e.g. ``ICBT_MONITORING_CURVE_BAND_WIDTH=4.5``
- acknowledgement deadlines ``ACK_EMERGENCY``, ``ACK_URGENT``, ``ACK_ROUTINE``: hours (decimals
  allowed), or ``none`` for no deadline, e.g. ``ICBT_MONITORING_ACK_URGENT=8``

Two operational settings of the scheduled job live here too:

- ``ICBT_MONITORING_RECHECK_MINUTES`` (default 60): how often each patient's time rules
  (disengaged, missed check-in, reminders) are evaluated;
- ``ICBT_MONITORING_SCHEDULE_SECONDS`` (default 300): how often the background worker runs
  the schedule (overdue alerts are escalated on that beat).

A malformed value stops the server and the CLI at start-up with a one-line ConfigError.
`icbt monitor --show-config` prints the configuration in force.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from datetime import timedelta
from functools import lru_cache
from typing import Any

from app.config import ConfigError
from app.monitoring.rules import MonitoringConfig

PREFIX = "ICBT_MONITORING_"
RECHECK_MINUTES_DEFAULT = 60
SCHEDULE_SECONDS_DEFAULT = 300

_TIMEDELTA_FIELDS = {"ack_emergency", "ack_urgent", "ack_routine"}


def env_name(field: str) -> str:
    return PREFIX + field.upper()


def _parse(field: dataclasses.Field, raw: str) -> Any:  # type: ignore[type-arg]
    name = env_name(field.name)
    text = raw.strip()
    if field.name in _TIMEDELTA_FIELDS:
        if text.lower() in ("none", "off", ""):
            return None
        try:
            hours = float(text)
        except ValueError:
            raise ConfigError(f"{name} must be a number of hours or 'none', not {raw!r}") from None
        if not hours > 0:
            raise ConfigError(f"{name} must be more than 0 hours (or 'none')")
        return timedelta(hours=hours)
    default = field.default
    if isinstance(default, bool) or not isinstance(default, (int, float)):
        raise ConfigError(f"{name}: this setting cannot be configured")  # pragma: no cover
    try:
        value: int | float = int(text) if isinstance(default, int) else float(text)
    except ValueError:
        kind = "a whole number" if isinstance(default, int) else "a number"
        raise ConfigError(f"{name} must be {kind}, not {raw!r}") from None
    if value < 0:
        raise ConfigError(f"{name} must not be negative")
    return value


def build_config(environ: Mapping[str, str] | None = None) -> MonitoringConfig:
    """The MonitoringConfig in force: defaults overridden by ICBT_MONITORING_* variables."""
    env = os.environ if environ is None else environ
    overrides: dict[str, Any] = {}
    for f in dataclasses.fields(MonitoringConfig):
        raw = env.get(env_name(f.name))
        if raw is not None:
            overrides[f.name] = _parse(f, raw)
    try:
        return MonitoringConfig(**overrides)
    except ValueError as e:
        raise ConfigError(f"ICBT_MONITORING_*: {e}") from None


def _positive(environ: Mapping[str, str], name: str, default: float) -> float:
    raw = environ.get(PREFIX + name)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{PREFIX}{name} must be a number, not {raw!r}") from None
    if not value > 0:
        raise ConfigError(f"{PREFIX}{name} must be more than 0")
    return value


def recheck_interval(environ: Mapping[str, str] | None = None) -> timedelta:
    env = os.environ if environ is None else environ
    return timedelta(minutes=_positive(env, "RECHECK_MINUTES", RECHECK_MINUTES_DEFAULT))


def schedule_seconds(environ: Mapping[str, str] | None = None) -> float:
    env = os.environ if environ is None else environ
    return _positive(env, "SCHEDULE_SECONDS", SCHEDULE_SECONDS_DEFAULT)


@lru_cache
def get_config() -> MonitoringConfig:
    """The configuration the monitor uses (read once per process; tests clear the cache)."""
    return build_config()


def load_and_validate(settings: object = None) -> None:
    """Start-up check (same signature as the other data checks): raises ConfigError."""
    get_config.cache_clear()
    get_config()
    recheck_interval()
    schedule_seconds()


def describe(config: MonitoringConfig | None = None) -> list[str]:
    """One line per setting: its variable and the value in force."""
    config = config or get_config()
    lines = []
    for f in dataclasses.fields(MonitoringConfig):
        value = getattr(config, f.name)
        if isinstance(value, timedelta):
            value = f"{value.total_seconds() / 3600:g} h"
        lines.append(f"{env_name(f.name)} = {value}")
    lines.append(f"{PREFIX}RECHECK_MINUTES = {recheck_interval().total_seconds() / 60:g}")
    lines.append(f"{PREFIX}SCHEDULE_SECONDS = {schedule_seconds():g}")
    return lines
