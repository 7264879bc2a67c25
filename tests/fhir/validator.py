"""Validate FHIR R4 resources against HL7's official JSON schema (see README.md)."""

from __future__ import annotations

import gzip
import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import jsonschema

SCHEMA = Path(__file__).with_name("fhir.schema.json.gz")


@lru_cache(maxsize=1)
def _validator() -> jsonschema.Draft6Validator:
    schema = json.loads(gzip.decompress(SCHEMA.read_bytes()))
    assert schema["id"] == "http://hl7.org/fhir/json-schema/4.0"
    return jsonschema.Draft6Validator(schema)


def errors(resource: dict[str, Any]) -> list[str]:
    """Schema violations (empty when valid). Each entry's resource is also checked against
    its own definition, which gives far clearer messages than the Bundle's oneOf."""
    v = _validator()
    found = [f"{'/'.join(map(str, e.absolute_path))}: {e.message[:300]}" for e in v.iter_errors(resource)]
    if found and resource.get("resourceType") == "Bundle":
        defs = v.schema["definitions"]
        for i, entry in enumerate(resource.get("entry", [])):
            res = entry.get("resource", {})
            sub = {"$ref": f"#/definitions/{res.get('resourceType')}", "definitions": defs}
            for e in jsonschema.Draft6Validator(sub).iter_errors(res):
                found.append(f"entry/{i}/resource/{'/'.join(map(str, e.absolute_path))}: {e.message[:300]}")
    return found


def assert_valid(resource: dict[str, Any]) -> None:
    problems = errors(resource)
    assert not problems, "FHIR R4 schema violations:\n" + "\n".join(problems[:20])
