"""Service outcome rates (clinical-rules.md §5), pure: no database, no clock.

Each episode's outcome comes from `app.assessments.change.episode_outcome`, the same function
a patient's record uses, so the service report and the records cannot disagree.

- finished = an episode with enough data (at least two scores of each instrument used);
  the others are counted as "not enough data", never dropped;
- recovery rate = recovered / finished episodes at caseness at baseline whose recovery could
  be decided (`EpisodeOutcome.recovery` is not None);
- reliable improvement rate, reliable deterioration rate = each / finished episodes;
- engagement: median modules finished and check-ins done per episode, and the total.
A rate with nothing to divide by is None (shown as "no data"), never 0.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from fractions import Fraction
from statistics import median

from app.assessments.change import EpisodeOutcome


@dataclass(frozen=True)
class EpisodeRecord:
    """One episode, as the report needs it. `month` is "YYYY-MM" of its last check-in (or of
    enrolment when there is none): the month the episode's outcome is reported in."""

    month: str
    outcome: EpisodeOutcome
    modules_completed: int
    checkins: int


@dataclass(frozen=True)
class Rates:
    period: str                # "YYYY-MM" or "all"
    episodes: int
    finished: int
    not_enough_data: int
    at_caseness: int           # finished episodes at caseness at baseline
    recovery_denominator: int  # ... whose recovery could be decided
    recovered: int
    reliably_recovered: int
    reliably_improved: int
    reliably_deteriorated: int
    recovery_rate: float | None
    reliable_recovery_rate: float | None
    reliable_improvement_rate: float | None
    reliable_deterioration_rate: float | None
    median_modules_completed: float | None
    median_checkins: float | None
    checkins: int

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def _rate(numerator: int, denominator: int) -> float | None:
    return None if denominator == 0 else round(float(Fraction(numerator, denominator)), 4)


def _median(values: Sequence[int]) -> float | None:
    return float(median(values)) if values else None


def rates_for(period: str, episodes: Iterable[EpisodeRecord]) -> Rates:
    eps = list(episodes)
    finished = [e for e in eps if e.outcome.enough_data]
    cases = [e for e in finished if e.outcome.at_caseness]
    decided = [e for e in cases if e.outcome.recovery is not None]
    recovered = sum(1 for e in decided if e.outcome.recovery)
    reliably_recovered = sum(1 for e in decided if e.outcome.reliable_recovery)
    improved = sum(1 for e in finished if e.outcome.reliable_improvement)
    deteriorated = sum(1 for e in finished if e.outcome.reliable_deterioration)
    return Rates(
        period=period, episodes=len(eps), finished=len(finished),
        not_enough_data=len(eps) - len(finished), at_caseness=len(cases),
        recovery_denominator=len(decided), recovered=recovered, reliably_recovered=reliably_recovered,
        reliably_improved=improved, reliably_deteriorated=deteriorated,
        recovery_rate=_rate(recovered, len(decided)),
        reliable_recovery_rate=_rate(reliably_recovered, len(decided)),
        reliable_improvement_rate=_rate(improved, len(finished)),
        reliable_deterioration_rate=_rate(deteriorated, len(finished)),
        median_modules_completed=_median([e.modules_completed for e in eps]),
        median_checkins=_median([e.checkins for e in eps]),
        checkins=sum(e.checkins for e in eps),
    )


@dataclass(frozen=True)
class ServiceRates:
    overall: Rates
    by_month: list[Rates]      # oldest month first; only months with an episode

    def as_dict(self) -> dict[str, object]:
        return {"overall": self.overall.as_dict(), "by_month": [r.as_dict() for r in self.by_month]}


def service_rates(episodes: Iterable[EpisodeRecord]) -> ServiceRates:
    eps = list(episodes)
    months = sorted({e.month for e in eps})
    return ServiceRates(overall=rates_for("all", eps),
                        by_month=[rates_for(m, [e for e in eps if e.month == m]) for m in months])
