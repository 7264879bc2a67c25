"""The demo cast's homework, written as three people's weeks rather than stitched phrases.

- improving (Alex Morgan; also used for other improving demo patients): low after a move and
  a new job, slowly does more, catches the "I'm letting everyone down" thought, ends with a
  plan for staying well.
- not on track (Sam Okafor; also flat patients): keeps trying, answers get shorter, the scores
  do not move. The answers are honest about that, so a clinician sees why a review is due.
- risk event (Jordan Lee; also deteriorating patients): a good start, worry about rumours of
  job cuts, the practice stops after module 3; near the end a redundancy notice (in the diary
  notes), and the check-in after it is the urgent alert.

Plain, first-person, kind to the person; no diagnosis and no promise. Every answer follows the
exercise's field definitions (app.homework.forms checks them when the demo writes them).
An exercise a story does not cover gets the story's short `fallback` answers (the same
field-by-field shape as before, but with words from the same person).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

IMPROVING, FLAT, DETERIORATING = "improving", "flat", "deteriorating"


def _at(at: datetime, days_before: int, hour: int, minute: int = 0) -> str:
    """A local date-time `days_before` the homework was written (a datetime-local value)."""
    return (at - timedelta(days=days_before)).replace(hour=hour, minute=minute, tzinfo=None).isoformat(
        timespec="minutes")


def _day(at: datetime, days_before: int) -> str:
    return (at - timedelta(days=days_before)).date().isoformat()


def alex(slug: str, at: datetime) -> dict[str, Any] | None:
    """Improving."""
    return {
        "thought-record-starter": {
            "situation": "Sunday evening. My sister texted to ask if I was coming to her birthday meal and I "
                         "had not answered for two days.",
            "thoughts": "I'm letting everyone down. She'll think I don't care.",
            "emotions": [{"emotion": "Guilty", "intensity": 80}, {"emotion": "Tired", "intensity": 60}],
            "body": "Heavy, like I wanted to lie down. A knot in my stomach.",
            "actions": "Put the phone face down and watched TV until late.",
        },
        "my-hopes": {
            "what_different": "Getting up without dreading the day. Seeing friends again instead of cancelling.",
            "small_sign": "Answering messages on the same day.",
            "main_area": "Low mood",
        },
        "activity-mood-log": {
            "entries": [
                {"when": _at(at, 3, 8, 30), "activity": "Stayed in bed scrolling", "mood": 2,
                 "notes": "Felt worse the longer I stayed"},
                {"when": _at(at, 3, 13), "activity": "Walked to the shop for bread", "mood": 4,
                 "notes": "Cold but clearer"},
                {"when": _at(at, 2, 19), "activity": "Cooked pasta, ate at the table", "mood": 5, "notes": ""},
                {"when": _at(at, 1, 18), "activity": "Phoned my sister", "mood": 6,
                 "notes": "She was just glad to hear from me"},
            ],
        },
        "patterns-i-noticed": {
            "lifted_mood": "Getting outside, even for ten minutes. Talking to someone, even briefly.",
            "lowered_mood": "Lying in bed in the morning with my phone. Evenings on my own.",
            "surprises": "The walk helped even though I did not want to go.",
            "hardest_time": "Morning",
        },
        "values-and-activities": {
            "areas": [
                {"area_of_life": "Relationships", "what_matters": "Being there for my sister",
                 "small_activity": "Reply to her messages the same day"},
                {"area_of_life": "Health", "what_matters": "Feeling stronger",
                 "small_activity": "Walk round the park three mornings a week"},
            ],
        },
        "activity-schedule": {
            "activities": [
                {"activity": "Walk round the park", "when": _at(at, 2, 8), "predicted_mood": 3, "actual_mood": 6,
                 "achievement": 6, "enjoyment": 5, "done": "Done"},
                {"activity": "Coffee with Dee from work", "when": _at(at, 1, 12, 30), "predicted_mood": 4,
                 "actual_mood": 7, "achievement": 5, "enjoyment": 7, "done": "Done"},
                {"activity": "Sort the post pile", "when": _at(at, 1, 18), "predicted_mood": 2, "actual_mood": 4,
                 "achievement": 7, "enjoyment": 2, "done": "Partly"},
            ],
        },
        "thought-catching": {
            "situation": "My manager asked to 'have a quick word' after the team meeting.",
            "emotion": "Anxious",
            "intensity": 75,
            "automatic_thought": "I've done something wrong and I'm going to be let go.",
            "thinking_trap": "Fortune telling",
            "how_much_believed": 70,
        },
        "thought-record": {
            "situation": "I forgot to send a report on time.",
            "emotions": [{"emotion": "Ashamed", "intensity": 70}, {"emotion": "Worried", "intensity": 60}],
            "automatic_thought": "I'm useless at this job.",
            "belief_before": 75,
            "evidence_for": "I missed the deadline. I have been slower since the move.",
            "evidence_against": "It was one report, a day late. My manager said the last two were good. "
                                "I have been at work every day, even on the hard ones.",
            "balanced_thought": "I made a mistake on a busy week. That is not the same as being useless, "
                                "and I can tell my manager what happened.",
            "belief_after": 35,
            "emotion_after": 40,
        },
        "problem-solving": {
            "problem": "Weekends feel empty and I end up staying in.",
            "options": [
                {"option": "Join the Saturday park run", "pros": "Outside, people around",
                 "cons": "I'd have to get up early"},
                {"option": "Plan one thing with my sister each weekend", "pros": "I'd see her more",
                 "cons": "She is busy some weeks"},
            ],
            "chosen_option": "Plan one thing with my sister each weekend",
            "plan": "Text her on Thursday with two ideas. If she can't, go to the market on my own.",
            "review": "We went to the market and had lunch. I was tired after but glad I went.",
        },
        "graded-steps": {
            "goal": "Go back to the Thursday five-a-side with my old team",
            "steps": [
                {"step": "Message Tom to ask if they still play", "expected_anxiety": 30, "date_tried": _day(at, 5),
                 "actual_anxiety": 20},
                {"step": "Go and watch one game", "expected_anxiety": 50, "date_tried": _day(at, 2),
                 "actual_anxiety": 35},
                {"step": "Play for the first half", "expected_anxiety": 70},
            ],
        },
        "worry-time": {
            "when": "6pm, at the kitchen table, for 15 minutes",
            "worries_noted": "Money after the move. Whether my manager is happy with me.",
            "what_i_noticed": "By six, half of them did not seem so urgent.",
        },
        "relapse-prevention-plan": {
            "what_helped": "Morning walks. Writing the thought down and looking at the evidence. "
                           "Planning one small thing a day.",
            "warning_signs": [{"sign": "Not answering messages"}, {"sign": "Staying in bed past nine"},
                              {"sign": "Cancelling plans"}],
            "triggers": "Busy weeks at work, dark winter evenings.",
            "what_helps": [{"action": "Go for the walk even if I don't feel like it"},
                           {"action": "Ring my sister"}],
            "who_to_contact": [{"name": "My sister", "how_to_reach": "Phone", "when": "When I start cancelling"},
                               {"name": "My GP", "how_to_reach": "Surgery line", "when": "If it lasts two weeks"}],
            "setback_plan": "Notice it without blaming myself, go back to the activity schedule, and book a "
                            "GP appointment if it lasts.",
            "check_in_date": _day(at, -30),
        },
        "keeping-going": {
            "weekly_habit": "Plan the week on Sunday afternoon, with one thing I look forward to.",
            "when": "Sunday",
            "note_to_future_me": "You have got through hard weeks before. Start small and keep going.",
        },
    }.get(slug)


def sam(slug: str, at: datetime) -> dict[str, Any] | None:
    """Not on track: trying, but the answers get shorter and little changes."""
    return {
        "thought-record-starter": {
            "situation": "At work, a colleague walked past without saying hello.",
            "thoughts": "Nobody here likes me.",
            "emotions": [{"emotion": "Low", "intensity": 70}],
            "body": "Tired.",
        },
        "my-hopes": {
            "what_different": "Sleeping properly and not feeling so flat all the time.",
            "small_sign": "Not sure.",
            "main_area": "Sleep",
        },
        "activity-mood-log": {
            "entries": [
                {"when": _at(at, 3, 21), "activity": "TV", "mood": 3, "notes": ""},
                {"when": _at(at, 2, 22), "activity": "TV, bed late", "mood": 3, "notes": "Couldn't sleep"},
                {"when": _at(at, 1, 14), "activity": "Work", "mood": 3, "notes": ""},
            ],
        },
        "patterns-i-noticed": {
            "lifted_mood": "Not much this week. Maybe the phone call with my mum.",
            "lowered_mood": "Lying awake at night.",
            "hardest_time": "Night",
        },
        "values-and-activities": {
            "areas": [{"area_of_life": "Health", "what_matters": "Sleep", "small_activity": "Go to bed at eleven"}],
        },
        "activity-schedule": {
            "activities": [
                {"activity": "Bed by eleven", "when": _at(at, 2, 23), "predicted_mood": 4, "actual_mood": 3,
                 "achievement": 2, "enjoyment": 2, "done": "Partly"},
                {"activity": "Walk at lunch", "when": _at(at, 1, 12, 30), "predicted_mood": 4,
                 "done": "Not this time"},
            ],
        },
        "thought-catching": {
            "situation": "Woke up at 4am again.",
            "emotion": "Hopeless",
            "intensity": 70,
            "automatic_thought": "This is never going to get better.",
            "thinking_trap": "Not sure",
        },
        "thought-record": {
            "situation": "Didn't manage the walk again.",
            "emotions": [{"emotion": "Fed up", "intensity": 60}],
            "automatic_thought": "I can't even do the easy things.",
            "balanced_thought": "I'm not sure. Maybe I tried to do too much at once.",
            "belief_after": 60,
        },
        "problem-solving": {
            "problem": "I keep not sleeping.",
            "chosen_option": "Talk to my GP about it",
        },
        "graded-steps": {
            "goal": "Go to the shop at a busy time",
            "steps": [{"step": "Go at 8pm when it is quiet", "expected_anxiety": 30}],
        },
        "worry-time": {
            "when": "After dinner",
            "worries_noted": "Same as always. Sleep, work.",
        },
        "relapse-prevention-plan": {
            "what_helped": "Talking to my mum. I haven't found much else yet.",
            "warning_signs": [{"sign": "Not sleeping"}],
        },
        "keeping-going": {
            "weekly_habit": "Ring my mum on Sundays.",
            "when": "Sunday",
        },
    }.get(slug)


def jordan(slug: str, at: datetime) -> dict[str, Any] | None:
    """Risk event: doing well at first, worried about job cuts; the practice stops after module 3."""
    return {
        "thought-record-starter": {
            "situation": "In a meeting, I stumbled over my words when it was my turn to speak.",
            "thoughts": "Everyone noticed. They think I'm not up to it.",
            "emotions": [{"emotion": "Embarrassed", "intensity": 65}, {"emotion": "Anxious", "intensity": 50}],
            "body": "Face hot, heart going fast.",
            "actions": "Kept my camera off for the rest of the meeting.",
        },
        "my-hopes": {
            "what_different": "Worrying less about what people at work think of me. Enjoying weekends again.",
            "small_sign": "Speaking up once in a team meeting.",
            "main_area": "Worry or anxiety",
        },
        "activity-mood-log": {
            "entries": [
                {"when": _at(at, 4, 7, 30), "activity": "Run before work", "mood": 7, "notes": "Good start"},
                {"when": _at(at, 3, 18), "activity": "Dinner with Sam", "mood": 7, "notes": ""},
                {"when": _at(at, 1, 10), "activity": "Team meeting", "mood": 4,
                 "notes": "Rumours about job cuts again"},
                {"when": _at(at, 1, 20), "activity": "Call with my brother", "mood": 6, "notes": ""},
            ],
        },
        "patterns-i-noticed": {
            "lifted_mood": "Running, and seeing Sam.",
            "lowered_mood": "Talk at work about job cuts. I go over it at night.",
            "surprises": "How much better I feel on the days I run.",
            "hardest_time": "Night",
        },
        "values-and-activities": {
            "areas": [
                {"area_of_life": "Work or study", "what_matters": "Being able to pay the rent",
                 "small_activity": "Look at my finances with Sam"},
            ],
        },
        "activity-schedule": {
            "activities": [
                {"activity": "Run", "when": _at(at, 2, 7, 30), "predicted_mood": 3, "done": "Not this time"},
                {"activity": "Update my CV", "when": _at(at, 1, 19), "predicted_mood": 2, "actual_mood": 2,
                 "achievement": 3, "enjoyment": 1, "done": "Partly"},
            ],
        },
    }.get(slug)


STORIES = {IMPROVING: alex, FLAT: sam, DETERIORATING: jordan}

#: Diary notes in each person's own words: (on better days, on low days).
NOTES: dict[str, tuple[list[str], list[str]]] = {
    IMPROVING: (
        ["Walked round the park before work. Glad I went.",
         "Phoned my sister. We laughed about the holiday in Wales.",
         "Cooked a proper meal and ate at the table.",
         "Spoke up in the team meeting. It was fine.",
         "Slept until seven. First time in ages."],
        ["Hard to get up. Stayed in most of the day.",
         "Cancelled on Dee again. Felt bad about it.",
         "Kept thinking I'm letting everyone down.",
         "Tired and flat. Did the walk anyway, only ten minutes.",
         "Bad night. Took it slowly."],
    ),
    FLAT: (
        ["Mum rang. Nice to hear from her.",
         "Slept a bit better.",
         "OK day at work.",
         "Went to the shop at a quiet time.",
         "Nothing much. Alright."],
        ["Awake at 4 again.",
         "Tired. Didn't do the walk.",
         "Same as yesterday.",
         "Not much to say today. Flat.",
         "Stayed in. Couldn't be bothered with anything."],
    ),
    DETERIORATING: (
        ["Ran before work. Felt good.",
         "Dinner with Sam. Easy evening.",
         "Work was busy but fine.",
         "Spoke up in the meeting like I planned.",
         "Quiet weekend, good to rest."],
        ["HR meeting today. My job is one of the ones at risk.",
         "Couldn't eat. Kept checking my bank account.",
         "Didn't sleep. Going over the money again and again.",
         "Told Sam about the redundancy. Still feel awful.",
         "Didn't run. Didn't do anything."],
    ),
}


def story_answers(trajectory: str, slug: str, at: datetime) -> dict[str, Any] | None:
    """The answers this patient's story gives to exercise `slug`, or None if it has none."""
    story = STORIES.get(trajectory)
    return story(slug, at) if story else None
