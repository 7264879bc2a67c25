"""The route x role authorization matrix (security.md item 15): the shared vocabulary.

Every route of the app must have an entry, or tests/security/test_route_matrix.py fails
(deny by default). Each domain keeps its entries in its own file,
`tests/security/matrix_<domain>.py`, exporting:

    ENTRIES: dict[tuple[str, str], Entry] = {
        ("GET", "/api/v1/diary/{entry_id}"): Entry(Access.PATIENT, make=make_diary_entry, scoped=True),
        ...
    }

keyed by (method, route path exactly as FastAPI declares it). Roles tried for every entry:
anonymous, patient A, patient B, clinician assigned to A, unassigned clinician, admin.

- Access.PUBLIC: every role gets a non-error answer (2xx/3xx, or 4xx only for bad input).
- Access.SIGNED_IN: anonymous refused (401 API / redirect to /login pages); every role allowed.
- Access.PATIENT / CLINICIAN / ADMIN: only that role; other roles 403 (404 allowed);
  anonymous 401 or redirect to /login.
- scoped=True: the object made by `make` belongs to patient A. For PATIENT routes patient B
  gets 404 with the same body as a missing id; for CLINICIAN routes the unassigned clinician
  gets 404 likewise, the assigned one is allowed.

`make(ctx)` creates what the route needs and returns its path parameters (e.g.
{"entry_id": "..."}); `body(ctx)` returns the JSON body (API) or form fields (pages; the CSRF
token is added by the test) for unsafe methods. `ok` lists the statuses that count as
"allowed" for the permitted roles (default: any status below 400, plus 422 for bodies the
route rejects as invalid input, which still proves the role check passed).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any


class Access(Enum):
    PUBLIC = "public"
    SIGNED_IN = "signed_in"
    PATIENT = "patient"
    CLINICIAN = "clinician"
    ADMIN = "admin"


@dataclass
class Ctx:
    """What `make`/`body` get: a session and the six people (tests.factories.Person)."""

    session: Any
    patient_a: Any
    patient_b: Any
    clinician: Any            # assigned to patient A
    other_clinician: Any      # assigned to nobody
    admin: Any
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Entry:
    access: Access
    make: Callable[[Ctx], dict[str, str]] | None = None
    body: Callable[[Ctx], dict[str, Any]] | None = None
    scoped: bool = False
    ok: tuple[int, ...] = ()
