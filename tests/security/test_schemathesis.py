"""security.md item 20: fuzzing every operation of /openapi.json, as anonymous and as each
role (bearer token), never gets a 5xx. Bounded: a few positive and a few negative examples
per operation, no deadline, no example database (about a minute for all four roles)."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from app.accounts.models import Role
from tests.factories import PASSWORD, make_user

EXAMPLES = 15
ROLES = [None, Role.patient, Role.clinician, Role.admin]


def bearer(client, email: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    r = client.post("/api/v1/auth/token", data={"username": email, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r.value if r else "anonymous")
def test_no_server_errors(app, client, session, role):
    from app.accounts import service as accounts

    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    me = make_user(session, role) if role else None
    if role == Role.patient:  # give the patient a clinician, so clinician-side code has data too
        clinician = make_user(session, Role.clinician)
        accounts.assign(session, me.user, clinician.user)
        session.commit()
    auth: dict[str, dict[str, str]] = {"h": bearer(client, me.email) if me else {}}

    failures: list[str] = []
    operations = [r.ok() for r in schema.get_all_operations()]
    assert operations, "no operations in /openapi.json"
    for op in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                      suppress_health_check=list(HealthCheck))
            @given(case=op.as_strategy(generation_mode=mode))
            def run(case):  # type: ignore[no-untyped-def]
                resp = case.call(headers={**(case.headers or {}), **auth["h"]})
                if resp.status_code >= 500:
                    failures.append(f"{op.method.upper()} {op.path} ({mode.value}): {resp.status_code} "
                                    f"{resp.text[:200]!r}\n    {case.as_curl_command()}")
                if me and client.get("/api/v1/me", headers=auth["h"]).status_code != 200:
                    auth["h"] = bearer(client, me.email)  # the fuzzer signed out, or changed the password

            try:
                run()
            except Unsatisfiable:
                pass  # e.g. no invalid input exists for an operation without parameters
    assert not failures, f"{len(failures)} server error(s):\n" + "\n".join(failures[:20])
