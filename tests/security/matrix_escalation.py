"""The help page and its JSON twin: public, no sign-in, ever."""

from tests.security.access import Access, Entry

ENTRIES = {
    ("GET", "/help"): Entry(Access.PUBLIC),
    ("GET", "/api/v1/help"): Entry(Access.PUBLIC),
}
