"""Random events for the caseload property test, each through the services a request or the
background job would use. `World` holds the people; every event takes a fresh session."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts import service as accounts
from app.accounts.models import User
from app.alerts import service as alerts
from app.alerts.models import ACTIVE_STATUSES, Alert
from app.errors import AppError
from app.monitoring import rules
from app.monitoring.rules import Flag, Tier
from tests.alerts.support import gad7, phq9


@dataclass
class World:
    db: Any
    rnd: random.Random
    move: Any                 # the frozen clock's setter
    now: datetime
    admin: uuid.UUID
    clinicians: list[uuid.UUID]
    patients: list[uuid.UUID]
    log: list[str] = field(default_factory=list)

    def user(self, s: Session, uid: uuid.UUID) -> User:
        u = s.get(User, uid)
        assert u is not None
        return u

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)
        self.move(self.now)


def _checkin(w: World, s: Session, pid: uuid.UUID) -> None:
    from app.assessments import service as assessments
    item9 = w.rnd.choice([0, 0, 0, 1, 2, 3, None])
    answers: list[int | None] = phq9(w.rnd.randint(0, 24), item9 or 0)
    if item9 is None:
        answers[8] = None
    assessments.submit(s, w.user(s, pid), "phq9", answers)


def _gad7(w: World, s: Session, pid: uuid.UUID) -> None:
    from app.assessments import service as assessments
    assessments.submit(s, w.user(s, pid), "gad7", gad7(w.rnd.randint(0, 21)))


def _diary(w: World, s: Session, pid: uuid.UUID) -> None:
    from app.diary import service as diary
    from app.diary.schemas import DiaryIn
    diary.create(s, w.user(s, pid), DiaryIn(mood=w.rnd.randint(0, 10)))


def _not_safe(w: World, s: Session, pid: uuid.UUID) -> None:
    from app.monitoring import service as monitoring
    monitoring.report_not_safe(s, w.user(s, pid), "diary")


def _message(w: World, s: Session, pid: uuid.UUID) -> None:
    from app.messages import service as messages
    text = "I want to die" if w.rnd.random() < 0.2 else "Thanks, see you next week."   # risk words: an alert
    messages.send_from_patient(s, w.user(s, pid), text)


def _assigned(w: World, s: Session, pid: uuid.UUID) -> User | None:
    ids = accounts.clinician_ids_for(s, pid)
    return w.user(s, w.rnd.choice(sorted(ids))) if ids else None


def _review(w: World, s: Session, pid: uuid.UUID) -> None:
    from app.guided import service as guided
    c = _assigned(w, s, pid)
    if c is not None:
        guided.complete_review(s, c, pid, "Reviewed the week.")


def _episode(w: World, s: Session, pid: uuid.UUID) -> None:
    from app.guided import episode
    c = _assigned(w, s, pid)
    if c is not None:
        episode.set_status(s, c, pid, w.rnd.choice(episode.STATUSES), "finished", "A note.")


def _alert_action(w: World, s: Session, pid: uuid.UUID, resolve: bool) -> None:
    active = list(s.scalars(select(Alert.id).where(Alert.patient_id == pid, Alert.status.in_(ACTIVE_STATUSES))
                            .order_by(Alert.id)))
    if not active:
        return
    aid = w.rnd.choice(active)
    for cid in w.rnd.sample(w.clinicians, len(w.clinicians)):   # whoever may see it (assigned or on call)
        try:
            fn = alerts.resolve if resolve else alerts.acknowledge
            fn(s, w.user(s, cid), aid, "Called the patient.", "contacted_patient")
            return
        except AppError:
            continue


def _ack(w: World, s: Session, pid: uuid.UUID) -> None:
    _alert_action(w, s, pid, resolve=False)


def _resolve(w: World, s: Session, pid: uuid.UUID) -> None:
    _alert_action(w, s, pid, resolve=True)


TIME_RULES = (rules.NOT_ON_TRACK, rules.DISENGAGED, rules.MISSED_CHECKIN, rules.MOOD_DECLINE)


def _raise(w: World, s: Session, pid: uuid.UUID) -> None:
    from app.monitoring import service as monitoring
    monitoring.lock_patient(s, pid)
    alerts.raise_alert(s, pid, Flag(w.rnd.choice(TIME_RULES), w.rnd.choice([Tier.ROUTINE, Tier.URGENT]), 3, "x"))


def _by_system(w: World, s: Session, pid: uuid.UUID) -> None:
    active = sorted(set(s.scalars(select(Alert.rule).where(Alert.patient_id == pid,
                                                          Alert.status.in_(ACTIVE_STATUSES)))))
    alerts.resolve_by_system(s, pid, w.rnd.choice(active or [rules.ITEM9_UNKNOWN]), "Its reason has gone.")


def _module(w: World, s: Session, pid: uuid.UUID) -> None:
    from app.programme import service as programme
    user = w.user(s, pid)
    open_ = [m.slug for m in programme.module_statuses(s, user) if str(m.status) in ("available", "in_progress")]
    if open_:
        programme.complete(s, user, w.rnd.choice(open_))


def _assign(w: World, s: Session, pid: uuid.UUID) -> None:
    accounts.assign(s, w.user(s, pid), w.user(s, w.rnd.choice(w.clinicians)), actor=w.user(s, w.admin))


def _unassign(w: World, s: Session, pid: uuid.UUID) -> None:
    ids = accounts.clinician_ids_for(s, pid)
    if ids:
        accounts.unassign(s, pid, w.rnd.choice(sorted(ids)), actor=w.user(s, w.admin))


EVENTS = {"checkin": (_checkin, 5), "gad7": (_gad7, 2), "diary": (_diary, 3), "not_safe": (_not_safe, 1),
          "message": (_message, 2), "review": (_review, 2), "episode": (_episode, 1), "ack": (_ack, 3),
          "resolve": (_resolve, 3), "raise": (_raise, 3), "by_system": (_by_system, 1), "module": (_module, 2),
          "assign": (_assign, 2), "unassign": (_unassign, 2)}


def step(w: World) -> None:
    """One random event (sometimes two in one transaction, sometimes rolled back, sometimes
    the clock moves on and the scheduled job runs)."""
    r = w.rnd.random()
    if r < 0.08:
        w.advance(days=w.rnd.choice([1, 3, 8, 15]))
        from app.monitoring import service as monitoring
        monitoring.run_schedule(w.now, open_session=w.db.session)
        w.log.append("schedule")
        return
    w.advance(hours=w.rnd.randint(1, 30))
    names = list(EVENTS)
    weights = [EVENTS[n][1] for n in names]
    todo = w.rnd.choices(names, weights, k=2 if r < 0.2 else 1)
    rollback = 0.2 <= r < 0.25
    with w.db.session() as s:
        try:
            for name in todo:
                EVENTS[name][0](w, s, w.rnd.choice(w.patients))
            if rollback:
                s.rollback()
            else:
                s.commit()
        except AppError:
            s.rollback()
            rollback = True
    w.log.append("+".join(todo) + (" (rolled back)" if rollback else ""))
