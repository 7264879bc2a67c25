"""FHIR R4 export: every Bundle validates against HL7's official JSON schema; read back, each
total is recomputed from its items and matches its Observation."""

from __future__ import annotations

import copy
import uuid
from datetime import UTC, datetime

from app import clock
from app.privacy import fhir
from tests.factories import api_token, assign, make_user
from tests.fhir.validator import assert_valid, errors
from tests.privacy.support import fill

LOINC_TOTALS = {"phq9": "44261-6", "gad7": "70274-6"}
ANSWER_CODES = {"LA6568-5": 0, "LA6569-3": 1, "LA6570-1": 2, "LA6571-9": 3}


def check_bundle(b: dict) -> dict[str, int]:
    """Validate, then read back: returns the number of each resource type."""
    assert_valid(b)
    by_url = {e["fullUrl"]: e["resource"] for e in b["entry"]}
    kinds: dict[str, int] = {}
    for res in by_url.values():
        kinds[res["resourceType"]] = kinds.get(res["resourceType"], 0) + 1
    assert kinds.get("Patient") == 1
    for res in by_url.values():
        if res["resourceType"] != "Observation":
            continue
        code = res["code"]["coding"][0]
        assert code["system"] == "http://loinc.org" and code["code"] in LOINC_TOTALS.values()
        qr = by_url[res["derivedFrom"][0]["reference"]]
        assert qr["resourceType"] == "QuestionnaireResponse" and qr["status"] == "completed"
        items = [i for i in qr["item"] if i["linkId"] not in ("69722-7", "gad7-difficulty")]
        assert all(i["answer"][0]["valueCoding"]["code"] in ANSWER_CODES for i in items if "answer" in i)
        # recompute the total from the answer codes, independently of the app's code
        if all("answer" in i for i in items):
            assert res["valueInteger"] == sum(ANSWER_CODES[i["answer"][0]["valueCoding"]["code"]] for i in items)
        assert res["valueInteger"] == fhir.totals_from_items(qr)
        assert res["interpretation"][0]["coding"][0]["code"]
    return kinds


def test_patient_bundle_validates_and_totals_recompute(client, session):  # type: ignore[no-untyped-def]
    with clock.frozen(datetime(2026, 3, 2, 9, 0, tzinfo=UTC)):
        p = make_user(session, name="Sam Patient")
        fill(session, p)
    h = api_token(client, p)
    r = client.get("/api/v1/me/export/fhir", headers=h)
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/fhir+json")
    b = r.json()
    assert check_bundle(b) == {"Patient": 1, "QuestionnaireResponse": 4, "Observation": 4}
    patient = b["entry"][0]["resource"]
    assert patient["name"] == [{"text": "Sam Patient"}] and patient["telecom"][0]["value"] == p.email
    phq = next(e["resource"] for e in b["entry"] if e["resource"]["resourceType"] == "QuestionnaireResponse")
    assert [i["linkId"] for i in phq["item"]][:9] == ["44250-9", "44255-8", "44259-0", "44254-1", "44251-7",
                                                      "44258-2", "44252-5", "44253-3", "44260-8"]
    obs = [e["resource"] for e in b["entry"] if e["resource"]["resourceType"] == "Observation"]
    assert [(o["code"]["coding"][0]["code"], o["valueInteger"], o["interpretation"][0]["coding"][0]["code"])
            for o in obs] == [("44261-6", 12, "moderate"), ("70274-6", 9, "mild"),
                              ("44261-6", 4, "minimal"), ("70274-6", 2, "minimal")]


def test_clinician_bundle_assigned_only(client, session):  # type: ignore[no-untyped-def]
    c, other = make_user(session, "clinician"), make_user(session, "clinician")
    with clock.frozen(datetime(2026, 3, 2, 9, 0, tzinfo=UTC)):
        p = make_user(session)
        assign(session, p, c)
        fill(session, p, weeks=1)
    r = client.get(f"/api/v1/clinician/patients/{p.id}/fhir", headers=api_token(client, c))
    assert r.status_code == 200
    assert check_bundle(r.json()) == {"Patient": 1, "QuestionnaireResponse": 2, "Observation": 2}
    assert client.get(f"/api/v1/clinician/patients/{p.id}/fhir", headers=api_token(client, other)).status_code == 404
    from sqlalchemy import select

    from app.audit.models import AuditEvent
    session.rollback()
    acts = session.scalars(select(AuditEvent.action).where(AuditEvent.patient_id == p.id)).all()
    assert "export.fhir.clinician" in acts


def test_missing_items_and_no_valid_total() -> None:
    """Pure builder: one missing item is prorated and still recomputes; three missing give no
    Observation; every Bundle validates."""
    pid = uuid.uuid4()
    at = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
    one_missing = fhir.CheckIn(uuid.uuid4(), "phq9", [3, 3, 3, 3, None, 3, 3, 3, 0], 2, 24, "severe", at)  # 21 x 9 / 8 = 23.6 -> 24
    three_missing = fhir.CheckIn(uuid.uuid4(), "gad7", [1, None, None, None, 1, 1, 1], None, None, None, at)
    b = fhir.bundle(fhir.PatientInfo(pid, None, None), [one_missing, three_missing],
                    base_url="https://clinic.example", now=at)
    kinds = check_bundle(b)
    assert kinds == {"Patient": 1, "QuestionnaireResponse": 2, "Observation": 1}


def test_the_schema_catches_what_fhir_resources_would_not() -> None:
    """The validator is real: a wrong status code and an unknown element are refused."""
    at = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
    good = fhir.bundle(fhir.PatientInfo(uuid.uuid4(), "a@example.org", None),
                       [fhir.CheckIn(uuid.uuid4(), "gad7", [1] * 7, None, 7, "mild", at)],
                       base_url="https://clinic.example", now=at)
    assert errors(good) == []
    bad_status = copy.deepcopy(good)
    bad_status["entry"][2]["resource"]["status"] = "done"
    assert errors(bad_status)
    bad_element = copy.deepcopy(good)
    bad_element["entry"][1]["resource"]["item"][0]["code"] = [{"code": "69725-0"}]  # not in R4 QR.item
    assert errors(bad_element)
