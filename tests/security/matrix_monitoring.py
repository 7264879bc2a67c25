"""Route x role matrix: the monitoring domain.

The deterioration monitor has no routes of its own: it runs inside the check-in and diary
requests (monitoring.hooks), in the background worker and as `icbt monitor`. "I am not safe
right now" (POST /not-safe, POST /api/v1/not-safe) is listed in matrix_safety.py."""

from __future__ import annotations

from tests.security.access import Entry

ENTRIES: dict[tuple[str, str], Entry] = {}
