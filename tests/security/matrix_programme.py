"""The programme: modules, lesson pages, check your understanding, finishing a module.

Module content is the same for every patient (not scoped); module 1 is open from enrolment,
so both patients are allowed on it."""

from tests.security.access import Access, Ctx, Entry

M1 = "thoughts-feelings-actions"


def module(ctx: Ctx) -> dict[str, str]:
    return {"slug": M1}


def page(ctx: Ctx) -> dict[str, str]:
    return {"slug": M1, "page_slug": "the-five-areas"}


ENTRIES = {
    ("GET", "/api/v1/modules"): Entry(Access.PATIENT),
    ("GET", "/api/v1/modules/{slug}"): Entry(Access.PATIENT, make=module),
    ("POST", "/api/v1/modules/{slug}/progress"): Entry(Access.PATIENT, make=module,
                                                       body=lambda ctx: {"page": "welcome"}),
    ("POST", "/api/v1/modules/{slug}/quiz"): Entry(Access.PATIENT, make=module,
                                                   body=lambda ctx: {"answers": [0, 1]}),
    ("POST", "/api/v1/modules/{slug}/complete"): Entry(Access.PATIENT, make=module),
    ("GET", "/modules"): Entry(Access.PATIENT),
    ("GET", "/modules/{slug}"): Entry(Access.PATIENT, make=module),
    ("GET", "/modules/{slug}/pages/{page_slug}"): Entry(Access.PATIENT, make=page),
    ("GET", "/modules/{slug}/quiz"): Entry(Access.PATIENT, make=module),
    ("POST", "/modules/{slug}/quiz"): Entry(Access.PATIENT, make=module, body=lambda ctx: {"q0": "0", "q1": "1"}),
    ("POST", "/modules/{slug}/complete"): Entry(Access.PATIENT, make=module),
    ("GET", "/modules/{slug}/finished"): Entry(Access.PATIENT, make=module),
    ("GET", "/learn/depression-and-anxiety"): Entry(Access.PATIENT),
}
