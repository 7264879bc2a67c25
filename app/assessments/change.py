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


# --------------------------------------------------------------------------------------
# The episode's outcome (clinical-rules.md §5; NHS Talking Therapies definitions)
# --------------------------------------------------------------------------------------

#: Outcome labels, most specific first: `episode_outcome` picks the first that holds.
#: A reliable deterioration outranks everything else that can hold at the same time (one
#: measure may rise reliably while both end below caseness): it must never be hidden by a
#: "recovery". "not_applicable" is for a patient not at caseness at baseline with no
#: reliable change; "not_enough_data" (fewer than two valid scores of an instrument used)
#: is kept apart from it, so missing data are never counted as exclusions.
OUTCOME_LABELS: Final = ("not_enough_data", "reliable_deterioration", "reliable_recovery", "recovery",
                         "reliable_improvement", "not_applicable", "no_reliable_change")
#: Plain words for the labels: for patients (first) and clinicians (second).
OUTCOME_WORDS: Final[dict[str, tuple[str, str]]] = {
    "reliable_recovery": ("Your scores have come down by a reliable amount and are now below the levels at "
                          "which services usually offer help.", "Reliable recovery"),
    "recovery": ("Your scores are now below the levels at which services usually offer help.", "Recovery"),
    "reliable_improvement": ("Your scores have come down by more than week-to-week ups and downs.",
                             "Reliable improvement"),
    "reliable_deterioration": ("At least one of your scores has gone up by more than week-to-week ups and "
                               "downs. Please talk this over with your care team.", "Reliable deterioration"),
    "no_reliable_change": ("Your scores have not changed by more than week-to-week ups and downs.",
                           "No reliable change"),
    "not_applicable": ("Your scores were already below the levels at which services usually offer help when "
                       "you started, so recovery does not apply.", "Not applicable (not at caseness at baseline)"),
    "not_enough_data": ("There are not yet enough check-ins to say how things have changed.",
                        "Not enough data (fewer than two scores of a measure used)"),
}


@dataclass(frozen=True)
class EpisodeOutcome:
    """The outcome of one episode from its first and last valid scores. None = not
    applicable or not enough data (see `label`, one of OUTCOME_LABELS)."""

    enough_data: bool
    at_caseness: bool | None
    reliable_improvement: bool | None
    reliable_deterioration: bool | None
    recovery: bool | None
    reliable_recovery: bool | None
    label: str


def episode_outcome(phq_totals: Sequence[int], gad_totals: Sequence[int]) -> EpisodeOutcome:
    """The episode's outcome (NHS Talking Therapies; CORC combination), from the valid totals
    of each instrument in the episode, oldest first (None entries are skipped).

    An instrument is "used" when it has any score; there is enough data when every
    instrument used has at least two. Then, comparing first and last: at caseness = PHQ-9
    >= 10 or GAD-7 >= 8 at the first score of any instrument used; reliable improvement =
    at least one measure reliably improved and none reliably deteriorated; reliable
    deterioration = at least one reliably deteriorated; recovery (only when at caseness,
    else None) = below caseness at the last score of every instrument used; reliable
    recovery = recovery and reliable improvement."""
    series = {"phq9": [t for t in phq_totals if t is not None], "gad7": [t for t in gad_totals if t is not None]}
    for instrument, totals in series.items():
        for t in totals:
            _check_total(instrument, t, "score")
    used = {k: v for k, v in series.items() if v}
    if not used or any(len(v) < 2 for v in used.values()):
        return EpisodeOutcome(False, None, None, None, None, None, "not_enough_data")
    cut = {"phq9": PHQ9_CASENESS, "gad7": GAD7_CASENESS}
    at_caseness = any(v[0] >= cut[k] for k, v in used.items())
    changes = [reliable_change(k, v[0], v[-1]) for k, v in used.items()]
    deteriorated = DETERIORATION in changes
    improved = IMPROVEMENT in changes and not deteriorated
    recovered: bool | None = None
    reliably_recovered: bool | None = None
    if at_caseness:
        recovered = all(v[-1] < cut[k] for k, v in used.items())
        reliably_recovered = recovered and improved
    if deteriorated:
        label = "reliable_deterioration"
    elif reliably_recovered:
        label = "reliable_recovery"
    elif recovered:
        label = "recovery"
    elif improved:
        label = "reliable_improvement"
    elif not at_caseness:
        label = "not_applicable"
    else:
        label = "no_reliable_change"
    return EpisodeOutcome(True, at_caseness, improved, deteriorated, recovered, reliably_recovered, label)
