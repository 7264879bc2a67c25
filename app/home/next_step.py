"""The home page's "next step": pure rules over what the person has done and how they are.

No database, no clock: `gather` in app.home.dashboard fills `Facts`; `choose(facts)` returns
the one suggestion, with the reason it was chosen in plain words. `candidates(facts)` lists
every rule that applies, in priority order (the first wins). The order is the tie-break:

1. safety      an urgent or emergency alert the care team has not acknowledged yet:
               the safety plan and crisis resources, until a clinician has seen it.
2. welcome     7+ days without any activity: a gentle return, "here is where you were",
               instead of the usual list (it names the check-in if that is due too).
3. care_team   the care team has written (a review message) and it is not read yet.
4. checkin     the weekly check-in is due.
5. worry       GAD-7 >= 10 and the PHQ-9 lower than the GAD-7 (worry, more than low mood, is
               leading): the worry-time exercise, offered before its module's turn, when open.
6. start_small the diary shows low mood (mean <= 3 of 10, 2+ entries in 7 days) and no
               activity logged: one small, doable activity.
7. module      carry on with, or start, the current module.
8. diary       a note in the mood diary.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from app.i18n import N_, _t  # noqa: F401 - interface text (app.i18n)

AWAY_DAYS = 7
WORRY_GAD7 = 10
LOW_MOOD_MEAN = 3.0
LOW_MOOD_MIN_ENTRIES = 2


@dataclass(frozen=True)
class Module:
    number: int
    title: str
    href: str
    in_progress: bool


@dataclass(frozen=True)
class CareTeamMessage:
    sent_at: datetime
    read: bool
    href: str = "/messages"


@dataclass(frozen=True)
class Facts:
    now: datetime
    enrolled_at: datetime | None = None
    last_active_at: datetime | None = None       # lesson, diary or check-in, whichever is latest
    risk_alert_unacknowledged: bool = False
    checkin_due: bool = False
    checkin_text: str | None = None              # which parts of the weekly check-in are due, in words
    phq9: int | None = None                      # latest totals
    gad7: int | None = None
    worry_time_open: bool = False                # the worry-time exercise can be opened now
    activity_task_open: bool = False             # the activity-planning exercise can be opened now
    moods_7d: Sequence[int] = field(default_factory=tuple)
    activities_7d: int = 0                       # diary entries in 7 days that logged an activity
    module: Module | None = None
    care_team_message: CareTeamMessage | None = None   # app.messages.service.latest_from_care_team
    diary_available: bool = True


@dataclass(frozen=True)
class Step:
    rule: str
    title: str
    text: str
    href: str
    label: str
    why: str
    also: tuple[tuple[str, str], ...] = ()      # (label, href) shown beside the main button


def _safety(f: Facts) -> Step | None:
    if not f.risk_alert_unacknowledged:
        return None
    return Step("safety", _t('Your safety plan'), _t('Your plan has the things that help you, and the people and services you can turn to. If you might act on thoughts of harming yourself, call 999 or go to A&E now.'), "/safety-plan", _t('Open my safety plan'),
                _t('Because your last answers showed things are very hard at the moment. This stays first until someone from your care team has seen them.'), ((_t('Get help now'), "/help"),))


def _away_days(f: Facts) -> int | None:
    since = f.last_active_at or f.enrolled_at
    return None if since is None else (f.now - since) // timedelta(days=1)


def _welcome(f: Facts) -> Step | None:
    days = _away_days(f)
    if days is None or days < AWAY_DAYS or f.last_active_at is None:
        return None
    if f.module is not None:
        where = _t('You were on module %(number)s: %(title)s.', number=f.module.number, title=f.module.title)
        href, label = f.module.href, _t('Pick up where I left off')
    else:
        where, href, label = _t('You can start wherever feels easiest.'), "/modules", _t('See my modules')
    if f.checkin_due:
        where += _t(' Your weekly check-in is ready too, whenever you like.')
    return Step("welcome", _t('Welcome back'), _t('Good to see you. There is nothing to catch up on. %(where)s', where=where),
                href, label, _t('Because it has been %(days)s days since you were last here.', days=days))


def _care_team(f: Facts) -> Step | None:
    m = f.care_team_message
    if m is None or m.read:
        return None
    return Step("care_team", _t('A message from your care team'), _t('Your care team has written to you.'),
                m.href, _t('Read the message'), _t('Because your care team wrote to you and you have not read it yet.'))


def _checkin(f: Facts) -> Step | None:
    if not f.checkin_due:
        return None
    return Step("checkin", _t('Your weekly check-in'),
                f.checkin_text or _t('Two short sets of questions about how you have been feeling and worrying. It takes about four minutes.'), "/checkins/weekly?next=/", _t('Do my check-in'),
                _t('Because your weekly check-in is due.'))


def _worry(f: Facts) -> Step | None:
    if (not f.worry_time_open or f.gad7 is None or f.gad7 < WORRY_GAD7
            or (f.phq9 is not None and f.phq9 >= f.gad7)):
        return None
    return Step("worry", _t('Try worry time'), _t('A short exercise: give worries a set place in your day, so they take up less of the rest of it.'), "/homework/worry-time", _t('Try worry time'),
                _t('Because your last check-in showed more worry than low mood.'))


def _start_small(f: Facts) -> Step | None:
    moods = list(f.moods_7d)
    if len(moods) < LOW_MOOD_MIN_ENTRIES or sum(moods) / len(moods) > LOW_MOOD_MEAN or f.activities_7d:
        return None
    href, label = ("/homework/activity-schedule", _t('Plan one small thing')) if f.activity_task_open \
        else ("/diary", _t('Note one small thing'))
    return Step("start_small", _t('Start small'), _t('When mood is low, doing even one small thing can help a little: a short walk, a message to a friend, a cup of tea outside.'), href, label,
                _t('Because your diary shows a low week with not much activity noted.'))


def _module(f: Facts) -> Step | None:
    m = f.module
    if m is None:
        return None
    if m.in_progress:
        return Step("module", _t('Carry on with module %(number)s', number=m.number), m.title, m.href, _t('Carry on where I left off'),
                    _t('Because you are part way through this module.'))
    return Step("module", _t('Start module %(number)s', number=m.number), m.title, m.href, _t('Start module %(number)s', number=m.number),
                _t('Because this module is open and is the next one in your programme.'))


def _diary(f: Facts) -> Step | None:
    if not f.diary_available:
        return None
    return Step("diary", _t('Your mood diary'), _t('A quick note of how you are feeling today, and what you have been doing.'), "/diary", _t('Write in my diary'), _t('Because a few words each day help you see patterns.'))


RULES: tuple[Callable[[Facts], Step | None], ...] = (
    _safety, _welcome, _care_team, _checkin, _worry, _start_small, _module, _diary)


def candidates(f: Facts) -> list[Step]:
    return [s for s in (rule(f) for rule in RULES) if s is not None]


def choose(f: Facts) -> Step | None:
    for rule in RULES:
        step = rule(f)
        if step is not None:
            return step
    return None
