"""HL7 FHIR R4 Bundle of a patient's check-ins (pure: builds dicts, reads nothing).

- one Patient;
- one QuestionnaireResponse per check-in (status "completed", `questionnaire` the LOINC panel
  form), each item's `linkId` its LOINC code and its answer a LOINC answer code
  (LA6568-5 "Not at all" .. LA6571-9 "Nearly every day"); a missing item has no answer. The
  difficulty question is carried as text: the PHQ-9's under its LOINC code 69722-7, the
  GAD-7's with no code (clinical-rules.md §2: no guessed codes);
- one Observation per valid total (44261-6 PHQ-9, 70274-6 GAD-7), category "survey",
  `interpretation` the severity band, `derivedFrom` its QuestionnaireResponse.

Every Bundle the tests build is checked against HL7's official FHIR R4 JSON schema
(tests/fhir/fhir.schema.json.gz) and read back: each total is recomputed from its items.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from app.assessments import scoring

LOINC = "http://loinc.org"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
TOTAL_DISPLAY = {
    "phq9": "Patient Health Questionnaire 9 item (PHQ-9) total score [Reported]",
    "gad7": "Generalized anxiety disorder 7 item (GAD-7) total score [Reported.PHQ]",
}
BAND_DISPLAY = {"minimal": "Minimal", "mild": "Mild", "moderate": "Moderate",
                "moderately_severe": "Moderately severe", "severe": "Severe"}
_NS = uuid.UUID("7c1f2a52-5b8e-4d0c-9a55-17a4f0d1e017")  # stable ids for derived resources


@dataclass(frozen=True)
class PatientInfo:
    id: uuid.UUID
    email: str | None
    display_name: str | None


@dataclass(frozen=True)
class CheckIn:
    id: uuid.UUID
    instrument: str
    answers: Sequence[int | None]
    difficulty: int | None
    total: int | None
    severity: str | None
    taken_at: datetime


def _dt(value: datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.isoformat(timespec="seconds")


def _urn(ident: uuid.UUID) -> str:
    return f"urn:uuid:{ident}"


def severity_system(base_url: str) -> str:
    return f"{base_url.rstrip('/')}/fhir/CodeSystem/severity-band"


def patient_resource(p: PatientInfo, base_url: str) -> dict[str, Any]:
    res: dict[str, Any] = {
        "resourceType": "Patient", "id": str(p.id),
        "identifier": [{"system": f"{base_url.rstrip('/')}/patient-id", "value": str(p.id)}],
        "active": True,
    }
    if p.display_name:
        res["name"] = [{"text": p.display_name}]
    if p.email:
        res["telecom"] = [{"system": "email", "value": p.email}]
    return res


def _answer_coding(value: int) -> dict[str, Any]:
    option = next(o for o in scoring.FREQUENCY_OPTIONS if o.value == value)
    return {"valueCoding": {"system": LOINC, "code": option.loinc, "display": option.label}}


def questionnaire_response(c: CheckIn, patient_ref: str) -> dict[str, Any]:
    spec = scoring.get_instrument(c.instrument)
    items: list[dict[str, Any]] = []
    for item, value in zip(spec.items, c.answers, strict=True):
        entry: dict[str, Any] = {"linkId": item.loinc, "text": item.text}
        if value is not None:
            entry["answer"] = [_answer_coding(value)]
        items.append(entry)
    if c.difficulty is not None:
        question = spec.difficulty or scoring.PHQ9_DIFFICULTY
        label = question.options[c.difficulty].label
        link = question.loinc if c.instrument == "phq9" else f"{c.instrument}-difficulty"
        items.append({"linkId": link, "text": question.text, "answer": [{"valueString": label}]})
    return {
        "resourceType": "QuestionnaireResponse", "id": str(c.id),
        "questionnaire": f"{LOINC}/q/{spec.panel_loinc}",
        "status": "completed", "subject": {"reference": patient_ref},
        "authored": _dt(c.taken_at), "item": items,
    }


def observation_id(checkin_id: uuid.UUID) -> uuid.UUID:
    return uuid.uuid5(_NS, f"total:{checkin_id}")


def total_observation(c: CheckIn, patient_ref: str, base_url: str) -> dict[str, Any] | None:
    if c.total is None:  # three or more items missing: no valid score (clinical-rules.md §1)
        return None
    spec = scoring.get_instrument(c.instrument)
    res: dict[str, Any] = {
        "resourceType": "Observation", "id": str(observation_id(c.id)), "status": "final",
        "category": [{"coding": [{"system": OBSERVATION_CATEGORY, "code": "survey", "display": "Survey"}]}],
        "code": {"coding": [{"system": LOINC, "code": spec.total_loinc, "display": TOTAL_DISPLAY[c.instrument]}],
                 "text": f"{spec.name} total score"},
        "subject": {"reference": patient_ref},
        "effectiveDateTime": _dt(c.taken_at),
        "valueInteger": c.total,
        "derivedFrom": [{"reference": _urn(c.id)}],
    }
    if c.severity:
        res["interpretation"] = [{
            "coding": [{"system": severity_system(base_url), "code": c.severity,
                        "display": BAND_DISPLAY.get(c.severity, c.severity)}],
            "text": f"{BAND_DISPLAY.get(c.severity, c.severity)} ({spec.name} severity band)"}]
    return res


def bundle(patient: PatientInfo, checkins: Sequence[CheckIn], *, base_url: str, now: datetime) -> dict[str, Any]:
    """A Bundle of type "collection": the Patient, then each check-in's
    QuestionnaireResponse followed by its total's Observation, oldest first."""
    patient_ref = _urn(patient.id)
    entries = [{"fullUrl": patient_ref, "resource": patient_resource(patient, base_url)}]
    for c in sorted(checkins, key=lambda c: c.taken_at):
        entries.append({"fullUrl": _urn(c.id), "resource": questionnaire_response(c, patient_ref)})
        obs = total_observation(c, patient_ref, base_url)
        if obs is not None:
            entries.append({"fullUrl": _urn(observation_id(c.id)), "resource": obs})
    return {"resourceType": "Bundle", "id": str(uuid.uuid4()), "type": "collection",
            "timestamp": _dt(now), "entry": entries}


def totals_from_items(qr: dict[str, Any]) -> int | None:
    """Read a QuestionnaireResponse back: map each answer code to 0-3 and score it again with
    the same rules (proration for one or two missing items)."""
    instrument = next(k for k in ("phq9", "gad7")
                      if qr["questionnaire"].endswith("/" + scoring.get_instrument(k).panel_loinc))
    spec = scoring.get_instrument(instrument)
    by_code = {o.loinc: o.value for o in scoring.FREQUENCY_OPTIONS}
    answers_by_link = {i["linkId"]: i.get("answer") for i in qr["item"]}
    answers = [by_code[a[0]["valueCoding"]["code"]] if (a := answers_by_link.get(item.loinc)) else None
               for item in spec.items]
    return scoring.score(instrument, answers).total
