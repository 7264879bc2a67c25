"""Realistic patient histories, written through the real services.

Used by `icbt seed-demo` (a small cast worth looking at) and by the benchmarks (`--patients N
--weeks W`). Every event is written by the service a real request would call, with the clock
frozen at the event's time (`app.clock.frozen`), one transaction per event, in time order
across all patients. So values are encrypted as in real use, the audit chain is intact, and
the deterioration monitor sees each diary entry and check-in as it happens: the
deteriorating patient's last check-in raises a real urgent alert.

Domains that are not installed yet are skipped (and listed in the result).
"""

from __future__ import annotations

import heapq
import math
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from app import clock

DEMO_PASSWORD = "steady-steps-demo-2026"
DEMO_DOMAIN = "demo.steadysteps.example"
CLINICIAN_EMAIL = f"clinician@{DEMO_DOMAIN}"
ADMIN_EMAIL = f"admin@{DEMO_DOMAIN}"

IMPROVING, FLAT, DETERIORATING, NEW = "improving", "flat", "deteriorating", "new"


class DemoRefused(Exception):
    """The generator will not run here (production, or demo users already exist)."""


# ---------------------------------------------------------------- who


@dataclass
class PatientPlan:
    email: str
    name: str
    trajectory: str
    weeks: int                # weeks of history before now
    baseline_phq: int
    baseline_gad: int
    diary_days_per_week: float
    seed: int
    #: deteriorating only: the check-in (week) of the sharp worsening; None = the last one.
    #: Later check-ins recover towards the earlier level.
    spike_week: int | None = None


#: The cast of `icbt seed-demo`: one of each story a clinician should see.
CAST: list[tuple[str, str, str, int, int, float]] = [
    # name, local part, trajectory, PHQ-9 baseline, GAD-7 baseline, diary days a week
    ("Alex Morgan", "alex", IMPROVING, 16, 13, 6.0),
    ("Sam Okafor", "sam", FLAT, 17, 14, 4.0),
    ("Jordan Lee", "jordan", DETERIORATING, 10, 9, 5.0),
    ("Priya Shah", "priya", IMPROVING, 12, 15, 6.5),
    ("Chris Novak", "chris", FLAT, 11, 8, 3.0),
    ("Robin Quinn", "robin", NEW, 14, 12, 5.0),
]


def demo_plans(patients: int, weeks: int, *, domain: str = DEMO_DOMAIN, seed: int = 7) -> list[PatientPlan]:
    """The named cast first; beyond it, a mix of 45% improving, 35% flat, 20% worsening."""
    rng = random.Random(seed)
    plans: list[PatientPlan] = []
    for i in range(patients):
        if i < len(CAST):
            name, local, traj, phq, gad, days = CAST[i]
            w = 1 if traj == NEW else weeks
        else:
            r = rng.random()
            traj = IMPROVING if r < 0.45 else FLAT if r < 0.80 else DETERIORATING
            name, local = f"Patient {i + 1:05d}", f"patient-{i + 1:05d}"
            phq, gad = rng.randint(10, 19), rng.randint(7, 16)
            days, w = rng.choice([2.0, 4.0, 5.0, 6.0, 7.0]), weeks
        spike = None
        if traj == DETERIORATING and i >= len(CAST) and weeks >= 3:
            spike = rng.randint(max(2, weeks // 3), weeks)
            phq = min(phq, 12)
        plans.append(PatientPlan(email=f"{local}@{domain}", name=name, trajectory=traj, weeks=w,
                                 baseline_phq=phq, baseline_gad=gad, diary_days_per_week=days,
                                 seed=seed * 100_003 + i, spike_week=spike))
    return plans


# ---------------------------------------------------------------- what happens to them


def _clamp(v: float, lo: int, hi: int) -> int:
    return max(lo, min(hi, int(round(v))))


def phq_series(plan: PatientPlan, n: int, rng: random.Random) -> list[int]:
    """PHQ-9 totals for check-ins 0..n-1.

    improving: towards 5 with a four-week time constant; flat: baseline +-1. Both move at most
    a point or two against the trend, so they never show reliable deterioration.
    deteriorating: a little better at first, then worse; the last check-in is at least 7 above
    the best so far and at least 15 (reliable deterioration into the moderately severe range:
    an urgent alert); the one before it stays below the reliable-change threshold."""
    b = plan.baseline_phq
    out: list[int] = []
    for w in range(n):
        noise = rng.choice([-1, 0, 0, 1])
        if plan.trajectory == IMPROVING:
            out.append(_clamp(b - (b - 5) * (1 - math.exp(-w / 4)) + noise, 0, 24))
        elif plan.trajectory == DETERIORATING:
            out.append(_clamp(b - min(w, 2) + (noise if w else 0), 0, 24))
        else:
            out.append(_clamp(b + (noise if w else 0), 0, 24))
    if plan.trajectory == DETERIORATING and n >= 2:
        k = n - 1 if plan.spike_week is None else min(plan.spike_week, n - 1)
        if k >= 2:
            out[k - 1] = min(24, min(out[:k - 1]) + 3)
        best = min(out[:k])
        out[k] = min(24, max(best + 7, 15))
        for j, w in enumerate(range(k + 1, n)):  # recovery: back below the reliable-change line
            out[w] = max(best, min(24, [out[k] - 2, out[k] - 4, best + 3][min(j, 2)] + rng.choice([-1, 0])))
    return out


def gad_series(plan: PatientPlan, phq: list[int], rng: random.Random) -> list[int]:
    """GAD-7 follows PHQ-9 loosely; never 4 above its best except at a PHQ-9 spike."""
    out: list[int] = []
    spike = phq.index(max(phq)) if plan.trajectory == DETERIORATING else -1
    for i, p in enumerate(phq):
        g = plan.baseline_gad + (p - phq[0]) * 0.6 + (rng.choice([-1, 0, 1]) if i else 0)
        g = _clamp(g, 0, 21)
        if out and i != spike:
            g = min(g, min(out) + 2)
        out.append(g)
    return out


def answers_for(total: int, items: int, rng: random.Random, *, last_zero: bool) -> list[int]:
    """Item answers (0-3) adding up to `total`; PHQ-9 item 9 stays 0 (no self-harm thoughts:
    the urgent alert in the demo comes from the change rule, not from item 9)."""
    free = items - 1 if last_zero else items
    total = min(total, 3 * free)
    ans = [0] * items
    order = list(range(free))
    for _ in range(total):
        rng.shuffle(order)
        for k in order:
            if ans[k] < 3:
                ans[k] += 1
                break
    return ans


EMOTIONS_GOOD = ["calm", "content", "happy", "hopeful", "grateful"]
EMOTIONS_LOW = ["tired", "sad", "lonely", "anxious", "worried", "stressed", "irritable", "guilty", "numb",
                "overwhelmed"]
ACTIVITIES = ["walk", "work", "cooking", "called a friend", "gym", "reading", "gardening", "music",
              "cleaning", "shopping", "TV", "swimming"]
NOTES_GOOD = [
    "Went for a walk before work and felt clearer afterwards.",
    "Had lunch with a colleague. Easier to talk than I expected.",
    "Finished the thought record from this week's module.",
    "Slept better. Managed the shopping without rushing.",
    "Called my sister; we laughed about old holidays.",
]
NOTES_LOW = [
    "Hard to get going this morning. Stayed in most of the day.",
    "Kept going over the meeting in my head.",
    "Tired all day, cancelled plans in the evening.",
    "Felt on edge on the bus; left early.",
    "Not much to say today. Flat.",
]


def diary_in(mood: int, rng: random.Random, at: datetime) -> dict[str, Any]:
    low = mood <= 4
    pool = EMOTIONS_LOW if low else EMOTIONS_GOOD
    data: dict[str, Any] = {
        "mood": mood,
        "emotions": rng.sample(pool, k=rng.randint(1, 3)),
        "sleep_hours": rng.choice([5.0, 5.5, 6.0, 6.5, 7.0, 7.5, 8.0]),
        "activities": rng.sample(ACTIVITIES, k=rng.randint(0, 3)),
        "recorded_at": at,
    }
    if rng.random() < 0.6:
        data["note"] = rng.choice(NOTES_LOW if low else NOTES_GOOD)
    return data


@dataclass(order=True)
class Event:
    at: datetime
    seq: int
    kind: str = field(compare=False)          # enrol | diary | checkin | module
    plan_index: int = field(compare=False)
    data: dict[str, Any] = field(compare=False, default_factory=dict)


def events_for(index: int, plan: PatientPlan, now: datetime, module_days: int) -> list[Event]:
    """One patient's history, ending before `now`: enrolment, weekly PHQ-9 and GAD-7 (the
    first at enrolment), diary entries on some evenings, and each module's lesson worked
    through a day or two after it opens."""
    rng = random.Random(plan.seed)
    days = plan.weeks * 7
    enrol = (now - timedelta(days=days, hours=rng.randint(2, 8), minutes=rng.randint(0, 59))).replace(
        second=0, microsecond=0)
    ev: list[Event] = []
    seq = iter(range(index * 1_000_000, (index + 1) * 1_000_000))
    ev.append(Event(enrol, next(seq), "enrol", index))
    n_checkins = plan.weeks + 1
    phq = phq_series(plan, n_checkins, rng)
    gad = gad_series(plan, phq, rng)
    checkin_times = []
    for w in range(n_checkins):
        at = enrol + timedelta(minutes=20) if w == 0 else enrol + timedelta(days=7 * w, minutes=rng.randint(-90, 90))
        at = min(at, now - timedelta(minutes=30))
        checkin_times.append(at)
        ev.append(Event(at, next(seq), "checkin", index, {"week": w, "phq": phq[w], "gad": gad[w]}))
    p_day = min(1.0, plan.diary_days_per_week / 7)
    for d in range(days + 1):
        if d and rng.random() > p_day:
            continue
        at = enrol.replace(hour=19, minute=0) + timedelta(days=d, minutes=rng.randint(0, 180))
        if at <= enrol or at >= now - timedelta(minutes=5):
            continue
        w = min(int((at - enrol).days // 7), n_checkins - 1)
        # between check-ins the mood moves from one week's level to the next
        frac = ((at - enrol).days % 7) / 7
        nxt = phq[min(w + 1, n_checkins - 1)]
        p = phq[w] + (nxt - phq[w]) * frac
        mood = _clamp(9.2 - 0.3 * p + rng.gauss(0, 0.8), 0, 10)
        ev.append(Event(at, next(seq), "diary", index, {"mood": mood}))
    if module_days > 0:
        for m in range(0, days // module_days + 1):
            at = enrol + timedelta(days=m * module_days + rng.randint(0, 2), hours=rng.randint(1, 3))
            if at < now - timedelta(minutes=10) and (plan.trajectory != DETERIORATING or m < 3):
                ev.append(Event(at, next(seq), "module", index, {"number": m + 1}))
    return ev


# ---------------------------------------------------------------- writing it


@dataclass
class Result:
    clinician_email: str
    admin_email: str
    password: str
    patients: list[PatientPlan]
    counts: dict[str, int] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)
    seconds: float = 0.0
    patient_ids: dict[str, uuid.UUID] = field(default_factory=dict)
    clinician_id: uuid.UUID | None = None
    admin_id: uuid.UUID | None = None


def _optional(module: str) -> Any | None:
    from importlib import import_module
    try:
        return import_module(module)
    except ModuleNotFoundError as e:
        if e.name and module.startswith(e.name):
            return None
        raise


def refuse_if_unsafe(session: Session, clinician_email: str) -> None:
    from app.accounts import service as accounts
    from app.config import get_settings

    if get_settings().is_production:
        raise DemoRefused("seed-demo creates accounts with a published password; it refuses to run "
                          "with ICBT_ENV=production")
    if accounts.find_by_email(session, clinician_email) is not None:
        raise DemoRefused(f"demo data is already in this database ({clinician_email} exists). "
                          "Sign in with the details printed when it was created, or point "
                          "ICBT_DATABASE_URL at a fresh database.")


def generate(session_factory: Callable[[], Session], plans: list[PatientPlan], *,
             clinician_email: str = CLINICIAN_EMAIL, admin_email: str = ADMIN_EMAIL,
             password: str = DEMO_PASSWORD, now: datetime | None = None,
             progress: Callable[[str], None] | None = None, fast_password_hash: bool = False) -> Result:
    """Write the plans through the services. `fast_password_hash` hashes the shared password
    once and reuses the hash for every patient (benchmarks: saves ~25 ms of argon2 each)."""
    from app.accounts import service as accounts
    from app.accounts.models import Role

    started = time.monotonic()
    now = now or clock.now()
    settings_module_days = _module_interval_days()
    result = Result(clinician_email, admin_email, password, plans)
    diary = _optional("app.diary.service")
    assessments = _optional("app.assessments.service")
    programme = _optional("app.programme.service")
    homework = _optional("app.homework.service")
    for name, mod in (("diary", diary), ("check-ins", assessments), ("lessons", programme),
                      ("homework", homework)):
        if mod is None:
            result.skipped.append(name)
    counts = result.counts
    staff_at = now - timedelta(days=max((p.weeks for p in plans), default=1) * 7 + 3)

    with session_factory() as s:
        refuse_if_unsafe(s, clinician_email)
    with clock.frozen(staff_at):
        with session_factory() as s:
            admin = accounts.create_user(s, role=Role.admin, email=admin_email, password=password,
                                         display_name="Demo Administrator")
            clin = accounts.create_user(s, role=Role.clinician, email=clinician_email, password=password,
                                        display_name="Dr Dana Clarke")
            s.commit()
            result.admin_id, result.clinician_id = admin.id, clin.id
    shared_hash = None
    if fast_password_hash:
        from app.security import passwords
        shared_hash = passwords.hash_password(password)

    events: list[Event] = []
    for i, plan in enumerate(plans):
        events.extend(events_for(i, plan, now, settings_module_days))
    heapq.heapify(events)
    users: dict[int, Any] = {}
    rngs = {i: random.Random(p.seed ^ 0x5EED) for i, p in enumerate(plans)}
    handled: set[uuid.UUID] = set()
    extra_seq = iter(range(10**12, 2 * 10**12))
    last_report = time.monotonic()
    done = 0

    def bump(key: str, n: int = 1) -> None:
        counts[key] = counts.get(key, 0) + n

    def clinician_follows_up(patient_index: int, patient_id: uuid.UUID, at: datetime) -> None:
        """The clinician acknowledges each new alert within a day or so and resolves it after
        a review some days later: only alerts of the last couple of days stay open, as in a
        service that keeps up with its inbox."""
        if alerts is None:
            return
        rng = rngs[patient_index]
        views = alerts.alerts_for_patient(session, result.clinician_id, patient_id)
        for v in views:
            if v.id in handled or v.status == "resolved":
                continue
            handled.add(v.id)
            ack_at = at + timedelta(hours=rng.randint(1, 30))
            resolve_at = ack_at + timedelta(days=rng.randint(2, 7))
            if ack_at < now - timedelta(days=2):
                heapq.heappush(events, Event(ack_at, next(extra_seq), "ack", patient_index, {"alert": v.id}))
            if resolve_at < now - timedelta(days=1):
                heapq.heappush(events, Event(resolve_at, next(extra_seq), "resolve", patient_index, {"alert": v.id}))

    alerts = _optional("app.alerts.service")
    with clock.frozen(events[0].at if events else now) as move:
        session = session_factory()
        clinician = None
        try:
            while events:
                e = heapq.heappop(events)
                done += 1
                move(e.at)
                plan = plans[e.plan_index]
                if e.kind == "enrol":
                    user = _enrol(session, accounts, Role, plan, password, shared_hash, result.clinician_id)
                    users[e.plan_index] = user.id
                    result.patient_ids[plan.email] = user.id
                    bump("patients")
                elif e.kind in ("ack", "resolve"):
                    clinician = session.get(accounts_user_model(), result.clinician_id)
                    note = "Called the patient; plan agreed." if e.kind == "ack" else "Reviewed at the weekly contact."
                    if e.kind == "ack":
                        _try(lambda: alerts.acknowledge(session, clinician, e.data["alert"], note))
                    else:
                        _try(lambda: alerts.resolve(session, clinician, e.data["alert"], note))
                    bump("alerts " + ("acknowledged" if e.kind == "ack" else "resolved"))
                else:
                    user = session.get(accounts_user_model(), users[e.plan_index])
                    rng = rngs[e.plan_index]
                    flags: list[Any] = []
                    if e.kind == "diary" and diary is not None:
                        flags = _diary(session, diary, user, e, rng)
                        bump("diary entries")
                    elif e.kind == "checkin" and assessments is not None:
                        flags = _checkin(session, assessments, user, e, rng)
                        bump("check-ins", 2)
                    elif e.kind == "module" and programme is not None:
                        n = _module(session, programme, homework, user, e, rng)
                        bump("lessons", 1 if n >= 0 else 0)
                        bump("homework entries", max(n, 0))
                    if flags:
                        clinician_follows_up(e.plan_index, user.id, e.at)
                session.commit()
                session.expunge_all()
                if progress and time.monotonic() - last_report > 5:
                    last_report = time.monotonic()
                    rate = done / (last_report - started)
                    left = len(events)
                    progress(f"  {done:,} events written, {left:,} to go ({rate:,.0f}/s, ~{left / rate:,.0f} s left)")
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()
    counts["events"] = done
    result.seconds = time.monotonic() - started
    return result


def _try(fn: Callable[[], Any]) -> None:
    """A clinician action on an alert that changed meanwhile (e.g. already resolved) is skipped."""
    from app.errors import AppError
    try:
        fn()
    except AppError:
        pass


def accounts_user_model() -> Any:
    from app.accounts.models import User
    return User


def _module_interval_days() -> int:
    from app.config import get_settings
    return get_settings().module_interval_days


def _enrol(session: Session, accounts: Any, Role: Any, plan: PatientPlan, password: str,
           shared_hash: str | None, clinician_id: uuid.UUID | None) -> Any:
    if shared_hash is not None:
        from unittest import mock

        from app.security import passwords
        with mock.patch.object(passwords, "hash_password", lambda _pw: shared_hash):
            user = accounts.create_user(session, role=Role.patient, email=plan.email, password=password,
                                        display_name=plan.name, consent=True)
    else:
        user = accounts.create_user(session, role=Role.patient, email=plan.email, password=password,
                                    display_name=plan.name, consent=True)
    clin = accounts.get_user(session, clinician_id)
    accounts.assign(session, user, clin)
    return user


def _diary(session: Session, diary: Any, user: Any, e: Event, rng: random.Random) -> list[Any]:
    from app.diary.schemas import DiaryIn
    data = DiaryIn(**diary_in(e.data["mood"], rng, e.at))
    return list(diary.create(session, user, data, idempotency_key=None).flags)


def _checkin(session: Session, assessments: Any, user: Any, e: Event, rng: random.Random) -> list[Any]:
    phq = answers_for(e.data["phq"], 9, rng, last_zero=True)
    gad = answers_for(e.data["gad"], 7, rng, last_zero=False)
    difficulty = 1 if e.data["phq"] >= 10 else 0
    a = assessments.submit(session, user, "phq9", phq, difficulty)
    b = assessments.submit(session, user, "gad7", gad)
    return list(a.flags) + list(b.flags)


def _module(session: Session, programme: Any, homework: Any, user: Any, e: Event, rng: random.Random) -> int:
    """Work through module `number` as a patient would: read each page, do its homework,
    mark it complete. Returns the number of homework entries written, or -1 if the module
    is not open (yet) for this patient."""
    module = programme.programme().by_number(e.data["number"])
    if module is None:
        return -1
    status = programme.status_of(session, user, module.slug)
    if not status.is_open:
        return -1
    for page in module.pages:
        programme.record_view(session, user, module, page.slug)
    written = 0
    if homework is not None:
        for ex in module.exercises:
            homework.create(session, user, ex.slug, homework_answers(ex, rng, e.at))
            written += 1
    programme.complete(session, user, module.slug)
    return written


HOMEWORK_TEXT = [
    "At the bus stop, running late for work.",
    "I thought everyone would notice I was struggling.",
    "Talked to a friend about it; it felt smaller afterwards.",
    "Went for a short walk and made a cup of tea.",
    "My manager asked for the report again.",
    "I'll probably mess this up like last time.",
    "Planned the week on Sunday evening and kept it simple.",
    "Noticed my shoulders were tense and breathed slowly.",
]


def homework_answers(exercise: Any, rng: random.Random, at: datetime) -> dict[str, Any]:
    """Plausible answers for any exercise, following its field definitions."""
    return {f.name: _field_value(f, rng, at) for f in exercise.fields}


def _field_value(f: Any, rng: random.Random, at: datetime) -> Any:
    t = f.type
    if t in ("text", "long_text"):
        text = rng.choice(HOMEWORK_TEXT)
        if t == "long_text" and rng.random() < 0.5:
            text += " " + rng.choice(HOMEWORK_TEXT)
        return text[: f.max_length or 500]
    if t == "rating_100":
        return rng.randrange(0, 101, 5)
    if t == "rating_10":
        return rng.randint(2, 8)
    if t == "choice":
        return rng.choice(f.choices)
    if t == "date":
        return (at - timedelta(days=rng.randint(0, 3))).date().isoformat()
    if t == "datetime":
        return (at - timedelta(hours=rng.randint(2, 72))).replace(tzinfo=None).isoformat(timespec="minutes")
    if t == "rows":
        n = max(1, f.min_rows or 1) + rng.randint(0, 1)
        n = min(n, f.max_rows or n)
        return [{c.name: _field_value(c, rng, at) for c in f.columns} for _ in range(n)]
    return None
