"""The check-ins as the clinician's record shows them: the change summary in the clinician's
voice, naming what each figure is compared with (baseline, or the best score so far, the way
the reliable_deterioration alert compares), and the item-level answers.

Pure functions over AssessmentView-like objects (instrument, total, taken_at, answers)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Final

from app.assessments import change, scoring

NAMES: Final = {"phq9": "PHQ-9", "gad7": "GAD-7"}


def _day(at: datetime) -> str:
    return at.strftime("%-d %b %Y")


def _move(diff: int) -> str:
    return f"up {diff}" if diff > 0 else f"down {-diff}" if diff < 0 else "no change"


def _verdict(instrument: str, frm: int, to: int) -> str:
    result = change.reliable_change(instrument, frm, to)
    if result == change.DETERIORATION:
        return "reliable deterioration"
    if result == change.IMPROVEMENT:
        return "reliable improvement"
    return f"not a reliable change (reliable is {change.RELIABLE_CHANGE[instrument]} points or more)"


def change_line(instrument: str, views: Sequence[Any], enrolled_at: datetime) -> str:
    """One sentence for one instrument, e.g. "PHQ-9 16 on 2 Dec 2026: up 5 from baseline 11
    (14 Oct 2026): not a reliable change (...); up 8 from the best of 8 (4 Nov 2026): reliable
    deterioration." Baseline = the first valid score since enrolment; best = the lowest
    before the latest."""
    name = NAMES[instrument]
    valid = [v for v in views if v.instrument == instrument and v.total is not None and v.taken_at >= enrolled_at]
    if not valid:
        return f"{name}: no valid score since enrolment."
    last = valid[-1]
    if len(valid) == 1:
        return f"{name} {last.total} on {_day(last.taken_at)}: the baseline; nothing to compare with yet."
    base = valid[0]
    parts = [f"{_move(last.total - base.total)} from baseline {base.total} ({_day(base.taken_at)}): "
             f"{_verdict(instrument, base.total, last.total)}"]
    earlier = valid[:-1]
    best = min(earlier, key=lambda v: v.total)
    if best.total < base.total:
        parts.append(f"{_move(last.total - best.total)} from the best of {best.total} ({_day(best.taken_at)}): "
                     f"{_verdict(instrument, best.total, last.total)}")
    return f"{name} {last.total} on {_day(last.taken_at)}: " + "; ".join(parts) + "."


def outcome_line(outcome: change.EpisodeOutcome) -> str:
    """The episode's outcome so far, for the clinician."""
    return (f"Episode outcome so far (first and last scores, NHS Talking Therapies definitions): "
            f"{change.OUTCOME_WORDS[outcome.label][1]}.")


def item_rows(views: Sequence[Any], instrument: str) -> list[dict[str, Any]]:
    """Every check-in of one instrument, newest first, with its item answers; item 9 (PHQ-9)
    marked when above 0."""
    spec = scoring.INSTRUMENTS[instrument]
    out = []
    for v in reversed([v for v in views if v.instrument == instrument]):
        out.append({
            "view": v, "answers": list(v.answers),
            "item9_flag": instrument == "phq9" and v.item9 is not None and v.item9 > 0,
            "item9_missing": instrument == "phq9" and v.item9 is None,
            "n": spec.n_items,
        })
    return out
