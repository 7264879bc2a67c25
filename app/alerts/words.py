"""Alerts in words: rule labels for clinicians, the trigger described from the flag's value
and detail codes, and the topic a patient reads (no rule names or scores for patients)."""

from __future__ import annotations

from typing import Any

from app.i18n import N_
from app.monitoring import rules

RULE_LABELS = {
    rules.ITEM9_HIGH: "PHQ-9 item 9 (thoughts of death or self-harm) answered 2 or 3",
    rules.ITEM9_ANY: "PHQ-9 item 9 (thoughts of death or self-harm) answered 1",
    rules.ITEM9_UNKNOWN: "PHQ-9 item 9 left unanswered",
    rules.SEVERE_SCORE: "PHQ-9 in the severe range",
    rules.RELIABLE_DETERIORATION: "Reliable deterioration",
    rules.NOT_ON_TRACK: "Not on track (above the expected-recovery band)",
    rules.MOOD_DECLINE: "Mood diary decline",
    rules.DISENGAGED: "No activity for two weeks or more",
    rules.MISSED_CHECKIN: "Weekly check-in overdue",
    rules.PATIENT_REPORTED_EMERGENCY: "Patient reported: not safe right now",
    "message_risk": "Risk words in a message to the care team",  # app.messages.risk
}

# What the patient reads: what it was about, and where it stands.
_PATIENT_TOPIC = {
    rules.MOOD_DECLINE: N_("Your mood diary"),
    rules.DISENGAGED: N_("We have not heard from you for a while"),
    rules.MISSED_CHECKIN: N_("Your weekly check-in is overdue"),
    rules.PATIENT_REPORTED_EMERGENCY: N_("You told us you are not safe right now"),
    "message_risk": N_("Your message to your care team"),
}
_PATIENT_TOPIC_DEFAULT = N_("Your check-in answers")


def rule_label(rule: str) -> str:
    return RULE_LABELS.get(rule, rule.replace("_", " ").capitalize())


_INSTRUMENT_NAMES = {"phq9": "PHQ-9", "gad7": "GAD-7"}


def describe(rule: str, value: Any, detail: str | None) -> str:
    """The trigger in words for clinicians, from the flag's value and detail codes."""
    detail = detail or ""
    try:
        if rule in (rules.ITEM9_HIGH, rules.ITEM9_ANY):
            return f"Item 9 answered {value} (0-3)"
        if rule == rules.ITEM9_UNKNOWN:
            return "Item 9 was not answered"
        if rule == rules.SEVERE_SCORE:
            instrument = detail.split(">=")[0] if ">=" in detail else "phq9"
            return f"{_INSTRUMENT_NAMES.get(instrument, instrument)} total {value}"
        if rule == rules.RELIABLE_DETERIORATION:
            instrument, change, ref = detail.split(":")
            kind, ref_total = ref.split("=")
            against = "the baseline" if kind == "vs_baseline" else "the best score so far"
            return (f"{_INSTRUMENT_NAMES.get(instrument, instrument)} {value}: {change} compared with "
                    f"{against} ({ref_total})")
        if rule == rules.NOT_ON_TRACK and ":no_reliable_improvement:" in detail:
            instrument, _, day, base = detail.split(":")
            return (f"{_INSTRUMENT_NAMES.get(instrument, instrument)} {value} on day {day.split('=')[1]}: "
                    f"still at caseness with no reliable improvement from the baseline "
                    f"({base.split('=')[1]}) on the last two check-ins")
        if rule == rules.NOT_ON_TRACK:
            week, upper = (part.split("=")[1] for part in detail.split(":"))
            return f"PHQ-9 {value} in week {week}, above the expected-recovery band (up to {upper}) twice running"
        if rule == rules.MOOD_DECLINE:
            if detail == "mean_drop":
                return f"Mean mood of the last 7 days {value} points below the 28 days before"
            return f"Several diary entries in a row at mood {value} or lower"
        if rule == rules.DISENGAGED:
            return f"No lesson, diary or check-in for {value} days"
        if rule == rules.MISSED_CHECKIN:
            first = (" (no complete PHQ-9 and GAD-7 since enrolment)"
                     if detail in ("no_checkin_since_enrolment", "no_phq9_since_enrolment") else "")
            return f"Weekly check-in {value} days overdue{first}"
        if rule == rules.PATIENT_REPORTED_EMERGENCY:
            where = "mood diary" if value == "diary" else "check-in result page"
            return f"Pressed \"I am not safe right now\" on the {where}"
    except (ValueError, AttributeError):
        pass
    return f"{value}" + (f" ({detail})" if detail else "")
