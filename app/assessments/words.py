"""What a check-in result means, in the patient's own words (kind, never a diagnosis)."""

from __future__ import annotations

from typing import Final

from sqlalchemy.orm import Session

from app.accounts.models import User
from app import i18n
from app.assessments import change, scoring, service
from app.i18n import N_, _t, ngettext

TOPIC: Final = {"phq9": N_("low mood"), "gad7": N_("worry and anxiety")}

#: What a band means, in kind words and without a diagnosis. {topic}: "low mood" / "worry and anxiety".
MEANING: Final = {
    "minimal": N_("Your answers suggest that {topic} has not been much of a problem over the last two weeks."),
    "mild": N_("Your answers suggest some {topic} over the last two weeks. Many people have weeks like "
            "this, and the skills in the programme can help."),
    "moderate": N_("Your answers suggest that {topic} has been a real struggle over the last two weeks. "
                "That is hard. Keep going with the programme, and think about talking it over with "
                "your care team."),
    "moderately_severe": N_("Your answers suggest that {topic} has been weighing on you a lot over the "
                         "last two weeks. You do not have to manage this on your own: your care team "
                         "can help."),
    "severe": N_("Your answers suggest that the last two weeks have been very hard. Please do not carry "
              "this alone: talk to your care team soon, and use the help on this page if you need it now."),
}



def change_words(session: Session, patient: User, a: service.AssessmentView) -> list[str]:
    """Change since baseline, in plain words (clinical-rules.md §3 via change.summarise_change)."""
    spec = scoring.INSTRUMENTS[a.instrument]
    if a.total is None:
        return []
    base = service.baseline(session, patient, a.instrument)
    if base is None or base.id == a.id or base.taken_at > a.taken_at:
        return [_t("This is your first %(name)s check-in, so it is your starting point. "
                   "Later check-ins will be compared with it.", name=spec.name)]
    s = service.change_summary(session, patient, until=a.taken_at)
    phq = a.instrument == "phq9"
    diff = a.total - base.total  # type: ignore[operator]
    when = i18n.format_when(base.taken_at, "%-d %B %Y")
    if diff < 0:
        words = [ngettext("Your score is %(num)s point lower than at your first check-in on %(when)s, "
                          "when it was %(total)s.",
                          "Your score is %(num)s points lower than at your first check-in on %(when)s, "
                          "when it was %(total)s.", -diff, when=when, total=base.total)]
    elif diff > 0:
        words = [ngettext("Your score is %(num)s point higher than at your first check-in on %(when)s, "
                          "when it was %(total)s.",
                          "Your score is %(num)s points higher than at your first check-in on %(when)s, "
                          "when it was %(total)s.", diff, when=when, total=base.total)]
    else:
        words = [_t("Your score is the same as at your first check-in on %(when)s.", when=when)]
    reliable = s.phq9_reliable_change if phq else s.gad7_reliable_change
    if reliable == change.IMPROVEMENT:
        words.append(_t("That is a reliable improvement: a change big enough that it is unlikely to be "
                     "just a good week."))
    elif reliable == change.DETERIORATION:
        words.append(_t("That is a reliable rise: things seem to have got harder since you started. "
                     "It is worth talking about with your care team."))
    elif diff != 0:
        words.append(_t("Changes of this size can come and go from week to week, so it is too early to "
                     "call it a real change."))
    if phq and s.phq9_response:
        words.append(_t("Your score has fallen by half or more since you started. In treatment terms, "
                     "that is called a response."))
    if phq and s.phq9_remission and (base.total or 0) >= change.PHQ9_REMISSION_BELOW:
        words.append(_t("Your score is now below %(below)s, the range services call remission.",
                        below=change.PHQ9_REMISSION_BELOW))
    if s.reliable_recovery == change.RECOVERED:
        words.append(_t("Your mood and anxiety scores are now both below the levels at which people are "
                     "usually offered help, and the change is reliable: services call this reliable recovery."))
    elif s.recovery == change.RECOVERED:
        words.append(_t("Your mood and anxiety scores are now both below the levels at which people are "
                     "usually offered help: services call this recovery."))
    return words
