"""`icbt import-scores FILE.csv`: an existing caseload's past check-ins (importer.py)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from app.cli import _boot, _session, command


@command("import-scores", "import past PHQ-9 / GAD-7 check-ins from a CSV file (all rows or none)",
         lambda p: p.add_argument("file", type=Path, help="CSV: email,instrument,taken_at,q1..q9,difficulty"))
def cmd_import_scores(ns: argparse.Namespace) -> int:
    from app.assessments import importer

    try:
        text = ns.file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as e:
        print(f"error: cannot read {ns.file}: {e}", file=sys.stderr)
        return 1
    _boot()
    import app.models  # noqa: F401 - every mapper
    with _session() as s:
        result = importer.import_scores(s, text)
        if result.errors:
            s.rollback()
            for line in result.errors:
                print(line, file=sys.stderr)
            print(f"nothing imported: {len(result.errors)} problem(s) in {ns.file}", file=sys.stderr)
            return 1
        s.commit()
    print(f"imported {result.stored} check-ins for {result.patients} patients"
          + (f"; {result.skipped} already stored were skipped" if result.skipped else ""))
    return 0
