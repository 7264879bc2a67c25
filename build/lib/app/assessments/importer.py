"""Bring an existing caseload's past check-ins in (`icbt import-scores FILE.csv`).

Format (one check-in a row, header first):

    email,instrument,taken_at,q1,q2,q3,q4,q5,q6,q7,q8,q9,difficulty

`instrument` phq9 or gad7; `taken_at` ISO 8601 with a UTC offset, not in the future; q1-q9
whole numbers 0-3 (an empty cell is a missing answer, scored as clinical-rules.md §1 says:
one or two prorated, three or more no valid total); q8 and q9 empty for the GAD-7;
`difficulty` empty or 0-3. Existing patients only.

Every row is checked before any is stored: one bad row and nothing from the file is stored,
every problem is reported with its line number. Imported check-ins are marked (`imported_at`)
and raise no alerts (they are the past); the patient's enrolment moves back to their earliest
imported score, and the monitor's kept history is rebuilt, so the rules judge the next
check-in against them. A row already stored (same patient, instrument and time) is skipped,
so a file can be imported again safely.
"""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import clock
from app.accounts import service as accounts
from app.accounts.models import Role, User
from app.assessments import scoring
from app.assessments.models import Assessment
from app.errors import InvalidInput
from app.security import crypto

HEADER: Final = ["email", "instrument", "taken_at", "q1", "q2", "q3", "q4", "q5", "q6", "q7", "q8", "q9",
                 "difficulty"]


@dataclass(frozen=True, slots=True)
class Row:
    line: int
    patient: User
    instrument: str
    taken_at: datetime
    answers: list[int | None]
    difficulty: int | None
    total: int | None


@dataclass
class ImportResult:
    rows: list[Row] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    stored: int = 0
    skipped: int = 0
    patients: int = 0


def _answer(cell: str, line: int, name: str, errors: list[str]) -> int | None:
    text = cell.strip()
    if text == "":
        return None
    if not text.isdigit() or not scoring.ITEM_MIN <= int(text) <= scoring.ITEM_MAX:
        errors.append(f"line {line}: {name}: answer {text!r} is not a whole number from "
                      f"{scoring.ITEM_MIN} to {scoring.ITEM_MAX}")
        return None
    return int(text)


def parse(session: Session, text: str, now: datetime | None = None) -> ImportResult:
    """Check every row; nothing is stored. `result.errors` lists every problem by line."""
    now = now or clock.now()
    out = ImportResult()
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
    except StopIteration:
        out.errors.append("line 1: the file is empty; the first line must be the header " + ",".join(HEADER))
        return out
    if [h.strip().lower() for h in header] != HEADER:
        out.errors.append("line 1: the header must be exactly " + ",".join(HEADER))
        return out
    patients: dict[str, User | None] = {}
    for cells in reader:
        line = reader.line_num
        if not any(c.strip() for c in cells):
            continue  # a blank line
        if len(cells) != len(HEADER):
            out.errors.append(f"line {line}: {len(cells)} columns; each row needs {len(HEADER)} ({','.join(HEADER)})")
            continue
        errors: list[str] = []
        email, instrument, taken_raw = (c.strip() for c in cells[:3])
        key = accounts.normalise_email(email)
        if key not in patients:
            user = accounts.find_by_email(session, email) if email else None
            patients[key] = user if user is not None and user.role == Role.patient else None
        patient = patients[key]
        if patient is None:
            errors.append(f"line {line}: email: no patient with the e-mail address {email!r}")
        spec = scoring.INSTRUMENTS.get(instrument.lower())
        if spec is None:
            errors.append(f"line {line}: instrument: {instrument!r} is not phq9 or gad7")
        try:
            taken_at = datetime.fromisoformat(taken_raw)
            if taken_at.tzinfo is None or taken_at.utcoffset() is None:
                errors.append(f"line {line}: taken_at: {taken_raw!r} has no UTC offset (e.g. 2026-03-02T09:00:00+00:00)")
            elif taken_at > now:
                errors.append(f"line {line}: taken_at: {taken_raw!r} is in the future")
        except ValueError:
            errors.append(f"line {line}: taken_at: {taken_raw!r} is not an ISO 8601 date and time")
            taken_at = None  # type: ignore[assignment]
        item_cells = cells[3:12]
        answers: list[int | None] = []
        n = spec.n_items if spec else 9
        for i, cell in enumerate(item_cells, start=1):
            if i > n:
                if cell.strip():
                    errors.append(f"line {line}: q{i}: the {spec.name if spec else ''} has {n} items, "
                                  f"so q{i} must be empty (wrong item count)")
                continue
            answers.append(_answer(cell, line, f"q{i}", errors))
        difficulty = _answer(cells[12], line, "difficulty", errors)
        total = None
        if spec is not None and not errors:
            try:
                from app.assessments import service
                total = service.validate(spec.key, answers, difficulty).total
            except InvalidInput as e:
                errors.append(f"line {line}: {e.field or 'answers'}: {e.detail}")
        if errors:
            out.errors.extend(errors)
            continue
        assert patient is not None and spec is not None
        out.rows.append(Row(line, patient, spec.key, taken_at, answers, difficulty, total))
    if not out.rows and not out.errors:
        out.errors.append("line 2: the file has no check-ins after the header")
    return out


def _exists(session: Session, row: Row) -> bool:
    return session.scalar(select(Assessment.id).where(
        Assessment.patient_id == row.patient.id, Assessment.instrument == row.instrument,
        Assessment.taken_at == row.taken_at).limit(1)) is not None


def _seal(session: Session, a: Assessment, column: str, value: object) -> None:
    crypto.seal(session, a, column, json.dumps(value, separators=(",", ":")))


def store(session: Session, rows: Iterable[Row]) -> tuple[int, int, int]:
    """Store checked rows (no monitor: past scores raise no alerts); move each patient's
    enrolment back to their earliest score; rebuild the monitor's kept history.
    Returns (stored, skipped as already stored, patients). Only flushes."""
    now = clock.now()
    stored = skipped = 0
    touched: dict[uuid.UUID, User] = {}
    for row in rows:
        if _exists(session, row):
            skipped += 1
            continue
        a = Assessment(id=uuid.uuid4(), patient_id=row.patient.id, instrument=row.instrument,
                       taken_at=row.taken_at, imported_at=now, created_at=now, updated_at=now)
        _seal(session, a, "answers_enc", row.answers)
        _seal(session, a, "total_enc", row.total)
        _seal(session, a, "difficulty_enc", row.difficulty)
        _seal(session, a, "flags_enc", [])
        session.add(a)
        stored += 1
        touched[row.patient.id] = row.patient
        earliest = row.taken_at
        if earliest < accounts.enrolled_at(row.patient):
            row.patient.enrolled_at = earliest  # "enrolment moves back to the earliest score"
    session.flush()
    for pid in touched:
        try:
            from app.monitoring import service as monitoring
        except ModuleNotFoundError:  # pragma: no cover - the monitor is part of the app
            break
        monitoring.refresh_summary(session, pid)
    return stored, skipped, len(touched)


def import_scores(session: Session, text: str) -> ImportResult:
    """Check all rows, then store them all, or nothing if any row is bad."""
    result = parse(session, text)
    if result.errors:
        return result
    result.stored, result.skipped, result.patients = store(session, result.rows)
    return result
