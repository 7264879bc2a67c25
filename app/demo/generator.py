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
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from app import clock
from app.demo.people import (  # noqa: F401 - some re-exported: callers use generator.<name>
    DEMO_DOMAIN,
    IMPROVING,
    FLAT,
    DETERIORATING,
    CAST,
    PatientPlan,
    demo_plans,
    phq_series,
    answers_for,
    diary_in,
    Event,
    events_for,
)

DEMO_PASSWORD = "steady-steps-demo-2026"
CLINICIAN_EMAIL = f"clinician@{DEMO_DOMAIN}"
ADMIN_EMAIL = f"admin@{DEMO_DOMAIN}"



class DemoRefused(Exception):
    """The generator will not run here (production, or demo users already exist)."""


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
                        _try(lambda: alerts.acknowledge(session, clinician, e.data["alert"], note, "contacted_patient"))
                    else:
                        _try(lambda: alerts.resolve(session, clinician, e.data["alert"], note, "other"))
                    bump("alerts " + ("acknowledged" if e.kind == "ack" else "resolved"))
                else:
                    user = session.get(accounts_user_model(), users[e.plan_index])
                    rng = rngs[e.plan_index]
                    flags: list[Any] = []
                    if e.kind == "diary" and diary is not None:
                        flags = _diary(session, diary, user, e, rng, plan.trajectory)
                        bump("diary entries")
                    elif e.kind == "checkin" and assessments is not None:
                        flags = _checkin(session, assessments, user, e, rng)
                        bump("check-ins", 2)
                    elif e.kind == "module" and programme is not None:
                        n = _module(session, programme, homework, user, e, rng, plan.trajectory)
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


def _diary(session: Session, diary: Any, user: Any, e: Event, rng: random.Random,
           trajectory: str | None = None) -> list[Any]:
    from app.diary.schemas import DiaryIn
    data = DiaryIn(**diary_in(e.data["mood"], rng, e.at, trajectory))
    return list(diary.create(session, user, data, idempotency_key=None).flags)


def _checkin(session: Session, assessments: Any, user: Any, e: Event, rng: random.Random) -> list[Any]:
    phq = answers_for(e.data["phq"], 9, rng, last_zero=True)
    gad = answers_for(e.data["gad"], 7, rng, last_zero=False)
    difficulty = 1 if e.data["phq"] >= 10 else 0
    a = assessments.submit(session, user, "phq9", phq, difficulty)
    b = assessments.submit(session, user, "gad7", gad)
    return list(a.flags) + list(b.flags)


def _module(session: Session, programme: Any, homework: Any, user: Any, e: Event, rng: random.Random,
            trajectory: str = "") -> int:
    """Work through module `number` as a patient would: read each page, do its homework (in
    the words of the patient's story, app.demo.stories; an exercise the story leaves out is not
    done), mark it complete. Returns the number of homework entries written, or -1 if the
    module is not open (yet) for this patient."""
    from app.demo import stories

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
            answers = stories.story_answers(trajectory, ex.slug, e.at)
            if answers is not None:
                homework.create(session, user, ex.slug, answers)
                written += 1
    programme.complete(session, user, module.slug)
    return written
