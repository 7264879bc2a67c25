"""Every page of every module renders and passes axe, in a real browser; with
ICBT_MODULE_INTERVAL_DAYS=0 each module opens as soon as the one before is finished."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PHONE, Journey, LiveServer, api_patient, make_live_server, sign_in, unique_email


@pytest.fixture(scope="module")
def no_wait_server(tmp_path_factory) -> LiveServer:  # type: ignore[no-untyped-def]
    server = make_live_server(tmp_path_factory.mktemp("interval0"), ICBT_MODULE_INTERVAL_DAYS="0")
    server.start()
    yield server
    server.stop()


def test_every_module_page_is_accessible_and_opens_at_once_with_interval_zero(page, no_wait_server, shots):
    base = no_wait_server.url
    email = unique_email("modules")
    api = api_patient(base, email, name="Sam")
    # The weekly check-in comes before each week's module: do it once (all within 6 days).
    r = api.post("/api/v1/assessments", json={"instrument": "phq9", "answers": [1, 1, 1, 1, 1, 0, 0, 0, 0],
                                              "difficulty": 1})
    assert r.status_code == 201, r.text
    r = api.post("/api/v1/assessments", json={"instrument": "gad7", "answers": [1, 1, 0, 0, 0, 0, 0],
                                              "difficulty": 1})   # the weekly check-in is the pair
    assert r.status_code == 201, r.text
    page.set_viewport_size(PHONE)
    sign_in(page, base, email)
    j = Journey(page, base, shots)
    j.check()
    modules = api.get("/api/v1/modules").json()
    assert [m["number"] for m in modules] == list(range(1, 8))
    pages_seen = 0
    for i in range(len(modules)):
        m = api.get("/api/v1/modules").json()[i]
        assert m["status"] in ("available", "in_progress"), f"module {m['number']} is {m['status']}"
        detail = api.get(f"/api/v1/modules/{m['slug']}").json()
        assert "pages" in detail, (m, detail)
        j.goto(f"/modules/{m['slug']}")
        for lesson in detail["pages"]:
            j.goto(f"/modules/{m['slug']}/pages/{lesson['slug']}")
            expect(page.get_by_role("heading", level=1, name=lesson["title"], exact=True)).to_be_visible()
            pages_seen += 1
        j.goto(f"/modules/{m['slug']}/quiz")
        for exercise in detail["homework"]:
            j.goto(f"/homework/{exercise['slug']}")
            expect(page.get_by_role("heading", level=1, name=exercise["title"])).to_be_visible()
        assert api.post(f"/api/v1/modules/{m['slug']}/complete").status_code == 200
        if i + 1 < len(modules):
            nxt = api.get("/api/v1/modules").json()[i + 1]
            assert nxt["status"] == "available", f"module {nxt['number']} did not open at once: {nxt}"
    j.goto("/modules", "all-finished")
    j.goto("/workbook/print")
    j.done()
    assert pages_seen >= 7 * 4
    api.close()
