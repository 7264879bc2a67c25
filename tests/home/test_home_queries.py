"""The home page and a lesson page on few, simple queries (issue 18): each domain is read once
per request, however long the history; and what the shared reads give is what the services
asked one by one give (the page says the same as before)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, func, select

from app import clock
from app.accounts.models import User
from app.security import sessions

NOW = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)
#: Statements per request today (issue 18), plus one: the home page and the next page of a
#: lesson (its UPDATE included) of the three patients below. Patient 1: after the end of
#: treatment, a message and a safety plan from the care team, a diary streak longer than its
#: window (home 23, 45 before); patient 2: after the end of treatment (20, 41 before); patient
#: 3: in treatment, an alert, a held module whose words for the patient are decrypted (19, 35
#: before). The lesson pages: 8, 8 and 9 (10, 10 and 11 before).
HOME_MAX = (24, 21, 20)
LESSON_MAX = (9, 9, 10)
FIRST_PAGE_MAX = 12      # patient 3, the first page of a module: 11 (16 before)


@contextmanager
def counting(engine) -> Iterator[list[str]]:  # type: ignore[no-untyped-def]
    seen: list[str] = []

    def on(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        seen.append(" ".join(statement.split()))

    event.listen(engine, "before_cursor_execute", on)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", on)


@pytest.fixture
def histories(db):  # type: ignore[no-untyped-def]
    """The demo's improving, flat and deteriorating patients with 8 weeks of history written
    through the services, and what a care team changes: a message and a safety plan written
    together (patient 1), a held module with words for the patient (patient 3)."""
    from app.demo import generator as g
    from app.guided import shaping
    from app.messages import service as messages
    from app.programme import service as programme
    from app.safety import service as safety
    with clock.frozen(NOW):
        plans = g.demo_plans(3, 8, seed=1234)
        res = g.generate(db.session, plans, now=NOW - timedelta(minutes=5), fast_password_hash=True)
        with db.session() as s:
            clin = s.get(User, res.clinician_id)
            users = [s.get(User, res.patient_ids[p.email]) for p in plans]
            messages.send_from_clinician(s, clin, users[0], "Shall we talk on Friday?")
            safety.save(s, users[0], {"warning_signs": "Not sleeping", "coping": "A walk"}, author=clin)
            locked = programme.progress_summary(s, users[2]).next_locked
            assert locked is not None
            shaping.hold(s, clin, users[2].id, locked.slug, "Wait for the review", "We will open this after we talk.")
            s.commit()
        yield [res.patient_ids[p.email] for p in plans]


def _signed_in(db, client, patient_id) -> None:  # type: ignore[no-untyped-def]
    with db.session() as s:
        token, _ = sessions.create(s, s.get(User, patient_id), "cookie", "test")
        s.commit()
    client.cookies.set(sessions.COOKIE_NAME, token)


def _lesson(db, patient_id) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    """Two pages in a row of the module the patient is on (else the last one)."""
    from app.programme import service as programme
    with db.session() as s:
        summary = programme.progress_summary(s, s.get(User, patient_id))
        m = summary.current or summary.modules[-1]
    pages = programme.module_or_404(m.slug).pages
    return f"/modules/{m.slug}/pages/{pages[1].slug}", f"/modules/{m.slug}/pages/{pages[2].slug}"


def test_home_and_lesson_pages_read_each_domain_once(db, client, histories):
    counts = {}
    with clock.frozen(NOW):
        for n, pid in enumerate(histories, start=1):
            _signed_in(db, client, pid)
            first, page_after = _lesson(db, pid)
            assert client.get(first).status_code == 200   # the module's first view may write its row
            for page in ("/", page_after):                 # reading on: the progress row's UPDATE
                with counting(db.engine) as seen:
                    r = client.get(page)
                assert r.status_code == 200, (page, r.status_code)
                counts[(n, page)] = len(seen)
                limit = (HOME_MAX if page == "/" else LESSON_MAX)[n - 1]
                assert 0 < len(seen) <= limit, f"patient {n}, {page}: {len(seen)} statements:\n" + "\n".join(seen)
    # the history's length does not show: the three homes differ only by what their patients have
    homes = [k for (n, p), k in counts.items() if p == "/"]
    assert max(homes) - min(homes) <= 6, counts


def test_a_modules_first_page_asks_about_the_check_in_in_two_statements(db, client, histories):
    """Patient 3 is in treatment: the first page of a module not finished checks that this
    week's check-in was done (programme.checkin_needed: the end of treatment and the last time
    of each questionnaire), then records the view."""
    from app.programme import service as programme
    with clock.frozen(NOW):
        _signed_in(db, client, histories[2])
        page_two, _ = _lesson(db, histories[2])
        assert client.get(page_two).status_code == 200
        slug = page_two.split("/")[2]
        with counting(db.engine) as seen:
            r = client.get(f"/modules/{slug}/pages/{programme.module_or_404(slug).pages[0].slug}")
    assert r.status_code == 200 and "Your weekly check-in" not in r.text   # done this week
    assert len([s for s in seen if "assessments" in s or "treatment_ends" in s]) == 2, seen
    assert 0 < len(seen) <= FIRST_PAGE_MAX, "\n".join(seen)


def test_the_home_page_works_out_the_module_statuses_once(db, client, histories, monkeypatch):
    from app.programme import service as programme
    calls = []
    real = programme._statuses
    monkeypatch.setattr(programme, "_statuses", lambda *a, **k: calls.append(1) or real(*a, **k))
    with clock.frozen(NOW):
        _signed_in(db, client, histories[2])
        assert "Your care team has paused module 5" in client.get("/").text
    assert len(calls) == 1


def _one_by_one(session, user, now):  # type: ignore[no-untyped-def]
    """What the home page used to ask, one service call at a time."""
    from app.assessments import service as assessments
    from app.diary import service as diary
    from app.programme import service as programme
    week = diary.list_for(session, user.id, since=now - timedelta(days=7))
    return {"due": assessments.due(session, user, now),
            "latest": {i: assessments.latest(session, user.id, i) for i in ("phq9", "gad7")},
            "diary": (diary.last_entry_at(session, user.id), diary.streak(session, user.id),
                      tuple(e.mood for e in week), sum(1 for e in week if e.activities)),
            "modules": tuple(programme.module_statuses(session, user))}


def _shared(session, user, now):  # type: ignore[no-untyped-def]
    """The same from the shared reads the home page makes now."""
    from app.assessments import service as assessments
    from app.diary import service as diary
    from app.programme import service as programme
    seen = assessments.overview(session, user, now)
    g = diary.glance(session, user.id, since=now - timedelta(days=7))
    return {"due": seen.due, "latest": seen.latest,
            "diary": (g.last_entry_at, g.streak, g.moods, g.with_activities),
            "modules": programme.progress_summary(session, user).modules}


def _same(session, user, now) -> None:  # type: ignore[no-untyped-def]
    session.expire_all()
    assert _shared(session, user, now) == _one_by_one(session, user, now)


def test_shared_reads_give_what_the_services_give_one_by_one(db, session, histories):
    with clock.frozen(NOW):
        for pid in histories:
            _same(session, session.get(User, pid), NOW)


def test_shared_reads_in_harder_states(session, frozen_clock):
    """No history at all; after the end of treatment with a follow-up half done; a diary in
    another time zone with a streak longer than the streak's window, an entry written today
    about a day long ago, and entries at the very edge of the week."""
    from app.assessments import service as assessments
    from app.diary import service as diary
    from app.diary.schemas import DiaryIn
    from app.reminders import service as reminders
    from app.reminders.schemas import RemindersIn
    from tests.factories import make_user
    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    p = make_user(session)
    _same(session, p.user, start)

    for days in range(0, 80):          # 80 days in a row, ending today
        frozen_clock(start + timedelta(days=days))
        diary.create(session, p.user, DiaryIn(mood=days % 11, activities=["walk"] if days % 3 else []))
    now = start + timedelta(days=79)
    diary.create(session, p.user, DiaryIn(mood=3, recorded_at=now - timedelta(days=7)))   # the week's first moment
    diary.create(session, p.user, DiaryIn(mood=4, recorded_at=now - timedelta(days=7, microseconds=1)))
    diary.create(session, p.user, DiaryIn(mood=9, recorded_at=now - timedelta(days=200)))  # written today
    reminders.update_prefs(session, p.id, RemindersIn(time_zone="America/New_York"))
    session.commit()
    _same(session, p.user, now)
    assert diary.glance(session, p.id, since=now - timedelta(days=7)).streak == 80

    assessments.submit(session, p.user, "phq9", [1] * 9, difficulty=1)
    assessments.submit(session, p.user, "gad7", [1] * 7)
    assessments.start_end_of_treatment(session, p.id, now + timedelta(hours=1))
    frozen_clock(now + timedelta(hours=2))
    assessments.submit(session, p.user, "phq9", [0] * 9)
    assessments.submit(session, p.user, "gad7", [0] * 7)     # the end-of-treatment check-in done
    frozen_clock(now + timedelta(weeks=4, hours=3))
    assessments.submit(session, p.user, "phq9", [2] * 9, difficulty=1)   # the 4-week follow-up: half
    session.commit()
    later = now + timedelta(weeks=4, hours=4)
    _same(session, p.user, later)
    d = assessments.overview(session, p.user, later).due
    assert (d.kind, d.remaining) == ("follow_up_4w", ("gad7",))


def test_holds_and_messages_read_together_as_apart(db, session, histories):
    from app.guided import shaping
    for pid in histories:
        assert shaping.holds_and_messages(session, pid) == (shaping.holds_of(session, pid),
                                                            shaping.hold_messages(session, pid))
    assert shaping.holds_and_messages(session, histories[2])[1] == {
        next(iter(shaping.holds_of(session, histories[2]))): "We will open this after we talk."}


def test_last_activity_from_the_progress_rows_read_already(db, session, histories):
    from app.homework.models import HomeworkEntry
    from app.programme import service as programme
    from app.programme.models import ModuleProgress, QuizResponse
    for pid in histories:
        times = [session.scalar(select(func.max(column)).where(model.patient_id == pid)) for model, column in (
            (ModuleProgress, ModuleProgress.last_viewed_at), (ModuleProgress, ModuleProgress.completed_at),
            (QuizResponse, QuizResponse.answered_at), (HomeworkEntry, HomeworkEntry.updated_at))]
        assert programme.last_activity_at(session, pid) == max(t for t in times if t is not None)
