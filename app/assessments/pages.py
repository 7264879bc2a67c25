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
from app.assessments import scoring, service, words
from app.db import SessionDep
from app.diary import service as diary
from app.errors import Conflict, InvalidInput, NotFound
from app.escalation import service as escalation
from app.monitoring import rules
from app.web import redirect, render
from app.i18n import N_, _t  # noqa: F401 - interface text (app.i18n)

log = logging.getLogger("icbt.assessments")
router = APIRouter(include_in_schema=False)

TITLES: Final = {"phq9": N_("Mood check-in"), "gad7": N_("Anxiety check-in")}


def titles() -> dict[str, str]:
    """The check-ins' names in the viewer's language."""
    return {k: _t(v) for k, v in TITLES.items()}

MINUTES: Final = {"phq9": 2, "gad7": 2}
#: Mood chart window on the progress page.
MOOD_CHART_DAYS: Final = 90

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
    due = service.due(session, patient)
    latest = {k: service.latest(session, patient.id, k) for k in scoring.INSTRUMENTS}
    pending = latest["phq9"] if latest["phq9"] and latest["phq9"].ask_item9_again else None
    return render(request, "patient/checkins.html", {
        "due_at": due.next_due, "due_now": due.due_now, "due": due, "today": clock.now().date(),
        "due_minutes": sum(MINUTES[k] for k in due.remaining),
        "latest": latest, "pending": pending,
        "instruments": scoring.INSTRUMENTS, "titles": titles(), "minutes": MINUTES,
        "band_label": charts.band_label, "page_title": _t('Check-ins')})


@router.get("/checkins/history")
def history(request: Request, session: SessionDep, patient: PagePatient) -> Response:
    views = list(reversed(service.history(session, patient.id)))
    return render(request, "patient/checkin_history.html", {
        "by_instrument": {k: [v for v in views if v.instrument == k] for k in scoring.INSTRUMENTS},
        "instruments": scoring.INSTRUMENTS, "titles": titles(), "band_label": charts.band_label,
        "page_title": _t('Your past check-ins')})


# ---------------------------------------------------------------- result


def _result_context(session: Session, patient: User, a: service.AssessmentView) -> dict[str, Any]:
    spec = scoring.INSTRUMENTS[a.instrument]
    pathway = a.escalation
    rule_names = {f.rule for f in a.flags}
    config = service.monitoring_config()
    item9_any = a.item9 is not None and a.item9 >= config.item9_any_min
    severe = (a.total is not None and a.total >= rules.severe_min(a.instrument, config)) \
        or bool(rule_names & rules.CRISIS_RESOURCES_RULES)
    pathway_has_crisis = pathway is not None and pathway.tier in ("urgent", "emergency")
    care = _care_team(session, patient, a) if pathway is not None else None
    from app.safety import service as safety
    return {
        "a": a, "spec": spec, "title": _t(TITLES[a.instrument]),
        "band": charts.band_label(a.severity).lower() if a.severity else None,
        "meaning": _t(words.MEANING[a.severity]).format(topic=_t(words.TOPIC[a.instrument])) if a.severity else None,
        "change_words": words.change_words(session, patient, a),
        "pathway": pathway, "care": care,
        "has_plan": safety.get(session, patient.id) is not None,
        # a routine tier with a severe score or item 9 > 0 still gets the crisis resources,
        # the emergency line first (clinical-rules.md §4, Louzon 2016)
        "crisis": escalation.pathway_out("urgent") if (item9_any or severe) and not pathway_has_crisis else None,
        "emergency": escalation.pathway_out("emergency"),
        "item9_any": item9_any or bool(rule_names & rules.SAFETY_PLAN_RULES),
        "alert_statuses": _alert_statuses(session, patient) if a.flags else [],
        "page_title": _t('Your %(name)s result', name=spec.name),
    }


def _care_team(session: Session, patient: User, a: service.AssessmentView) -> Any:
    """The care team's status for the alert this check-in raised (or updated)."""
    from app.alerts import honesty
    alert = honesty.latest_active(session, patient.id, {f.rule for f in a.flags})
    return honesty.status_for(session, alert) if alert is not None else None


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
    nxt = _local_next(next)
    return render(request, "patient/checkin_result.html",
                  {**_result_context(session, patient, a), "next": nxt, "next_label": _next_label(nxt)})


def _next_label(nxt: str | None) -> str:
    if nxt and nxt.startswith("/checkins/"):
        return _t('Carry on with the next questions')
    return _t('Carry on to your module') if nxt and nxt.startswith("/modules") else _t('Carry on')


def _item9_page(request: Request, a: service.AssessmentView, errors: dict[str, str],
                status_code: int = 200) -> Response:
    spec = scoring.PHQ9
    return render(request, "patient/checkin_item9.html", {
        "a": a, "spec": spec, "item": spec.items[scoring.PHQ9_SUICIDE_ITEM - 1],
        "options": _options(spec), "errors": errors, "page_title": _t('One more question')},
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


def _outcome(session: Session, patient: User) -> dict[str, Any]:
    """The episode's outcome in plain words (change.OUTCOME_WORDS), and the end-of-treatment
    and follow-up check-ins once treatment has ended."""
    from app.assessments import change, followup
    outcome = service.episode_outcome(session, patient)
    return {"outcome_words": change.OUTCOME_WORDS[outcome.label][0],
            "treatment": followup.schedule(session, patient.id)}


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
        **_outcome(session, patient),
        "mood_days": MOOD_CHART_DAYS, "enrolled_at": accounts.enrolled_at(patient),
        "page_title": _t('Your progress')})


# ---------------------------------------------------------------- the weekly check-in flow

#: Ids of the check-ins done so far in one weekly flow (at most one per instrument).
MAX_FLOW_IDS: Final = len(rules.WEEKLY_INSTRUMENTS)


def _flow(raw: str | None) -> tuple[str, ...]:
    """The instruments of this weekly flow, in the weekly order ("phq9,gad7"); () if none."""
    wanted = {p.strip() for p in (raw or "").split(",")}
    return tuple(i for i in rules.WEEKLY_INSTRUMENTS if i in wanted)


def _ids(raw: str | None) -> list[uuid.UUID]:
    out: list[uuid.UUID] = []
    for part in (raw or "").split(",")[:MAX_FLOW_IDS]:
        try:
            out.append(uuid.UUID(part.strip()))
        except ValueError:
            continue
    return out


def _flow_query(flow: tuple[str, ...], done: list[uuid.UUID], nxt: str | None) -> str:
    q = f"flow={','.join(flow)}"
    if done:
        q += "&done=" + ",".join(str(i) for i in done)
    if nxt:
        q += f"&next={quote(nxt, safe='')}"
    return q


@router.get("/checkins/weekly")
def weekly(session: SessionDep, patient: PagePatient,
           next: Annotated[str | None, Query(max_length=200)] = None) -> Response:
    """"Do my check-in": the PHQ-9 and then the GAD-7 (those of them still due; both when
    the patient chooses to do it before it is due)."""
    d = service.due(session, patient)
    flow = d.remaining or d.instruments
    return redirect(f"/checkins/{flow[0]}?{_flow_query(flow, [], _local_next(next))}")


@router.get("/checkins/weekly/result")
def weekly_result(request: Request, session: SessionDep, patient: PagePatient,
                  ids: Annotated[str, Query(max_length=80)] = "",
                  next: Annotated[str | None, Query(max_length=200)] = None) -> Response:
    """One result page for the whole weekly check-in."""
    views = [service.get(session, patient.id, i) for i in _ids(ids)]
    if not views:
        raise NotFound(_t('We could not find that check-in.'))
    for a in views:
        if a.ask_item9_again:
            return redirect(f"/checkins/results/{a.id}")
    results = [_result_context(session, patient, a) for a in views]
    all_flags = [f for a in views for f in a.flags]
    pathway = service.escalation_for(all_flags)
    has_crisis = pathway is not None and pathway.tier in ("urgent", "emergency")
    crisis = [r["crisis"] for r in results if r["crisis"]][:1]
    care = None
    if pathway is not None:  # the care team's real state for the alert the flow raised
        from app.alerts import honesty
        alert = honesty.latest_active(session, patient.id, {f.rule for f in all_flags})
        care = honesty.status_for(session, alert) if alert is not None else None
    nxt = _local_next(next)
    return render(request, "patient/checkin_weekly_result.html", {
        "results": results, "pathway": pathway, "care": care,
        "crisis": None if has_crisis or not crisis else crisis[0],
        "emergency": escalation.pathway_out("emergency"),
        "item9_any": any(r["item9_any"] for r in results),
        "has_plan": any(r["has_plan"] for r in results),
        "alert_statuses": _alert_statuses(session, patient) if all_flags else [],
        "taken_at": views[-1].taken_at, "next": nxt, "next_label": _next_label(nxt),
        "page_title": _t('Your check-in results')})


# ---------------------------------------------------------------- the forms


def _answer(raw: str) -> int | None:
    raw = raw.strip()
    if raw.isdigit() and scoring.ITEM_MIN <= int(raw) <= scoring.ITEM_MAX:
        return int(raw)
    return None


def _form_page(request: Request, spec: scoring.Instrument, form: dict[str, str], errors: dict[str, str],
               key: str, status_code: int = 200) -> Response:
    flow = _flow(form.get("flow"))
    step = flow.index(spec.key) + 1 if spec.key in flow else None
    return render(request, "patient/checkin_form.html", {
        "spec": spec, "title": _t(TITLES[spec.key]), "options": _options(spec), "form": form,
        "errors": errors, "idempotency_key": key, "minutes": MINUTES[spec.key],
        "difficulty_options": [(o.value, o.label) for o in spec.difficulty.options] if spec.difficulty else [],
        "step": step, "steps": len(flow), "page_title": f"{_t(TITLES[spec.key])} ({spec.name})"},
        status_code=status_code)


@router.get("/checkins/{instrument}")
def form(request: Request, patient: PagePatient, instrument: str,
         next: Annotated[str | None, Query(max_length=200)] = None,
         flow: Annotated[str | None, Query(max_length=40)] = None,
         done: Annotated[str | None, Query(max_length=80)] = None) -> Response:
    spec = _instrument(instrument)
    steps = _flow(flow)
    values = {"next": _local_next(next) or "", "flow": ",".join(steps) if spec.key in steps else "",
              "done": ",".join(str(i) for i in _ids(done)) if spec.key in steps else ""}
    return _form_page(request, spec, values, {}, secrets.token_urlsafe(24))


A = Annotated[str, Form(max_length=10)]

DIFFICULTY_MISSING: Final = ("You ticked at least one problem, so please also answer this last question.")


def _after_submit(session: Session, patient: User, spec: scoring.Instrument, res: service.SubmitResult,
                  form: dict[str, str]) -> Response:
    """Where the patient goes next: the next questionnaire of the weekly flow, or the result.
    A PHQ-9 that needs urgent help shows its own result (with that help) first."""
    nxt = form["next"] or None
    flow = _flow(form["flow"])
    if spec.key not in flow:
        then = f"?next={quote(nxt)}" if nxt else ""
        return redirect(f"/checkins/results/{res.assessment.id}{then}")
    done = [i for i in _ids(form["done"]) if i != res.assessment.id] + [res.assessment.id]
    rest = flow[flow.index(spec.key) + 1:]
    if rest:
        following = f"/checkins/{rest[0]}?{_flow_query(flow, done, nxt)}"
        if res.escalation is not None and res.escalation.tier in ("urgent", "emergency"):
            return redirect(f"/checkins/results/{res.assessment.id}?next={quote(following, safe='')}")
        return redirect(following)
    then = f"&next={quote(nxt, safe='')}" if nxt else ""
    return redirect(f"/checkins/weekly/result?ids={','.join(str(i) for i in done)}{then}")


@router.post("/checkins/{instrument}")
def submit(request: Request, session: SessionDep, patient: PagePatient, instrument: str,
           q1: A = "", q2: A = "", q3: A = "", q4: A = "", q5: A = "", q6: A = "", q7: A = "",
           q8: A = "", q9: A = "", difficulty: A = "",
           idempotency_key: Annotated[str, Form(max_length=64)] = "",
           next: Annotated[str, Form(max_length=200)] = "",
           flow: Annotated[str, Form(max_length=40)] = "",
           done: Annotated[str, Form(max_length=80)] = "") -> Response:
    spec = _instrument(instrument)
    raw = {"q1": q1, "q2": q2, "q3": q3, "q4": q4, "q5": q5, "q6": q6, "q7": q7, "q8": q8, "q9": q9}
    form = {f"q{i.number}": raw[f"q{i.number}"] for i in spec.items}
    form["difficulty"] = difficulty
    form["next"] = _local_next(next) or ""
    steps = _flow(flow)
    form["flow"] = ",".join(steps) if spec.key in steps else ""
    form["done"] = ",".join(str(i) for i in _ids(done)) if form["flow"] else ""
    key = idempotency_key.strip() or secrets.token_urlsafe(24)
    errors: dict[str, str] = {}
    answers: list[int | None] = []
    for item in spec.items:  # the web form requires every item
        value = _answer(form[f"q{item.number}"])
        if value is None:
            errors[f"q{item.number}"] = _t('Please choose an answer for question %(number)s.', number=item.number)
        answers.append(value)
    diff_value = _answer(difficulty) if spec.difficulty else None
    if spec.difficulty and difficulty.strip() and diff_value is None:
        errors["difficulty"] = _t('Please choose one of the answers.')
    elif spec.difficulty and diff_value is None and any(a for a in answers if a is not None):
        # Every error at once: the difficulty question is required as soon as any answer
        # is above 0, whether or not the other questions are complete yet.
        errors["difficulty"] = DIFFICULTY_MISSING
    if not errors:
        try:
            res = service.submit(session, patient, spec.key, answers, diff_value,
                                 idempotency_key=key, difficulty_required=True)
        except InvalidInput as e:
            if e.field == "difficulty":
                errors["difficulty"] = DIFFICULTY_MISSING
            elif e.field and e.field.startswith("answers."):
                errors[f"q{int(e.field.split('.')[1]) + 1}"] = e.detail
            else:
                errors["q1"] = e.detail
        else:
            return _after_submit(session, patient, spec, res, form)
    return _form_page(request, spec, form, errors, key, status_code=422)
