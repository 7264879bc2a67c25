"""Change between scores: reliable change, CORC combination, recovery, response, remission.

Pure functions over totals (clinical-rules.md §3). Baseline = the first valid score of
that instrument after enrolment; the caller passes totals since enrolment, oldest first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from app.assessments.scoring import GAD7_CASENESS, PHQ9_CASENESS, get_instrument

# --------------------------------------------------------------------------------------
# Thresholds (the one place they live)
# --------------------------------------------------------------------------------------

#: Reliable change index thresholds (Jacobson & Truax 1991; NHS Talking Therapies):
#: a change of at least this many points, in either direction, is reliable.
PHQ9_RELIABLE_CHANGE: Final = 6
GAD7_RELIABLE_CHANGE: Final = 4
RELIABLE_CHANGE: Final[dict[str, int]] = {
    "phq9": PHQ9_RELIABLE_CHANGE,
    "gad7": GAD7_RELIABLE_CHANGE,
}
#: Response: PHQ-9 fell by 50% or more from baseline, as a fraction NUM/DEN.
RESPONSE_FALL_NUM: Final = 1
RESPONSE_FALL_DEN: Final = 2
#: Remission: PHQ-9 below this total.
PHQ9_REMISSION_BELOW: Final = 5
#: Minimal clinically important difference for PHQ-9 (Löwe et al. 2004).
PHQ9_MCID: Final = 5

IMPROVEMENT: Final = "improvement"
DETERIORATION: Final = "deterioration"
NO_RELIABLE_CHANGE: Final = "no_reliable_change"
NOT_APPLICABLE: Final = "not_applicable"
RECOVERED: Final = "recovered"
NOT_RECOVERED: Final = "not_recovered"


def _check_total(instrument: str, total: object, what: str) -> int:
    spec = get_instrument(instrument)
    if type(total) is not int or not 0 <= total <= spec.max_total:
        raise ValueError(f"{what}: {spec.name} total must be a whole number 0-{spec.max_total}")
    return total


def _check_optional(instrument: str, total: object, what: str) -> int | None:
    return None if total is None else _check_total(instrument, total, what)


def reliable_change(instrument: str, baseline_total: int, latest_total: int) -> str:
    """'improvement' if the total fell by >= threshold, 'deterioration' if it rose by
    >= threshold, else 'no_reliable_change'. Thresholds are inclusive: PHQ-9 6, GAD-7 4
    (Jacobson & Truax 1991; NHS Talking Therapies)."""
    baseline = _check_total(instrument, baseline_total, "baseline")
    latest = _check_total(instrument, latest_total, "latest")
    threshold = RELIABLE_CHANGE[instrument]
    if latest - baseline >= threshold:
        return DETERIORATION
    if baseline - latest >= threshold:
        return IMPROVEMENT
    return NO_RELIABLE_CHANGE


def combined_reliable_change(phq: str | None, gad: str | None) -> str:
    """CORC combination of per-measure results (None = measure not available).

    'deterioration' if at least one measure reliably deteriorated; 'improvement' if at
    least one reliably improved and none deteriorated; else 'no_reliable_change';
    'not_applicable' when neither measure is available.
    """
    results = [r for r in (phq, gad) if r is not None]
    for r in results:
        if r not in (IMPROVEMENT, DETERIORATION, NO_RELIABLE_CHANGE):
            raise ValueError(f"unknown reliable change result {r!r}")
    if not results:
        return NOT_APPLICABLE
    if DETERIORATION in results:
        return DETERIORATION
    if IMPROVEMENT in results:
        return IMPROVEMENT
    return NO_RELIABLE_CHANGE


def _any_at_or_above(values: Sequence[tuple[int | None, int]]) -> bool | None:
    """True if any known value >= its cut-off; False if all known and below; else None."""
    if any(v is not None and v >= cut for v, cut in values):
        return True
    if all(v is not None for v, _ in values):
        return False
    return None


def recovery(
    phq_baseline: int | None,
    gad_baseline: int | None,
    phq_latest: int | None,
    gad_latest: int | None,
) -> str:
    """NHS Talking Therapies recovery: a case at baseline (PHQ-9 >= 10 or GAD-7 >= 8) and
    below caseness on both measures at the latest score.

    Returns 'recovered', 'not_recovered', or 'not_applicable' (not a case at baseline).
    [design] With a measure missing, the answer is given only when the available scores
    decide it: any latest score at caseness is 'not_recovered'; otherwise, if a needed
    score is missing, 'not_applicable'.
    """
    pb = _check_optional("phq9", phq_baseline, "PHQ-9 baseline")
    gb = _check_optional("gad7", gad_baseline, "GAD-7 baseline")
    pl = _check_optional("phq9", phq_latest, "PHQ-9 latest")
    gl = _check_optional("gad7", gad_latest, "GAD-7 latest")
    case_at_baseline = _any_at_or_above([(pb, PHQ9_CASENESS), (gb, GAD7_CASENESS)])
    if not case_at_baseline:  # False (not a case) or None (cannot tell)
        return NOT_APPLICABLE
    case_at_latest = _any_at_or_above([(pl, PHQ9_CASENESS), (gl, GAD7_CASENESS)])
    if case_at_latest is None:
        return NOT_APPLICABLE
    return NOT_RECOVERED if case_at_latest else RECOVERED


def _reliable_change_or_none(
    instrument: str, baseline: int | None, latest: int | None
) -> str | None:
    if baseline is None or latest is None:
        return None
    return reliable_change(instrument, baseline, latest)


def reliable_recovery(
    phq_baseline: int | None,
    gad_baseline: int | None,
    phq_latest: int | None,
    gad_latest: int | None,
) -> str:
    """Reliable recovery = recovery and (combined CORC) reliable improvement.

    Returns 'recovered', 'not_recovered' or 'not_applicable' (as for recovery()).
    """
    rec = recovery(phq_baseline, gad_baseline, phq_latest, gad_latest)
    if rec != RECOVERED:
        return rec
    combined = combined_reliable_change(
        _reliable_change_or_none("phq9", phq_baseline, phq_latest),
        _reliable_change_or_none("gad7", gad_baseline, gad_latest),
    )
    return RECOVERED if combined == IMPROVEMENT else NOT_RECOVERED


def response(baseline_total: int, latest_total: int) -> bool | None:
    """PHQ-9 response: the total fell by 50% or more from baseline.

    [design] None (not applicable) when the baseline is 0: there is nothing to halve.
    Integer arithmetic: (baseline - latest) / baseline >= 1/2.
    """
    baseline = _check_total("phq9", baseline_total, "baseline")
    latest = _check_total("phq9", latest_total, "latest")
    if baseline == 0:
        return None
    return (baseline - latest) * RESPONSE_FALL_DEN >= baseline * RESPONSE_FALL_NUM


def remission(latest_total: int) -> bool:
    """PHQ-9 remission: latest total < 5."""
    return _check_total("phq9", latest_total, "latest") < PHQ9_REMISSION_BELOW


def clinically_important_improvement(baseline_total: int, latest_total: int) -> bool:
    """PHQ-9 fell by at least the MCID (5 points; Löwe et al. 2004)."""
    baseline = _check_total("phq9", baseline_total, "baseline")
    return baseline - _check_total("phq9", latest_total, "latest") >= PHQ9_MCID


@dataclass(frozen=True, slots=True)
class ChangeSummary:
    """Everything a result page needs about change since baseline.

    *_baseline is the first total, *_latest the last (None if no score). Fields that
    compare two scores are None (or 'not_applicable') until that instrument has at
    least two scores: *_change (latest - baseline, positive = worse),
    *_reliable_change, phq9_response, phq9_remission, phq9_mcid_improvement.
    Recovery uses only instruments with two or more scores for the latest value.
    """

    phq9_baseline: int | None
    phq9_latest: int | None
    phq9_change: int | None
    phq9_reliable_change: str | None
    gad7_baseline: int | None
    gad7_latest: int | None
    gad7_change: int | None
    gad7_reliable_change: str | None
    combined_reliable_change: str
    recovery: str
    reliable_recovery: str
    phq9_response: bool | None
    phq9_remission: bool | None
    phq9_mcid_improvement: bool | None


def summarise_change(phq_history: Sequence[int], gad_history: Sequence[int]) -> ChangeSummary:
    """Summarise change; each history is the valid totals since enrolment, oldest first
    (baseline = first)."""
    phq = [_check_total("phq9", t, f"PHQ-9 history[{i}]") for i, t in enumerate(phq_history)]
    gad = [_check_total("gad7", t, f"GAD-7 history[{i}]") for i, t in enumerate(gad_history)]
    pb = phq[0] if phq else None
    gb = gad[0] if gad else None
    # "latest" for change purposes only once there is a follow-up score.
    pl = phq[-1] if len(phq) >= 2 else None
    gl = gad[-1] if len(gad) >= 2 else None
    phq_rc = _reliable_change_or_none("phq9", pb, pl)
    gad_rc = _reliable_change_or_none("gad7", gb, gl)
    return ChangeSummary(
        phq9_baseline=pb,
        phq9_latest=phq[-1] if phq else None,
        phq9_change=None if pl is None or pb is None else pl - pb,
        phq9_reliable_change=phq_rc,
        gad7_baseline=gb,
        gad7_latest=gad[-1] if gad else None,
        gad7_change=None if gl is None or gb is None else gl - gb,
        gad7_reliable_change=gad_rc,
        combined_reliable_change=combined_reliable_change(phq_rc, gad_rc),
        recovery=recovery(pb, gb, pl, gl),
        reliable_recovery=reliable_recovery(pb, gb, pl, gl),
        phq9_response=None if pl is None or pb is None else response(pb, pl),
        phq9_remission=None if pl is None else remission(pl),
        phq9_mcid_improvement=(
            None if pl is None or pb is None else clinically_important_improvement(pb, pl)
        ),
    )
