"""PHQ-9 and GAD-7: instrument definitions, input validation and scoring.

Pure functions only: no database, no web, no clock. Every rule follows
docs/clinical-rules.md (sections 1 and 2) and cites its source there.

Thresholds are module constants defined once, below; nothing else in the code base
should repeat them as literals.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

# --------------------------------------------------------------------------------------
# Thresholds (the one place they live)
# --------------------------------------------------------------------------------------

ITEM_MIN: Final = 0
ITEM_MAX: Final = 3

#: PHQ-9 severity bands, lowest total of each band, highest first
#: (Kroenke, Spitzer & Williams 2001, J Gen Intern Med 16:606).
PHQ9_BANDS: Final[tuple[tuple[int, str], ...]] = (
    (20, "severe"),
    (15, "moderately_severe"),
    (10, "moderate"),
    (5, "mild"),
    (0, "minimal"),
)
#: GAD-7 severity bands (Spitzer et al. 2006, Arch Intern Med 166:1092).
GAD7_BANDS: Final[tuple[tuple[int, str], ...]] = (
    (15, "severe"),
    (10, "moderate"),
    (5, "mild"),
    (0, "minimal"),
)
#: Caseness (NHS Talking Therapies): PHQ-9 >= 10, GAD-7 >= 8.
PHQ9_CASENESS: Final = 10
GAD7_CASENESS: Final = 8
#: GAD-7 screening cut-off (Spitzer et al. 2006): >= 10.
GAD7_SCREEN_POSITIVE: Final = 10

#: Proration (Arrieta et al. 2017, J Clin Psychol 73:1076): up to two items missing.
MAX_MISSING_FOR_PRORATION: Final = 2

#: PHQ-9 item 9 risk levels [design]: 1 = "low", 2-3 = "high"; missing = "unknown".
PHQ9_SUICIDE_ITEM: Final = 9
ITEM9_HIGH_MIN: Final = 2
ITEM9_LOW_MIN: Final = 1

#: Provisional diagnosis, DSM-IV algorithm as implemented by CamCOPS (phq9.py).
DIAGNOSIS_CORE_ITEMS: Final = (1, 2)
DIAGNOSIS_OTHER_ITEMS: Final = (3, 4, 5, 6, 7, 8)
DIAGNOSIS_SYMPTOM_MIN: Final = 2  # items 1-8 count when scored >= 2
DIAGNOSIS_ITEM9_MIN: Final = 1  # item 9 counts whenever present (>= 1)
MDS_MIN_SYMPTOMS: Final = 5
ODS_MIN_SYMPTOMS: Final = 2
ODS_MAX_SYMPTOMS: Final = 4

MAJOR_DEPRESSIVE_SYNDROME: Final = "major_depressive_syndrome"
OTHER_DEPRESSIVE_SYNDROME: Final = "other_depressive_syndrome"

# --------------------------------------------------------------------------------------
# Instrument definitions (data)
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AnswerOption:
    label: str
    value: int
    loinc: str | None


@dataclass(frozen=True, slots=True)
class Item:
    number: int
    text: str
    loinc: str


@dataclass(frozen=True, slots=True)
class DifficultyQuestion:
    """PHQ-9 functional-impairment question: not scored, never added to the total."""

    text: str
    loinc: str
    options: tuple[AnswerOption, ...]


@dataclass(frozen=True, slots=True)
class Instrument:
    key: str
    name: str
    header: str
    items: tuple[Item, ...]
    options: tuple[AnswerOption, ...]
    total_loinc: str
    panel_loinc: str
    difficulty: DifficultyQuestion | None = None

    @property
    def n_items(self) -> int:
        return len(self.items)

    @property
    def max_total(self) -> int:
        return self.n_items * ITEM_MAX


HEADER: Final = (
    "Over the last 2 weeks, how often have you been bothered by any of the following problems?"
)

#: Frequency answers shared by PHQ-9 and GAD-7, with their LOINC answer codes.
FREQUENCY_OPTIONS: Final = (
    AnswerOption("Not at all", 0, "LA6568-5"),
    AnswerOption("Several days", 1, "LA6569-3"),
    AnswerOption("More than half the days", 2, "LA6570-1"),
    AnswerOption("Nearly every day", 3, "LA6571-9"),
)

#: The clinical spec gives no LOINC answer codes for the difficulty options, and public
#: examples disagree on them, so none are recorded here (loinc=None) until verified.
PHQ9_DIFFICULTY: Final = DifficultyQuestion(
    text=(
        "If you checked off any problems, how difficult have these problems made it for you"
        " to do your work, take care of things at home, or get along with other people?"
    ),
    loinc="69722-7",
    options=(
        AnswerOption("Not difficult at all", 0, None),
        AnswerOption("Somewhat difficult", 1, None),
        AnswerOption("Very difficult", 2, None),
        AnswerOption("Extremely difficult", 3, None),
    ),
)

PHQ9: Final = Instrument(
    key="phq9",
    name="PHQ-9",
    header=HEADER,
    items=(
        Item(1, "Little interest or pleasure in doing things", "44250-9"),
        Item(2, "Feeling down, depressed, or hopeless", "44255-8"),
        Item(3, "Trouble falling or staying asleep, or sleeping too much", "44259-0"),
        Item(4, "Feeling tired or having little energy", "44254-1"),
        Item(5, "Poor appetite or overeating", "44251-7"),
        Item(
            6,
            "Feeling bad about yourself — or that you are a failure or have let yourself"
            " or your family down",
            "44258-2",
        ),
        Item(
            7,
            "Trouble concentrating on things, such as reading the newspaper or watching"
            " television",
            "44252-5",
        ),
        Item(
            8,
            "Moving or speaking so slowly that other people could have noticed. Or the"
            " opposite — being so fidgety or restless that you have been moving around a lot"
            " more than usual",
            "44253-3",
        ),
        Item(
            9,
            "Thoughts that you would be better off dead, or of hurting yourself in some way",
            "44260-8",
        ),
    ),
    options=FREQUENCY_OPTIONS,
    total_loinc="44261-6",
    panel_loinc="44249-1",
    difficulty=PHQ9_DIFFICULTY,
)

GAD7: Final = Instrument(
    key="gad7",
    name="GAD-7",
    header=HEADER,
    items=(
        Item(1, "Feeling nervous, anxious, or on edge", "69725-0"),
        Item(2, "Not being able to stop or control worrying", "68509-9"),
        Item(3, "Worrying too much about different things", "69733-4"),
        Item(4, "Trouble relaxing", "69734-2"),
        Item(5, "Being so restless that it is hard to sit still", "69735-9"),
        Item(6, "Becoming easily annoyed or irritable", "69689-8"),
        Item(7, "Feeling afraid, as if something awful might happen", "69736-7"),
    ),
    options=FREQUENCY_OPTIONS,
    total_loinc="70274-6",
    panel_loinc="69737-5",
)

INSTRUMENTS: Final[dict[str, Instrument]] = {"phq9": PHQ9, "gad7": GAD7}

# --------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------


class ScoringInputError(ValueError):
    """Invalid questionnaire input. `item` is the 1-based item number at fault, or None
    when the fault is not one item (unknown instrument, not a list, the difficulty answer).
    `str(err)` is a message for a 422 response, e.g. "item 3: must be a whole number
    from 0 to 3"."""

    def __init__(self, item: int | None, message: str) -> None:
        self.item = item
        self.message = message
        super().__init__(f"item {item}: {message}" if item is not None else message)


def get_instrument(instrument_key: str) -> Instrument:
    try:
        return INSTRUMENTS[instrument_key]
    except (KeyError, TypeError):
        raise ScoringInputError(None, f"unknown instrument {instrument_key!r}") from None


def _is_item_value(value: object) -> bool:
    # bool is a subclass of int but is not an answer; floats (even 2.0) and strings are
    # rejected: the API must send whole numbers.
    return type(value) is int and ITEM_MIN <= value <= ITEM_MAX


def validate_answers(instrument_key: str, answers: object) -> None:
    """Raise ScoringInputError naming the first offending item; return None if valid.

    Rules (clinical-rules.md §1 "Input validation"): exactly n answers (9 for PHQ-9,
    7 for GAD-7), each an int 0-3 or None for an explicitly missing item.
    """
    instrument = get_instrument(instrument_key)
    n = instrument.n_items
    if isinstance(answers, (str, bytes)) or not isinstance(answers, Sequence):
        raise ScoringInputError(None, f"answers must be a list of {n} items")
    if len(answers) > n:
        raise ScoringInputError(
            n + 1, f"{instrument.name} has only {n} items; got {len(answers)} answers"
        )
    if len(answers) < n:
        raise ScoringInputError(
            len(answers) + 1,
            f"answer missing; {instrument.name} needs {n} answers (send null for an"
            " unanswered item)",
        )
    for number, value in enumerate(answers, start=1):
        if value is not None and not _is_item_value(value):
            raise ScoringInputError(
                number, f"must be a whole number from {ITEM_MIN} to {ITEM_MAX}, or null"
            )


def validate_difficulty(value: object, *, required: bool = False) -> int | None:
    """Validate the PHQ-9 difficulty answer (stored 0-3). Returns it (or None if absent
    and not required). Raises ScoringInputError(item=None, "difficulty: ...")."""
    if value is None:
        if required:
            raise ScoringInputError(None, "difficulty: required when any problem is reported")
        return None
    if not _is_item_value(value):
        raise ScoringInputError(
            None, f"difficulty: must be a whole number from {ITEM_MIN} to {ITEM_MAX}"
        )
    return value  # type: ignore[return-value]


# --------------------------------------------------------------------------------------
# Scoring
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Score:
    """Result of scoring one questionnaire.

    total: prorated when 1-2 items are missing; None (and band None) with 3+ missing.
    caseness / screen_positive: None when there is no valid total; screen_positive is
    GAD-7 only (None for PHQ-9). item9 / item9_risk / provisional_diagnosis: PHQ-9 only
    (item9_risk None for GAD-7). provisional_diagnosis is for clinicians only.
    """

    instrument: str
    answers: tuple[int | None, ...]
    total: int | None
    raw_sum: int
    answered: int
    missing: tuple[int, ...]
    prorated: bool
    band: str | None
    caseness: bool | None
    screen_positive: bool | None
    item9: int | None
    item9_risk: str | None
    provisional_diagnosis: str | None

    @property
    def valid(self) -> bool:
        """True when the form has a (possibly prorated) total."""
        return self.total is not None


def prorate(raw_sum: int, n_items: int, answered: int) -> int:
    """sum x n_items / answered, rounded half up, in integer arithmetic (Arrieta 2017).

    Python's round() rounds half to even (4.5 -> 4); the rule needs 4.5 -> 5.
    floor(x + 1/2) with x = s*n/a equals (2*s*n + a) // (2*a).
    """
    if answered <= 0:
        raise ValueError("cannot prorate with no answered items")
    return (2 * raw_sum * n_items + answered) // (2 * answered)


def severity_band(instrument_key: str, total: int | None) -> str | None:
    """Band API value for a total, or None when there is no valid total."""
    instrument = get_instrument(instrument_key)
    if total is None:
        return None
    if type(total) is not int or not 0 <= total <= instrument.max_total:
        raise ValueError(f"{instrument.name} total must be 0-{instrument.max_total}")
    bands = PHQ9_BANDS if instrument_key == "phq9" else GAD7_BANDS
    for lowest, band in bands:
        if total >= lowest:
            return band
    raise AssertionError("unreachable")  # pragma: no cover


def is_case(instrument_key: str, total: int) -> bool:
    """NHS Talking Therapies caseness: PHQ-9 >= 10, GAD-7 >= 8."""
    get_instrument(instrument_key)
    return total >= (PHQ9_CASENESS if instrument_key == "phq9" else GAD7_CASENESS)


def item9_risk(item9: int | None) -> str:
    """'none' (0), 'low' (1), 'high' (2-3) or 'unknown' (missing; never imputed)."""
    if item9 is None:
        return "unknown"
    if item9 >= ITEM9_HIGH_MIN:
        return "high"
    if item9 >= ITEM9_LOW_MIN:
        return "low"
    return "none"


def _classify_syndrome(values: Sequence[int]) -> str | None:
    """CamCOPS DSM-IV algorithm over nine complete answers (index 0 = item 1)."""
    core = sum(1 for i in DIAGNOSIS_CORE_ITEMS if values[i - 1] >= DIAGNOSIS_SYMPTOM_MIN)
    other = sum(1 for i in DIAGNOSIS_OTHER_ITEMS if values[i - 1] >= DIAGNOSIS_SYMPTOM_MIN)
    other += 1 if values[PHQ9_SUICIDE_ITEM - 1] >= DIAGNOSIS_ITEM9_MIN else 0
    if core >= 1 and core + other >= MDS_MIN_SYMPTOMS:
        return MAJOR_DEPRESSIVE_SYNDROME
    if core >= 1 and ODS_MIN_SYMPTOMS <= core + other <= ODS_MAX_SYMPTOMS:
        return OTHER_DEPRESSIVE_SYNDROME
    return None


def provisional_diagnosis(answers: Sequence[int | None]) -> str | None:
    """PHQ-9 provisional diagnosis (clinicians only; CamCOPS DSM-IV algorithm).

    core = items 1-2 scored >= 2; other = items 3-8 scored >= 2, plus 1 if item 9 >= 1;
    major depressive syndrome: core >= 1 and core + other >= 5;
    other depressive syndrome: core >= 1 and 2 <= core + other <= 4.

    [design] With missing items a label is returned only if every possible answer to
    the missing items gives the same label (checked at the all-0 and all-3 completions,
    which bound both counts); otherwise None. Missing answers are never counted as
    symptoms or as absent.
    """
    low = [ITEM_MIN if a is None else a for a in answers]
    high = [ITEM_MAX if a is None else a for a in answers]
    result = _classify_syndrome(low)
    return result if result == _classify_syndrome(high) else None


def score(instrument_key: str, answers: Sequence[int | None]) -> Score:
    """Validate and score one PHQ-9 or GAD-7 (clinical-rules.md §1-2).

    Raises ScoringInputError for invalid input (see validate_answers).
    """
    validate_answers(instrument_key, answers)
    instrument = INSTRUMENTS[instrument_key]
    values = tuple(answers)
    given = [a for a in values if a is not None]
    missing = tuple(i for i, a in enumerate(values, start=1) if a is None)
    raw_sum = sum(given)
    answered = len(given)

    total: int | None
    if not missing:
        total, prorated = raw_sum, False
    elif len(missing) <= MAX_MISSING_FOR_PRORATION:
        total, prorated = prorate(raw_sum, instrument.n_items, answered), True
    else:
        total, prorated = None, False

    is_phq9 = instrument_key == "phq9"
    # Item 9 is never imputed [design]: proration changes the total only.
    item9 = values[PHQ9_SUICIDE_ITEM - 1] if is_phq9 else None
    return Score(
        instrument=instrument_key,
        answers=values,
        total=total,
        raw_sum=raw_sum,
        answered=answered,
        missing=missing,
        prorated=prorated,
        band=severity_band(instrument_key, total),
        caseness=None if total is None else is_case(instrument_key, total),
        screen_positive=(
            None if is_phq9 or total is None else total >= GAD7_SCREEN_POSITIVE
        ),
        item9=item9,
        item9_risk=item9_risk(item9) if is_phq9 else None,
        provisional_diagnosis=provisional_diagnosis(values) if is_phq9 else None,
    )


def difficulty_required(result: Score) -> bool:
    """The PHQ-9 difficulty question is asked when the total is above 0 (§1).

    For a form without a valid total, it is asked if any answered item is above 0
    (the question reads "If you checked off any problems"). Never for GAD-7.
    """
    if result.instrument != "phq9":
        return False
    return (result.total if result.total is not None else result.raw_sum) > 0
