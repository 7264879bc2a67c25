"""All settings in one place: environment variables with the prefix ICBT_.

Clinical defaults marked [design] in docs live here too, so a deployment can change them
without touching code (see `MonitoringSettings` in app/monitoring/rules.py for the rule
thresholds themselves).
"""

from __future__ import annotations

import os
from enum import Enum
from functools import lru_cache
from pathlib import Path

from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Templates, static files, lessons, escalation files and migrations: in ICBT_DATA_DIR when set
# (an installed wheel: the Docker image sets /srv/icbt), else beside the package (a checkout).
ROOT = Path(os.environ["ICBT_DATA_DIR"]).resolve() if os.environ.get("ICBT_DATA_DIR") \
    else Path(__file__).resolve().parent.parent
SHIPPED_ESCALATION_FILE = ROOT / "escalation" / "uk-example.yaml"


class Env(str, Enum):
    development = "development"
    test = "test"
    production = "production"


class ConfigError(Exception):
    """Bad configuration: the message is one line saying what to fix."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ICBT_", extra="ignore")

    env: Env = Env.development
    database_url: str = "sqlite:///data/icbt.db"
    keys_file: Path | None = None
    base_url: str = "http://127.0.0.1:8000"
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1

    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = True
    mail_from: str = "icbt@localhost"
    # The time zone a patient has until they choose one (IANA name; app.reminders).
    default_time_zone: str = "Europe/London"
    # The language of the interface for visitors whose browser asks for none we have, and for
    # accounts that have not chosen one (app.i18n: "en", or a catalogue under locale/, e.g. "es").
    default_locale: str = Field("en", min_length=2, max_length=16)
    # Where mail goes: "smtp" (ICBT_SMTP_HOST), or, for development without a mail server,
    # "file" (appended to ICBT_MAIL_FILE) or "console" (printed). Default: smtp, except in
    # development without ICBT_SMTP_HOST, where it is "file".
    mail_backend: Literal["smtp", "file", "console"] | None = None
    mail_file: Path = ROOT / "data" / "mail.txt"
    # New self-registered accounts confirm their address before signing in (default: on in
    # production, off elsewhere) (security item 30)
    confirm_email: bool | None = None

    escalation_file: Path = SHIPPED_ESCALATION_FILE
    content_dir: Path = ROOT / "modules_content"
    module_interval_days: int = Field(7, ge=0, le=365)
    # Patients may register themselves. Default: on in development and test, OFF in production
    # (clinics invite; issue 12). Set ICBT_SELF_REGISTRATION=true to open it.
    self_registration: bool | None = None   # None: decided by ICBT_ENV below
    # Guided support (app/messages, app/guided): days between a clinician's reviews of each
    # patient; the reply time every compose box states; extra risk phrases (comma-separated)
    # added to app/messages/risk.py's list.
    review_interval_days: int = Field(7, ge=1, le=90)
    message_reply_time: str = "within two working days"
    message_risk_phrases: str = ""
    oncall_emails: str = ""
    # The deployment states that alerts are read only on the dashboard (no e-mail): production may
    # then run without SMTP and an on-call list, and patients are told exactly that (issue 12).
    alerts_dashboard_only: bool = False
    # Region for reading phone numbers without a country code (phonenumbers), e.g. GB
    phone_region: str = Field("GB", min_length=2, max_length=2)

    # Sessions (security.md item 11)
    session_idle_minutes: int = Field(30, ge=1)
    session_absolute_hours: int = Field(12, ge=1)
    # Login throttling (security.md item 10)
    max_concurrent_hashes: int = Field(2, ge=1)
    # ...and on the whole machine, across worker processes (default: cores - 1, at least 1),
    # so that a login flood always leaves a core for everything else.
    machine_hash_slots: int | None = Field(None, ge=1)
    hash_slot_dir: Path | None = None  # default: <temp dir>/icbt-hash-slots-<uid>
    # Data rights (issue 17): who the data controller is, for the privacy page; the versions of
    # the privacy notice and terms in force (change one and everyone is asked to accept again at
    # their next sign-in); how long records are kept after the last activity.
    privacy_version: str = Field("2026-11", min_length=1, max_length=32)
    terms_version: str = Field("2026-11", min_length=1, max_length=32)
    controller_name: str = "the clinic that runs this service (set ICBT_CONTROLLER_NAME)"
    controller_address: str = ""
    controller_contact: str = ""  # e-mail or phone for privacy questions
    dpo_contact: str = ""         # data protection officer, if the clinic has one
    retention_years: int = Field(8, ge=1, le=100)  # NHS adult health records: 8 years
    complaints_authority: str = "the Information Commissioner's Office (ico.org.uk, 0303 123 1113)"
    # Largest request body accepted, in bytes (security item 28); bigger ones get 413 unread
    max_body_bytes: int = Field(1024 * 1024, ge=1024)
    # Background worker (outbox delivery, scheduled rules); off in tests
    run_worker: bool = True
    worker_interval_seconds: float = Field(5.0, gt=0)

    @model_validator(mode="after")
    def _default_self_registration(self) -> "Settings":
        if self.self_registration is None:
            self.self_registration = self.env != Env.production
        return self

    @field_validator("default_time_zone")
    @classmethod
    def _known_zone(cls, v: str) -> str:
        from app.reminders.timing import zone
        zone(v)  # ValueError (a validation error naming the setting) for a name that is not IANA
        return v

    @field_validator("default_locale")
    @classmethod
    def _known_locale(cls, v: str) -> str:
        from app.i18n import available
        if v not in available():
            raise ValueError(f"{v!r} is not one of the languages with a catalogue ({', '.join(available())})")
        return v

    @field_validator("database_url")
    @classmethod
    def _normalise_db_url(cls, v: str) -> str:
        # Accept the common postgres:// spellings and use psycopg 3.
        for prefix in ("postgres://", "postgresql://"):
            if v.startswith(prefix):
                return "postgresql+psycopg://" + v[len(prefix):]
        return v

    @model_validator(mode="after")
    def _base_url_follows_port(self) -> Settings:
        # ICBT_BASE_URL, unless set, is this machine at ICBT_PORT (links in e-mails work in development)
        if "base_url" not in self.model_fields_set:
            self.base_url = f"http://127.0.0.1:{self.port}"
        return self

    @property
    def must_confirm_email(self) -> bool:
        return self.is_production if self.confirm_email is None else self.confirm_email

    @property
    def effective_mail_backend(self) -> str:
        if self.mail_backend is not None:
            return self.mail_backend
        return "file" if self.env == Env.development and not self.smtp_host else "smtp"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def is_production(self) -> bool:
        return self.env == Env.production

    @property
    def oncall_list(self) -> list[str]:
        return [e.strip() for e in self.oncall_emails.split(",") if e.strip()]

    @property
    def resolved_keys_file(self) -> Path | None:
        if self.keys_file is not None:
            return self.keys_file
        if self.env == Env.development:
            return ROOT / "data" / "keys.json"
        return None

    def production_problems(self) -> list[str]:
        """Every way this production configuration is unsafe (empty outside production)."""
        if not self.is_production:
            return []
        out = []
        if self.keys_file is None:
            out.append("ICBT_KEYS_FILE must be set in production (path to the key ring file)")
        url = self.database_url
        if url in ("sqlite://", "sqlite:///:memory:") or ":memory:" in url:
            out.append("ICBT_DATABASE_URL is an in-memory database; production needs a real one")
        if self.base_url.startswith("http://127.0.0.1") or self.base_url.startswith("http://localhost"):
            out.append("ICBT_BASE_URL is the development default; set the public https:// address")
        elif not self.base_url.startswith("https://"):
            out.append("ICBT_BASE_URL must be an https:// address in production")
        # Alerts must reach a person (clinical-rules.md §4), or the service says they do not.
        if not self.alerts_dashboard_only:
            if not self.smtp_host:
                out.append("ICBT_SMTP_HOST is not set: urgent and emergency alerts could not be e-mailed "
                           "(or set ICBT_ALERTS_DASHBOARD_ONLY=true if alerts are read only on the dashboard)")
            if not self.oncall_list:
                out.append("ICBT_ONCALL_EMAILS is empty: emergencies of patients without a clinician would "
                           "reach nobody (or set ICBT_ALERTS_DASHBOARD_ONLY=true)")
        return out

    def check_production(self) -> None:
        """Refuse to run production with development defaults. Raises ConfigError naming
        every problem at once."""
        problems = self.production_problems()
        if problems:
            raise ConfigError(format_problems(problems))


def format_problems(problems: list[str]) -> str:
    """One problem: its line. Several: a count, then one line each (all at once, not one per try)."""
    if len(problems) == 1:
        return problems[0]
    return f"{len(problems)} problems:\n" + "\n".join(f"  - {p}" for p in problems)


@lru_cache
def get_settings() -> Settings:
    return Settings()
