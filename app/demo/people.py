"""The demo's people and what happens to them: who they are (the cast and the plans the
benchmarks scale up) and the week-by-week events of each story, with no database work.
app/demo/generator.py writes these events through the real services."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any



DEMO_DOMAIN = "demo.steadysteps.example"
IMPROVING, FLAT, DETERIORATING, NEW = "improving", "flat", "deteriorating", "new"


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


def diary_in(mood: int, rng: random.Random, at: datetime, trajectory: str | None = None) -> dict[str, Any]:
    from app.demo import stories

    good_notes, low_notes = stories.NOTES.get(trajectory or "", (NOTES_GOOD, NOTES_LOW))
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
        data["note"] = rng.choice(low_notes if low else good_notes)
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
