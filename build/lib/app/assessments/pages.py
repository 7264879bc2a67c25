"""Check-in pages (PHQ-9, GAD-7): the forms, the result, history, and the progress page."""

from __future__ import annotations

import logging
import secrets
import uuid
from datetime import timedelta
from typing import Annotated, Any, Final
from urllib.parse import quote

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from app import charts, clock
from app.accounts import service as accounts
from app.accounts.dependencies import PagePatient
from app.accounts.models import User
from app.assessments import change, scoring, service
from app.db import SessionDep
from app.diary import service as diary
from app.errors import Conflict, InvalidInput, NotFound
from app.escalation import service as escalation
from app.monitoring import rules
from app.web import redirect, render

log = logging.getLogger("icbt.assessments")
router = APIRouter(include_in_schema=False)

TITLES: Final = {"phq9": "Mood check-in", "gad7": "Anxiety check-in"}
TOPIC: Final = {"phq9": "low mood", "gad7": "worry and anxiety"}
MINUTES: Final = {"phq9": 2, "gad7": 2}
#: Mood chart window on the progress page.
MOOD_CHART_DAYS: Final = 90

#: What a band means, in kind words and without a diagnosis. {topic}: "low mood" / "worry and anxiety".
MEANING: Final = {
    "minimal": "Your answers suggest that {topic} has not been much of a problem over the last two weeks.",
    "mild": "Your answers suggest some {topic} over the last two weeks. Many people have weeks like "
            "this, and the skills in the programme can help.",
    "moderate": "Your answers suggest that {topic} has been a real struggle over the last two weeks. "
                "That is hard. Keep going with the programme, and think about talking it over with "
                "your care team.",
    "moderately_severe": "Your answers suggest that {topic} has been weighing on you a lot over the "
                         "last two weeks. You do not have to manage this on your own: your care team "
                         "can help.",
    "severe": "Your answers suggest that the last two weeks have been very hard. Please do not carry "
              "this alone: talk to your care team soon, and use the help on this page if you need it now.",
}


def _local_next(nxt: str | None) -> str | None:
    """A "continue" address inside this site only (e.g. /modules/<slug> from a module's
    check-in interstitial); anything else is dropped."""
    from app.accounts.pages import _safe_next
    safe = _safe_next(nxt)
    return safe if nxt and safe != "/" else None


def _instrument(key: str) -> scoring.Instrument:
    if key not in scoring.INSTRUMENTS:
        raise NotFound()
    return scoring.INSTRUMENTS[key]


def _options(spec: scoring.Instrument) -> list[tuple[int, str]]:
    return [(o.value, o.label) for o in spec.options]


# ---------------------------------------------------------------- overview and history


@router.get("/checkins")
def checkins(request: Request, session: SessionDep, patient: PagePatient) -> Response:
    due_at = service.next_due(session, patient)
    latest = {k: service.latest(session, patient.id, k) for k in scoring.INSTRUMENTS}
    pending = latest["phq9"] if latest["phq9"] and latest["phq9"].ask_item9_again else None
    return render(request, "patient/checkins.html", {
        "due_at": due_at, "due_now": due_at <= clock.now(), "today": clock.now().date(),
        "latest": latest, "pending": pending,
        "instruments": scoring.INSTRUMENTS, "titles": TITLES, "minutes": MINUTES,
        "band_label": charts.band_label, "page_title": "Check-ins"})


@router.get("/checkins/history")
def history(request: Request, session: SessionDep, patient: PagePatient) -> Response:
    views = list(reversed(service.history(session, patient.id)))
    return render(request, "patient/checkin_history.html", {
        "by_instrument": {k: [v for v in views if v.instrument == k] for k in scoring.INSTRUMENTS},
        "instruments": scoring.INSTRUMENTS, "titles": TITLES, "band_label": charts.band_label,
        "page_title": "Your past check-ins"})


# ---------------------------------------------------------------- result


def _change_words(session: Session, patient: User, a: service.AssessmentView) -> list[str]:
    """Change since baseline, in plain words (clinical-rules.md §3 via change.summarise_change)."""
    spec = scoring.INSTRUMENTS[a.instrument]
    if a.total is None:
        return []
    base = service.baseline(session, patient, a.instrument)
    if base is None or base.id == a.id or base.taken_at > a.taken_at:
        return [f"This is your first {spec.name} check-in, so it is your starting point. "
                "Later check-ins will be compared with it."]
    s = service.change_summary(session, patient, until=a.taken_at)
    phq = a.instrument == "phq9"
    diff = a.total - base.total  # type: ignore[operator]
    when = base.taken_at.strftime("%-d %B %Y")
    if diff < 0:
        words = [f"Your score is {-diff} {'point' if diff == -1 else 'points'} lower than at your first "
                 f"check-in on {when}, when it was {base.total}."]
    elif diff > 0:
        words = [f"Your score is {diff} {'point' if diff == 1 else 'points'} higher than at your first "
                 f"check-in on {when}, when it was {base.total}."]
    else:
        words = [f"Your score is the same as at your first check-in on {when}."]
    reliable = s.phq9_reliable_change if phq else s.gad7_reliable_change
    if reliable == change.IMPROVEMENT:
        words.append("That is a reliable improvement: a change big enough that it is unlikely to be "
                     "just a good week.")
    elif reliable == change.DETERIORATION:
        words.append("That is a reliable rise: things seem to have got harder since you started. "
                     "It is worth talking about with your care team.")
    elif diff != 0:
        words.append("Changes of this size can come and go from week to week, so it is too early to "
                     "call it a real change.")
    if phq and s.phq9_response:
        words.append("Your score has fallen by half or more since you started. In treatment terms, "
                     "that is called a response.")
    if phq and s.phq9_remission and (base.total or 0) >= change.PHQ9_REMISSION_BELOW:
        words.append(f"Your score is now below {change.PHQ9_REMISSION_BELOW}, the range services call "
                     "remission.")
    if s.reliable_recovery == change.RECOVERED:
        words.append("Your mood and anxiety scores are now both below the levels at which people are "
                     "usually offered help, and the change is reliable: services call this reliable recovery.")
    elif s.recovery == change.RECOVERED:
        words.append("Your mood and anxiety scores are now both below the levels at which people are "
                     "usually offered help: services call this recovery.")
    return words


def _result_context(session: Session, patient: User, a: service.AssessmentView) -> dict[str, Any]:
    spec = scoring.INSTRUMENTS[a.instrument]
    pathway = a.escalation
    rule_names = {f.rule for f in a.flags}
    config = service.monitoring_config()
    item9_any = a.item9 is not None and a.item9 >= config.item9_any_min
    severe = (a.instrument == "phq9" and a.total is not None and a.total >= config.severe_phq9_min) \
        or bool(rule_names & rules.CRISIS_RESOURCES_RULES)
    pathway_has_crisis = pathway is not None and pathway.tier in ("urgent", "emergency")
    return {
        "a": a, "spec": spec, "title": TITLES[a.instrument],
        "band": charts.band_label(a.severity).lower() if a.severity else None,
        "meaning": MEANING[a.severity].format(topic=TOPIC[a.instrument]) if a.severity else None,
        "change_words": _change_words(session, patient, a),
        "pathway": pathway,
        "crisis": escalation.pathway_out("urgent") if (item9_any or severe) and not pathway_has_crisis else None,
        "emergency": escalation.pathway_out("emergency"),
        "item9_any": item9_any or bool(rule_names & rules.SAFETY_PLAN_RULES),
        "alert_statuses": _alert_statuses(session, patient) if a.flags else [],
        "page_title": f"Your {spec.name} result",
    }


def _alert_statuses(session: Session, patient: User) -> list[Any]:
    """Where the care team is with this patient's alerts, in plain words."""
    from app.alerts import service as alerts
    return alerts.patient_alert_status(session, patient.id)


@router.get("/checkins/results/{assessment_id}")
def result(request: Request, session: SessionDep, patient: PagePatient, assessment_id: uuid.UUID,
           item9: Annotated[str | None, Query(max_length=10)] = None,
           next: Annotated[str | None, Query(max_length=200)] = None) -> Response:
    a = service.get(session, patient.id, assessment_id)
    if a.ask_item9_again and item9 != "skip":
        return _item9_page(request, a, {})
    return render(request, "patient/checkin_result.html",
                  {**_result_context(session, patient, a), "next": _local_next(next)})


def _item9_page(request: Request, a: service.AssessmentView, errors: dict[str, str],
                status_code: int = 200) -> Response:
    spec = scoring.PHQ9
    return render(request, "patient/checkin_item9.html", {
        "a": a, "spec": spec, "item": spec.items[scoring.PHQ9_SUICIDE_ITEM - 1],
        "options": _options(spec), "errors": errors, "page_title": "One more question"},
        status_code=status_code)


@router.post("/checkins/results/{assessment_id}/item9")
def answer_item9(request: Request, session: SessionDep, patient: PagePatient, assessment_id: uuid.UUID,
                 item9: Annotated[str, Form(max_length=10)] = "") -> Response:
    a = service.get(session, patient.id, assessment_id)
    value = _answer(item9)
    if value is None:
        return _item9_page(request, a, {"item9": "Please choose an answer."}, status_code=422)
    try:
        service.answer_item9(session, patient, assessment_id, value)
    except (InvalidInput, Conflict):
        pass  # already answered (e.g. the form sent twice): show the result as stored
    return redirect(f"/checkins/results/{assessment_id}")


# ---------------------------------------------------------------- not safe


@router.post("/checkins/not-safe")
def not_safe(request: Request, session: SessionDep, patient: PagePatient) -> Response:
    """"I am not safe right now" from the check-in pages: raise an emergency flag (if the
    monitor is installed), then show where to get help. A failure to record it is logged and
    the help page is shown all the same: getting the person to help comes first."""
    from app.safety.pages import not_safe_response
    return not_safe_response(request, session, patient, "checkin")


# ---------------------------------------------------------------- progress


@router.get("/progress")
def progress(request: Request, session: SessionDep, patient: PagePatient) -> Response:
    views = service.history(session, patient.id)
    since = clock.now() - timedelta(days=MOOD_CHART_DAYS)
    moods = diary.mood_points(session, patient.id, since)
    score_charts = [charts.score_chart(k, [(v.taken_at, v.total) for v in views if v.instrument == k])
                    for k in scoring.INSTRUMENTS]
    return render(request, "patient/progress.html", {
        "mood": charts.mood_chart([(m.recorded_at, int(m.mood)) for m in moods],
                                  title=f"Your mood over the last {MOOD_CHART_DAYS} days"),
        "scores": score_charts, "streak": diary.streak(session, patient.id),
        "mood_days": MOOD_CHART_DAYS, "enrolled_at": accounts.enrolled_at(patient),
        "page_title": "Your progress"})


# ---------------------------------------------------------------- the forms


def _answer(raw: str) -> int | None:
    raw = raw.strip()
    if raw.isdigit() and scoring.ITEM_MIN <= int(raw) <= scoring.ITEM_MAX:
        return int(raw)
    return None


def _form_page(request: Request, spec: scoring.Instrument, form: dict[str, str], errors: dict[str, str],
               key: str, status_code: int = 200) -> Response:
    return render(request, "patient/checkin_form.html", {
        "spec": spec, "title": TITLES[spec.key], "options": _options(spec), "form": form,
        "errors": errors, "idempotency_key": key, "minutes": MINUTES[spec.key],
        "difficulty_options": [(o.value, o.label) for o in spec.difficulty.options] if spec.difficulty else [],
        "page_title": f"{TITLES[spec.key]} ({spec.name})"}, status_code=status_code)


@router.get("/checkins/{instrument}")
def form(request: Request, patient: PagePatient, instrument: str,
         next: Annotated[str | None, Query(max_length=200)] = None) -> Response:
    spec = _instrument(instrument)
    return _form_page(request, spec, {"next": _local_next(next) or ""}, {}, secrets.token_urlsafe(24))


A = Annotated[str, Form(max_length=10)]


@router.post("/checkins/{instrument}")
def submit(request: Request, session: SessionDep, patient: PagePatient, instrument: str,
           q1: A = "", q2: A = "", q3: A = "", q4: A = "", q5: A = "", q6: A = "", q7: A = "",
           q8: A = "", q9: A = "", difficulty: A = "",
           idempotency_key: Annotated[str, Form(max_length=64)] = "",
           next: Annotated[str, Form(max_length=200)] = "") -> Response:
    spec = _instrument(instrument)
    raw = {"q1": q1, "q2": q2, "q3": q3, "q4": q4, "q5": q5, "q6": q6, "q7": q7, "q8": q8, "q9": q9}
    form = {f"q{i.number}": raw[f"q{i.number}"] for i in spec.items}
    form["difficulty"] = difficulty
    form["next"] = _local_next(next) or ""
    key = idempotency_key.strip() or secrets.token_urlsafe(24)
    errors: dict[str, str] = {}
    answers: list[int | None] = []
    for item in spec.items:  # the web form requires every item
        value = _answer(form[f"q{item.number}"])
        if value is None:
            errors[f"q{item.number}"] = f"Please choose an answer for question {item.number}."
        answers.append(value)
    diff_value = _answer(difficulty) if spec.difficulty else None
    if spec.difficulty and difficulty.strip() and diff_value is None:
        errors["difficulty"] = "Please choose one of the answers."
    if not errors:
        try:
            res = service.submit(session, patient, spec.key, answers, diff_value,
                                 idempotency_key=key, difficulty_required=True)
        except InvalidInput as e:
            if e.field == "difficulty":
                errors["difficulty"] = ("You ticked at least one problem, so please also answer this "
                                        "last question.")
            elif e.field and e.field.startswith("answers."):
                errors[f"q{int(e.field.split('.')[1]) + 1}"] = e.detail
            else:
                errors["q1"] = e.detail
        else:
            then = f"?next={quote(form['next'])}" if form["next"] else ""
            return redirect(f"/checkins/results/{res.assessment.id}{then}")
    return _form_page(request, spec, form, errors, key, status_code=422)
