"""The clinician's dashboard: their patients, one patient's record. Composes the other
domains' services; every read of a patient's record is audited (security.md item 18).

"My patients" must stay fast with 10,000 patients, so it sorts and filters from what is
stored, not from a subquery per patient: the caseload row (app/caseload) keeps per patient
the highest open alert tier, open alerts per tier, the open rule flags (not on track,
disengaged, check-in overdue), last activity, the next review and modules completed,
recomputed in the transaction of every event that changes them. One query walks the index
on (highest open tier, active at all, last activity) over the clinician's assignments and
stops at the page (50); a filter is a condition on the same row. Only the patients on the
page are then read: their accounts and the monitor's encrypted summary of the latest two
scores (kept up to date on every check-in), decrypted for those 50 only; no patient's
history is read.

On-call clinicians (their address on ICBT_ONCALL_EMAILS) also get "Unassigned": patients
nobody is assigned to who have an unresolved alert, linked to that alert (the on-call access
of app.alerts), never to the record.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import clock
from app.accounts import service as accounts
from app.accounts.models import Assignment, Role, User
from app.alerts import service as alerts
from app.audit import service as audit
from app.errors import NotFound
from app.i18n import N_, _t  # noqa: F401 - interface text (app.i18n)

PAGE_SIZE = 50
MOOD_CHART_DAYS = 90
DIARY_SHOWN = 20
TIERS = ("emergency", "urgent", "routine")
BAND_LABELS = {"minimal": "Minimal", "mild": "Mild", "moderate": "Moderate",
               "moderately_severe": "Moderately severe", "severe": "Severe"}


@dataclass
class ScoreCell:
    instrument: str
    latest: int
    previous: int | None
    at: datetime | None
    band: str | None

    @property
    def band_label(self) -> str:
        return BAND_LABELS.get(self.band or "", "")

    @property
    def delta(self) -> int | None:
        return None if self.previous is None else self.latest - self.previous

    @property
    def trend(self) -> str | None:
        """up (worse: higher score), down (better), same, or None with a single score."""
        d = self.delta
        return None if d is None else "up" if d > 0 else "down" if d < 0 else "same"

    @property
    def arrow(self) -> str:
        return {"up": "▲", "down": "▼", "same": "▶"}.get(self.trend or "", "")

    @property
    def trend_words(self) -> str:
        d = self.delta
        if d is None:
            return "first score"
        if d == 0:
            return "no change since the previous score"
        return f"{'up' if d > 0 else 'down'} {abs(d)} since the previous score ({'worse' if d > 0 else 'better'})"


@dataclass
class PatientRow:
    id: uuid.UUID
    name: str | None
    email: str
    phq9: ScoreCell | None
    gad7: ScoreCell | None
    open_alerts: dict[str, int]
    top_tier: str | None
    last_activity_at: datetime | None
    enrolled_at: datetime | None
    next_review_at: datetime | None = None
    modules_completed: int = 0
    alert_id: uuid.UUID | None = None      # the on-call "Unassigned" list links here, not to the record

    @property
    def open_total(self) -> int:
        return sum(self.open_alerts.values())


def _cell(instrument: str, data: dict[str, Any] | None) -> ScoreCell | None:
    from app.assessments import scoring

    if not data or data.get("latest") is None:
        return None
    at = datetime.fromisoformat(data["at"]) if data.get("at") else None
    return ScoreCell(instrument, data["latest"], data.get("previous"), at,
                     scoring.severity_band(instrument, data["latest"]))


FILTERS = {"reviews_due": N_("Review due"), "emergency": N_("Open emergency alert"),
           "urgent": N_("Open urgent alert"), "routine": N_("Open routine alert"),
           "not_on_track": N_("Not on track"), "disengaged": N_("Disengaged"),
           "checkin_overdue": N_("Check-in overdue"), "not_started": N_("Not started")}
#: only for clinicians on the on-call list (ICBT_ONCALL_EMAILS): patients nobody is assigned to
UNASSIGNED = "unassigned"
UNASSIGNED_LABEL = N_("Unassigned (on call)")


def on_call(session: Session, clinician: User) -> bool:
    """Is this clinician's own address on the on-call list (ICBT_ONCALL_EMAILS)?"""
    from app.config import get_settings
    listed = {accounts.normalise_email(a) for a in get_settings().oncall_list}
    return bool(listed) and accounts.normalise_email(accounts.email_of(session, clinician)) in listed


def filters_for(session: Session, clinician: User) -> dict[str, str]:
    return {**FILTERS, UNASSIGNED: UNASSIGNED_LABEL} if on_call(session, clinician) else dict(FILTERS)


def search_ids(session: Session, clinician: User, q: str) -> list[uuid.UUID]:
    """Names and addresses are encrypted (per-patient keys), so the search decrypts within
    the clinician's own caseload only: one query for the assigned patients' rows, their data
    keys loaded in one batch, then a case-insensitive substring match in memory. A caseload
    is hundreds of patients, not the whole service; a keyed-hash token index would be the
    next step if caseloads grew to thousands."""
    needle = " ".join(q.casefold().split())
    users = session.scalars(select(User).join(Assignment, Assignment.patient_id == User.id)
                            .where(Assignment.clinician_id == clinician.id, User.role == Role.patient)).all()
    alerts.preload_keys(session, {u.id for u in users})
    return [u.id for u in users
            if needle in " ".join(((accounts.display_name_of(session, u) or "") + " "
                                   + accounts.email_of(session, u)).casefold().split())]


def my_patients(session: Session, clinician: User, *, page: int = 1,
                per_page: int = PAGE_SIZE, filter: str | None = None,
                q: str | None = None) -> tuple[list[PatientRow], int]:
    """One page of the clinician's assigned patients, highest open alert tier first, then the
    most recently active (never active last). Returns (rows, total). Audited as one list view.
    `filter` (one of FILTERS) and `q` (name or e-mail) narrow the list."""
    from app.caseload import service as caseload
    from app.monitoring.models import MonitorState

    page = max(1, page)
    only = search_ids(session, clinician, q) if q and q.strip() else None
    stored, total = caseload.assigned_page(session, clinician.id, filter=filter, only=only, now=clock.now(),
                                           page=page, per_page=per_page)
    ids = [r.patient_id for r in stored]
    users = {u.id: u for u in session.scalars(select(User).where(User.id.in_(ids)))} if ids else {}
    states = {m.patient_id: m for m in session.scalars(select(MonitorState).where(MonitorState.patient_id.in_(ids)))} \
        if ids else {}
    alerts.preload_keys(session, set(ids))
    from app.monitoring import service as monitoring
    out = [_row(session, users[r.patient_id], r,
                monitoring.read_summary(session, states[r.patient_id]) if r.patient_id in states else {})
           for r in stored]
    audit.record(session, action="record.list", actor_id=clinician.id, actor_role=clinician.role.value,
                 record_type="patient_list", record_id=f"page={page}" + (f";filter={filter}" if filter else ""))
    return out, total


RANK_TIER = {3: "emergency", 2: "urgent", 1: "routine"}


def _row(session: Session, user: User, r: Any, summary: dict[str, Any]) -> PatientRow:
    return PatientRow(
        id=user.id, name=accounts.display_name_of(session, user), email=accounts.email_of(session, user),
        phq9=_cell("phq9", summary.get("phq9")), gad7=_cell("gad7", summary.get("gad7")),
        open_alerts={"emergency": r.open_emergency, "urgent": r.open_urgent, "routine": r.open_routine},
        top_tier=RANK_TIER.get(r.top_rank), last_activity_at=r.last_activity_at, enrolled_at=user.enrolled_at,
        next_review_at=r.next_review_at, modules_completed=r.modules_completed)


def unassigned_patients(session: Session, clinician: User, *, page: int = 1,
                        per_page: int = PAGE_SIZE) -> tuple[list[PatientRow], int, int]:
    """For clinicians on the on-call list: patients nobody is assigned to who have an
    unresolved alert, highest open tier first. The same people and alerts every clinician
    already sees in the alert inbox under on-call cover (app.alerts `_oncall_clause`); each row
    links to the alert to open first, never to the record, which stays with assigned
    clinicians; no scores. Returns (rows, how many have an alert, how many patients are
    unassigned in all). Audited as a list view. Anyone not on call: NotFound."""
    from app.caseload import service as caseload

    if not on_call(session, clinician):
        raise NotFound()
    stored, total, everyone = caseload.unassigned_page(session, page=page, per_page=per_page)
    ids = [r.patient_id for r in stored]
    users = {u.id: u for u in session.scalars(select(User).where(User.id.in_(ids)))} if ids else {}
    first = alerts.most_urgent_active(session, ids)
    alerts.preload_keys(session, set(ids))
    out = []
    for r in stored:
        row = _row(session, users[r.patient_id], r, {})
        row.next_review_at, row.modules_completed = None, 0
        row.alert_id = first.get(r.patient_id)
        out.append(row)
    audit.record(session, action="record.list", actor_id=clinician.id, actor_role=clinician.role.value,
                 record_type="patient_list", record_id=f"page={page};filter={UNASSIGNED}")
    return out, total, everyone


# ---------------------------------------------------------------- one patient's record


def _optional(module: str, fn: Any) -> Any:
    try:
        mod = __import__(module, fromlist=["service"])
    except ModuleNotFoundError as e:
        if e.name and module.startswith(e.name):
            return None
        raise
    return fn(mod)


def assigned_patient(session: Session, clinician: User, patient_id: uuid.UUID) -> User:
    """The patient if this clinician is assigned to them; NotFound otherwise (same as missing)."""
    patient = accounts.get_user(session, patient_id)
    if (patient is None or patient.role != Role.patient
            or not accounts.is_assigned(session, clinician.id, patient_id)):
        raise NotFound(_t('We could not find that patient.'))
    return patient


@dataclass
class PatientRecord:
    patient: User
    name: str | None
    email: str
    enrolled_at: datetime | None
    last_activity_at: datetime | None
    scores: dict[str, list[Any]] = field(default_factory=dict)    # instrument -> AssessmentView list
    change: Any = None
    outcome: Any = None                                           # change.EpisodeOutcome
    treatment: list[Any] = field(default_factory=list)            # followup.CheckinPoint list
    moods: list[Any] = field(default_factory=list)                # MoodPoint list (last 90 days)
    diary: list[Any] = field(default_factory=list)                # DiaryView list (latest 20)
    diary_total: int = 0
    progress: Any = None
    modules: list[Any] = field(default_factory=list)
    homework: list[Any] = field(default_factory=list)
    alerts: list[Any] = field(default_factory=list)
    safety_plan: Any = None
    charts: dict[str, Any] = field(default_factory=dict)


def patient_record(session: Session, clinician: User, patient_id: uuid.UUID, *,
                   with_charts: bool = False) -> PatientRecord:
    """Everything a clinician sees about one assigned patient. Writes audit events
    (record.view of the record, and of the safety plan when there is one)."""
    patient = assigned_patient(session, clinician, patient_id)
    now = clock.now()
    pid = patient.id
    rec = PatientRecord(patient=patient, name=accounts.display_name_of(session, patient),
                        email=accounts.email_of(session, patient), enrolled_at=patient.enrolled_at,
                        last_activity_at=None)
    rec.scores = {i: _optional("app.assessments.service", lambda m, i=i: m.history(session, pid, i)) or []
                  for i in ("phq9", "gad7")}
    rec.change = _optional("app.assessments.service", lambda m: m.change_summary(session, patient))
    rec.outcome = _optional("app.assessments.service", lambda m: m.episode_outcome(session, patient))
    rec.treatment = _optional("app.assessments.followup", lambda m: m.schedule(session, pid)) or []
    rec.moods = _optional("app.diary.service",
                          lambda m: m.mood_points(session, pid, now - timedelta(days=MOOD_CHART_DAYS))) or []
    rec.diary = _optional("app.diary.service", lambda m: m.list_for(session, pid, limit=DIARY_SHOWN)) or []
    rec.diary_total = _optional("app.diary.service", lambda m: m.count(session, pid)) or len(rec.diary)
    rec.progress = _optional("app.programme.service", lambda m: m.progress_summary(session, patient))
    rec.modules = _optional("app.programme.service", lambda m: m.module_statuses(session, patient)) or []
    rec.homework = _optional("app.homework.service", lambda m: m.entries_for(session, pid)) or []
    rec.alerts = alerts.alerts_for_patient(session, clinician.id, pid)
    from app.safety import service as safety
    rec.safety_plan = safety.get(session, pid)
    from app.monitoring.models import MonitorState
    state = session.get(MonitorState, pid)
    rec.last_activity_at = state.last_activity_at if state is not None else None
    if with_charts:
        rec.charts = _charts(rec)
    audit.record(session, action="record.view", actor_id=clinician.id, actor_role=clinician.role.value,
                 patient_id=pid, record_type="patient_record", record_id=pid)
    if rec.safety_plan is not None:
        audit.record(session, action="record.view", actor_id=clinician.id, actor_role=clinician.role.value,
                     patient_id=pid, record_type="safety_plan", record_id=rec.safety_plan.id)
    return rec


def _charts(rec: PatientRecord) -> dict[str, Any]:
    try:
        from app import charts
    except ModuleNotFoundError as e:
        if e.name == "app.charts":
            return {}
        raise
    from app.assessments.scoring import GAD7_CASENESS, PHQ9_CASENESS
    caseness = {"phq9": PHQ9_CASENESS, "gad7": GAD7_CASENESS}
    out = {i: charts.score_chart(i, [(v.taken_at, v.total) for v in rec.scores.get(i, [])],
                                 caseness=caseness[i], clinician=True)
           for i in ("phq9", "gad7")}
    out["mood"] = charts.mood_chart([(m.recorded_at, m.mood) for m in rec.moods])
    return out
