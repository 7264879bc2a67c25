"""Imports every domain's models so that Base.metadata is complete (Alembic, tests)."""

from importlib import import_module

from app.db import Base

MODEL_MODULES = [
    "app.accounts.models", "app.security.crypto", "app.audit.models",
    "app.diary.models", "app.assessments.models", "app.programme.models", "app.homework.models",
    "app.mail.models", "app.monitoring.models", "app.alerts.models", "app.safety.models",
    "app.contact.models",
    "app.messages.models", "app.guided.models",
    "app.reminders.models",
    "app.privacy.models",
    "app.caseload.models",
]

for _name in MODEL_MODULES:
    try:
        import_module(_name)
    except ModuleNotFoundError as e:
        if not (e.name and _name.startswith(e.name)):
            raise

__all__ = ["Base"]
