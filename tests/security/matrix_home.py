"""`/`: a welcome for visitors, the patient's home, and a redirect for the other roles."""

from tests.security.access import Access, Entry

ENTRIES = {
    ("GET", "/"): Entry(Access.PUBLIC),
}
