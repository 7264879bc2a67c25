"""One mood record: module 2's activity and mood log feeds the mood diary (the series the
charts and the mood_decline rule read), once per row."""

from __future__ import annotations

import uuid

from app.diary import service as diary
from app.homework import mood_feed
from tests.alerts.support import T0
from tests.factories import make_user

LOG = {"entries": [{"when": "2026-03-02T08:00", "activity": "Bus to work", "mood": 4},
                   {"when": "2026-03-02T07:00", "activity": "Call with my sister", "mood": 7, "notes": "felt better"}]}


def test_log_rows_become_diary_entries_once(session, frozen_clock):
    p = make_user(session)
    entry = uuid.uuid4()
    assert mood_feed.feed(session, p.user, entry, "activity-mood-log", LOG) == 2
    moods = diary.mood_points(session, p.user.id, T0.replace(hour=0))
    assert sorted(m.mood for m in moods) == [4, 7]
    [call] = [v for v in diary.list_for(session, p.user.id) if v.mood == 7]
    assert call.activities == ["Call with my sister"] and call.note == "felt better"
    # submitted again, or edited with one more row: only the new row is added
    more = {"entries": [*LOG["entries"], {"when": "2026-03-02T08:30", "activity": "Tea", "mood": 5}]}
    assert mood_feed.feed(session, p.user, entry, "activity-mood-log", more) == 1
    assert len(diary.mood_points(session, p.user.id, T0.replace(hour=0))) == 3


def test_other_exercises_do_not_feed_the_diary(session, frozen_clock):
    p = make_user(session)
    assert mood_feed.feed(session, p.user, uuid.uuid4(), "patterns-i-noticed", LOG) == 0
    assert diary.list_for(session, p.user.id) == []
