"""Routes of the app itself (app/main.py)."""

from tests.security.access import Access, Entry

ENTRIES = {
    ("GET", "/healthz"): Entry(Access.PUBLIC),
    ("GET", "/favicon.ico"): Entry(Access.PUBLIC),
}
