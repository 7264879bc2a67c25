"""The caseload: filters, name search within the clinician's own patients, progress and
next-review columns."""

from __future__ import annotations

from app.monitoring import service as monitoring
from app.monitoring.rules import Flag, Tier
from tests.factories import api_token, assign, browser_login, make_user


def test_filters_and_search(client, session) -> None:  # type: ignore[no-untyped-def]
    clin = make_user(session, "clinician")
    ann = make_user(session, "patient", name="Ann Archer")
    bob = make_user(session, "patient", name="Bob Baker")
    stranger = make_user(session, "patient", name="Ann Other")      # not assigned
    assign(session, ann, clin)
    assign(session, bob, clin)
    from app.alerts import service as alerts
    monitoring.lock_patient(session, bob.id)
    alerts.raise_alert(session, bob.id, Flag("disengaged", Tier.ROUTINE, 14, "days=14"))
    session.commit()
    h = api_token(client, clin)

    def names(**params):  # type: ignore[no-untyped-def]
        r = client.get("/api/v1/clinician/patients", params=params, headers=h)
        assert r.status_code == 200, r.text
        return sorted(p["display_name"] for p in r.json()), int(r.headers["X-Total-Count"])

    assert names() == (["Ann Archer", "Bob Baker"], 2)
    assert names(q="ann") == (["Ann Archer"], 1)           # never the unassigned Ann Other
    assert names(q="  BAKER ") == (["Bob Baker"], 1)
    assert names(filter="disengaged") == (["Bob Baker"], 1)
    assert names(filter="routine") == (["Bob Baker"], 1)
    assert names(filter="urgent") == ([], 0)
    assert names(filter="not_started") == (["Ann Archer", "Bob Baker"], 2)
    assert names(filter="reviews_due") == ([], 0)
    client.post("/api/v1/messages", json={"body": "hello"}, headers=api_token(client, ann))
    assert names(filter="reviews_due") == (["Ann Archer"], 1)
    assert client.get("/api/v1/clinician/patients", params={"filter": "nonsense"}, headers=h).status_code == 422
    browser_login(client, clin)
    page = client.get("/clinician", params={"q": "bob"})
    assert page.status_code == 200 and "Bob Baker" in page.text and "Ann Archer" not in page.text
    assert "0 of 7 modules" in page.text and "Next review" in page.text
    assert stranger.id  # (used above)
