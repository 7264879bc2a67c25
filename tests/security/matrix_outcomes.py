"""Route x role matrix: service outcomes and the caseload scores CSV (admins only)."""

from __future__ import annotations

from tests.security.access import Access, Entry

ENTRIES: dict[tuple[str, str], Entry] = {
    ("GET", "/admin/outcomes"): Entry(Access.ADMIN),
    ("GET", "/admin/outcomes.csv"): Entry(Access.ADMIN),
    ("GET", "/admin/scores.csv"): Entry(Access.ADMIN),
    ("GET", "/api/v1/admin/outcomes"): Entry(Access.ADMIN),
}
