"""Mood diary: a patient's own entries, the week view and the streak.

Every value about the patient is sealed; reads decrypt one patient's rows at a time. Days
(for the week view and the streak) are the patient's own local days, in the time zone they
chose (app.reminders; UTC if that domain is not installed).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from collections.abc import Iterable
from typing import Any, Final

from sqlalchemy import bindparam, case, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from app import clock
from app.accounts import service as accounts
from app.accounts.models import User
from app.diary.models import DiaryEntry
from app.diary.schemas import DiaryIn, DiaryPatch
from app.errors import InvalidInput, NotFound
from app.escalation import service as escalation
from app.escalation.schemas import PathwayOut
from app.monitoring import hooks
from app.monitoring.rules import Flag, MoodPoint, Tier, sort_flags
from app.security import crypto
from app.i18n import N_, _t  # noqa: F401 - interface text (app.i18n)

#: An entry's time may be this far in the future (a phone's clock runs a little fast).
FUTURE_TOLERANCE: Final = timedelta(minutes=5)
#: ... and no earlier than this before enrolment.
BACKDATE_LIMIT: Final = timedelta(days=365)


@dataclass(frozen=True, slots=True)
class DiaryView:
    id: uuid.UUID
    patient_id: uuid.UUID
    mood: int
    emotions: list[str]
    note: str | None
    sleep_hours: float | None
    activities: list[str]
    recorded_at: datetime
    created_at: datetime
    updated_at: datetime
    #: What the deterioration monitor raised when this entry was saved (or last changed).
    flags: list[Flag] = field(default_factory=list)
    #: True when `create` found an entry with the same idempotency key and returned it.
    replayed: bool = False

    @property
    def escalation(self) -> PathwayOut | None:
        return escalation_for(self.flags)


@dataclass(frozen=True, slots=True)
class DayView:
    day: date
    entries: list[DiaryView]

    @property
    def mean_mood(self) -> float | None:
        if not self.entries:
            return None
        return sum(e.mood for e in self.entries) / len(self.entries)


@dataclass(frozen=True, slots=True)
class WeekView:
    start: date           # a Monday
    days: list[DayView]   # Monday to Sunday
    previous_start: date
    next_start: date | None  # None when the next week has not started yet

    @property
    def entries(self) -> list[DiaryView]:
        return [e for d in self.days for e in d.entries]

    @property
    def mean_mood(self) -> float | None:
        moods = [e.mood for e in self.entries]
        return sum(moods) / len(moods) if moods else None


def escalation_for(flags: list[Flag]) -> PathwayOut | None:
    """The pathway for the highest tier raised, or None."""
    ordered = sort_flags(flags)
    return escalation.pathway_out(ordered[0].tier.value) if ordered else None


# ---------------------------------------------------------------- sealing


def _flags_json(flags: list[Flag]) -> list[dict[str, str]]:
    return [{"rule": f.rule, "tier": f.tier.value} for f in flags]


def _flags_from(data: Any) -> list[Flag]:
    return [Flag(d["rule"], Tier(d["tier"]), None, "stored") for d in (data or [])]


_COLUMNS: Final = {"mood": "mood_enc", "emotions": "emotions_enc", "note": "note_enc",
                   "sleep_hours": "sleep_enc", "activities": "activities_enc", "flags": "flags_enc"}


def _seal(session: Session, row: DiaryEntry, column: str, value: Any) -> None:
    # Not crypto.seal_json: that stores None as NULL, which would show what is missing.
    crypto.seal(session, row, column, json.dumps(value, separators=(",", ":")))


def _unseal(session: Session, row: DiaryEntry, column: str) -> Any:
    return crypto.unseal_json(session, row, column)  # an unreadable value reads as absent (logged)


def _view(session: Session, row: DiaryEntry) -> DiaryView:
    v = {name: _unseal(session, row, col) for name, col in _COLUMNS.items()}
    return DiaryView(
        id=row.id, patient_id=row.patient_id, mood=v["mood"], emotions=v["emotions"] or [],
        note=v["note"], sleep_hours=v["sleep_hours"], activities=v["activities"] or [],
        recorded_at=row.recorded_at, created_at=row.created_at, updated_at=row.updated_at,
        flags=_flags_from(v["flags"]),
    )


def _seal_fields(session: Session, row: DiaryEntry, values: dict[str, Any]) -> None:
    for name, value in values.items():
        _seal(session, row, _COLUMNS[name], value)


def _check_time(patient: User, at: datetime) -> None:
    now = clock.now()
    if at > now + FUTURE_TOLERANCE:
        raise InvalidInput(_t('The time of the entry cannot be in the future.'), field="recorded_at")
    earliest = accounts.enrolled_at(patient) - BACKDATE_LIMIT
    if at < earliest:
        raise InvalidInput(_t('The time of the entry is too long ago: entries can go back up to a year before you joined.'), field="recorded_at")


# ---------------------------------------------------------------- writing


def _insert_once(session: Session, row: DiaryEntry) -> bool:
    """INSERT .. ON CONFLICT (patient_id, idempotency_key) DO NOTHING: True if inserted.

    Atomic on both databases, so two copies of one form sent at the same moment store one
    entry; no savepoint and no rollback of the caller's transaction."""
    table = DiaryEntry.__table__
    values = {c.name: getattr(row, c.key) for c in DiaryEntry.__mapper__.columns}
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = (insert(table).values(**values)
            .on_conflict_do_nothing(index_elements=["patient_id", "idempotency_key"])
            .returning(table.c.id))
    return session.execute(stmt).first() is not None


def create(session: Session, patient: User, data: DiaryIn, *,
           idempotency_key: str | None = None) -> DiaryView:
    """Store a new entry (or, for a key already used by this patient, return that entry with
    `replayed=True`), then run the deterioration monitor in the same transaction."""
    if data.recorded_at is not None:
        _check_time(patient, data.recorded_at)  # before astimezone(): year 1 or 9999 would overflow
    at = data.recorded_at.astimezone(UTC) if data.recorded_at else clock.now()
    now = clock.now()
    row = DiaryEntry(id=uuid.uuid4(), patient_id=patient.id, recorded_at=at,
                     idempotency_key=idempotency_key, created_at=now, updated_at=now)
    _seal_fields(session, row, {**data.model_dump(exclude={"recorded_at"}), "flags": []})
    before = _moods_before(session, patient.id)  # read and decrypted before the writer lock
    if not _insert_once(session, row):  # the first write: the SQLite writer lock from here on
        existing = session.scalars(select(DiaryEntry).where(
            DiaryEntry.patient_id == patient.id, DiaryEntry.idempotency_key == idempotency_key)).one()
        return replace(_view(session, existing), replayed=True)
    stored = session.get(DiaryEntry, row.id)
    assert stored is not None
    return _after_write(session, stored, moods=_moods_with(session, before, stored, data.mood))


@dataclass
class _MoodsBefore:
    """The patient's moods the monitor will read, taken before the entry is inserted, with
    what shows whether they changed meanwhile (how many, the latest change)."""

    since: datetime
    points: list[tuple[datetime, datetime, Any]]  # (recorded_at, created_at, mood)
    newest_change: datetime | None


def _moods_before(session: Session, patient_id: uuid.UUID) -> _MoodsBefore | None:
    since = hooks.diary_since(clock.now())
    if since is None:
        return None
    rows = session.scalars(select(DiaryEntry).where(
        DiaryEntry.patient_id == patient_id, DiaryEntry.recorded_at >= since)
        .order_by(DiaryEntry.recorded_at, DiaryEntry.created_at)).all()  # as mood_points()
    return _MoodsBefore(since, [(r.recorded_at, r.created_at, crypto.unseal_json(session, r, "mood_enc"))
                                for r in rows], max((r.updated_at for r in rows), default=None))


def _moods_with(session: Session, before: _MoodsBefore | None, row: DiaryEntry,
                mood: Any) -> list[MoodPoint] | None:
    """Under the writer lock: the moods read before it plus the new entry's, as mood_points()
    would read them now, if no other entry of the patient's in the window was added, changed or
    removed in between (same count, same latest change); None (the monitor reads them again)
    otherwise."""
    if before is None:
        return None
    count, newest = session.execute(select(func.count(), func.max(DiaryEntry.updated_at)).where(
        DiaryEntry.patient_id == row.patient_id, DiaryEntry.recorded_at >= before.since,
        DiaryEntry.id != row.id)).one()
    if count != len(before.points) or _aware(newest) != before.newest_change:
        return None
    points = before.points + ([(row.recorded_at, row.created_at, mood)] if row.recorded_at >= before.since else [])
    return [MoodPoint(m, at) for at, _, m in sorted(points, key=lambda p: (p[0], p[1]))]


def _after_write(session: Session, row: DiaryEntry, *, moods: list[MoodPoint] | None = None) -> DiaryView:
    view = _view(session, row)
    flags = sort_flags(hooks.on_diary(session, row.patient_id, view, moods=moods) or [])
    _seal(session, row, "flags_enc", _flags_json(flags))
    session.flush()
    return replace(view, flags=flags)


def _row(session: Session, patient_id: uuid.UUID, entry_id: uuid.UUID) -> DiaryEntry:
    """The patient's own entry; someone else's is NotFound, like a missing one."""
    row = session.scalars(select(DiaryEntry).where(
        DiaryEntry.id == entry_id, DiaryEntry.patient_id == patient_id)).first()
    if row is None:
        raise NotFound(_t('We could not find that diary entry.'))
    return row


def update(session: Session, patient: User, entry_id: uuid.UUID, patch: DiaryPatch) -> DiaryView:
    """Change the fields sent. A new mood or time runs the monitor again."""
    row = _row(session, patient.id, entry_id)
    changes = patch.model_dump(exclude_unset=True)
    if "recorded_at" in changes:
        at = changes.pop("recorded_at")
        _check_time(patient, at)
        row.recorded_at = at.astimezone(UTC)
    _seal_fields(session, row, changes)
    row.updated_at = clock.now()
    session.flush()
    if "mood" in changes or "recorded_at" in patch.model_fields_set:
        return _after_write(session, row)
    return _view(session, row)


def delete(session: Session, patient: User, entry_id: uuid.UUID) -> None:
    session.delete(_row(session, patient.id, entry_id))
    session.flush()


# ---------------------------------------------------------------- reading


def get(session: Session, patient_id: uuid.UUID, entry_id: uuid.UUID) -> DiaryView:
    return _view(session, _row(session, patient_id, entry_id))


def count(session: Session, patient_id: uuid.UUID) -> int:
    return session.scalar(select(func.count()).select_from(DiaryEntry)
                          .where(DiaryEntry.patient_id == patient_id)) or 0


def list_for(session: Session, patient_id: uuid.UUID, *, since: datetime | None = None,
             until: datetime | None = None, limit: int | None = None,
             offset: int = 0) -> list[DiaryView]:
    """The patient's entries, newest first; since <= recorded_at < until."""
    stmt = select(DiaryEntry).where(DiaryEntry.patient_id == patient_id)
    if since is not None:
        stmt = stmt.where(DiaryEntry.recorded_at >= since)
    if until is not None:
        stmt = stmt.where(DiaryEntry.recorded_at < until)
    stmt = stmt.order_by(DiaryEntry.recorded_at.desc(), DiaryEntry.created_at.desc())
    if offset:
        stmt = stmt.offset(offset)
    if limit is not None:
        stmt = stmt.limit(limit)
    return [_view(session, r) for r in session.scalars(stmt)]


def mood_points(session: Session, patient_id: uuid.UUID, since: datetime) -> list[MoodPoint]:
    """Moods recorded at or after `since`, oldest first (for the monitor and the chart)."""
    rows = session.scalars(select(DiaryEntry).where(
        DiaryEntry.patient_id == patient_id, DiaryEntry.recorded_at >= since)
        .order_by(DiaryEntry.recorded_at, DiaryEntry.created_at))
    return [MoodPoint(crypto.unseal_json(session, r, "mood_enc"), r.recorded_at) for r in rows]


def last_entry_at(session: Session, patient_id: uuid.UUID) -> datetime | None:
    """When the patient last wrote in the diary (the latest `created_at`: engagement)."""
    value = session.scalar(select(func.max(DiaryEntry.created_at))
                           .where(DiaryEntry.patient_id == patient_id))
    return _aware(value)


def _aware(value: datetime | None) -> datetime | None:
    # func.max() bypasses the column type on SQLite, which then returns a naive datetime.
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _zone(session: Session, patient_id: uuid.UUID) -> tzinfo:
    try:
        from app.reminders import service as reminders
    except ModuleNotFoundError:  # pragma: no cover - reminders domain not installed
        return UTC
    return reminders.zone_of(session, patient_id)


def _day(at: datetime, tz: tzinfo = UTC) -> date:
    return at.astimezone(tz).date()


#: The streak is counted from the last two months of entries; only a longer one reads more.
STREAK_WINDOW_DAYS = 62
#: A streak forgives one missed day: a single day without an entry does not end it, two do.
FORGIVEN_DAYS = 1


def _streak_from(session: Session, patient_id: uuid.UUID, today: date, since: date | None,
                 tz: tzinfo = UTC) -> tuple[int, date | None]:
    """(days with an entry in the streak, its first day)."""
    stmt = select(DiaryEntry.recorded_at).where(DiaryEntry.patient_id == patient_id)
    if since is not None:
        stmt = stmt.where(DiaryEntry.recorded_at >= datetime.combine(since, time(0), tzinfo=tz))
    return _streak_of(session.scalars(stmt.order_by(DiaryEntry.recorded_at.desc())), today, tz)


_OLDER = (select(DiaryEntry.recorded_at)
          .where(DiaryEntry.patient_id == bindparam("patient_id"), DiaryEntry.recorded_at < bindparam("before"))
          .order_by(DiaryEntry.recorded_at.desc()))


def _streak_on(session: Session, patient_id: uuid.UUID, today: date, since: date, tz: tzinfo,
               n: int, first: date | None) -> int:
    """The streak found in the window starting on `since` (n days, the first on `first`),
    carried on through the older entries if it reaches the window's start (only those are
    read: the window's own entries came first in the same order)."""
    if first is None or (first - since).days > 1 + FORGIVEN_DAYS:
        return n
    older = session.scalars(_OLDER, {"patient_id": patient_id, "before": datetime.combine(since, time(0), tzinfo=tz)})
    return _streak_of(older, today, tz, n, first)[0]


def _streak_of(times: Iterable[datetime], today: date, tz: tzinfo, n: int = 0,
               first: date | None = None) -> tuple[int, date | None]:
    """_streak_from over entry times given newest first (going on from n days, the first
    on `first`, when these times follow those already counted)."""
    for at in times:
        day = min(_day(_aware(at) or at, tz), today)
        if first is None:
            if (today - day).days > 1 + FORGIVEN_DAYS:   # today itself is not a missed day
                break
        elif day == first:
            continue
        elif (first - day).days > 1 + FORGIVEN_DAYS:
            break
        n, first = n + 1, day
    return n, first


def streak(session: Session, patient_id: uuid.UUID) -> int:
    """Days with at least one entry in the current run, in the patient's own days. One missed
    day is forgiven (two in a row end it); the run ends today, yesterday or the day before
    (yesterday then being the forgiven day). Reads the last STREAK_WINDOW_DAYS of entries,
    newest first, up to the first gap; only a streak that reaches the start of that window
    reads on into the older entries."""
    tz = _zone(session, patient_id)
    today = _day(clock.now(), tz)
    since = today - timedelta(days=STREAK_WINDOW_DAYS)
    n, first = _streak_from(session, patient_id, today, since, tz)
    return _streak_on(session, patient_id, today, since, tz, n, first)


@dataclass(frozen=True, slots=True)
class Glance:
    """The diary at a glance (the home page)."""

    last_entry_at: datetime | None   # last_entry_at()
    streak: int                      # streak()
    moods: tuple[int, ...]           # the moods of list_for(since=...), newest first
    with_activities: int             # how many of those entries name an activity


_RECENT = DiaryEntry.recorded_at >= bindparam("since")
# Built once (issue 18): the streak window's times, the recent entries' mood and activities
# (NULL for older ones: not sent, not decrypted) and the latest created_at of the whole diary.
_GLANCE = (select(case((_RECENT, DiaryEntry.id)), DiaryEntry.recorded_at, case((_RECENT, DiaryEntry.mood_enc)),
                  case((_RECENT, DiaryEntry.activities_enc)),
                  select(func.max(DiaryEntry.created_at)).where(DiaryEntry.patient_id == bindparam("patient_id"))
                  .scalar_subquery(), _RECENT)
           .where(DiaryEntry.patient_id == bindparam("patient_id"), DiaryEntry.recorded_at >= bindparam("start"))
           .order_by(DiaryEntry.recorded_at.desc(), DiaryEntry.created_at.desc()))


def glance(session: Session, patient_id: uuid.UUID, since: datetime) -> Glance:
    """last_entry_at, streak and the moods since `since` (a recent time, e.g. a week ago) from
    one read of the streak's window; only the mood and activities of entries since `since` are
    decrypted. A streak that reaches the start of the window reads on as streak() does."""
    tz = _zone(session, patient_id)
    today = _day(clock.now(), tz)
    window = today - timedelta(days=STREAK_WINDOW_DAYS)
    window_at = datetime.combine(window, time(0), tzinfo=tz)
    rows = session.execute(_GLANCE, {"patient_id": patient_id, "since": since,
                                     "start": min(window_at, since)}).all()
    last = _aware(rows[0][4]) if rows else last_entry_at(session, patient_id)
    n, first = _streak_of((r[1] for r in rows if r[1] >= window_at), today, tz)
    n = _streak_on(session, patient_id, today, window, tz, n, first)

    def value(row_id: uuid.UUID, column: str, blob: bytes | None) -> Any:
        text = crypto.unseal_value(session, DiaryEntry.__tablename__, column, row_id, patient_id, blob)
        return None if text is None or isinstance(text, crypto.Unreadable) else json.loads(text)
    week = [(value(r[0], "mood_enc", r[2]), value(r[0], "activities_enc", r[3])) for r in rows if r[5]]
    return Glance(last, n, tuple(m for m, _ in week), sum(1 for _, a in week if a))


def week_start(d: date) -> date:
    return d - timedelta(days=d.weekday())


def week(session: Session, patient_id: uuid.UUID, any_day: date | None = None) -> WeekView:
    """Monday to Sunday of the week containing `any_day` (default: this week)."""
    tz = _zone(session, patient_id)
    today = _day(clock.now(), tz)
    start = week_start(any_day or today)
    begin = datetime.combine(start, time(0), tzinfo=tz)   # local midnights: a summer-time week
    end = datetime.combine(start + timedelta(days=7), time(0), tzinfo=tz)  # is 167 or 169 hours
    entries = list_for(session, patient_id, since=begin, until=end)
    days = []
    for i in range(7):
        d = start + timedelta(days=i)
        days.append(DayView(d, sorted((e for e in entries if _day(e.recorded_at, tz) == d),
                                      key=lambda e: e.recorded_at)))
    nxt = start + timedelta(days=7)
    return WeekView(start=start, days=days, previous_start=start - timedelta(days=7),
                    next_start=nxt if nxt <= today else None)
