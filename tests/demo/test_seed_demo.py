"""`icbt seed-demo` writes real histories through the services, and they read back."""

from __future__ import annotations

import pytest

from app import cli
from app.accounts import service as accounts
from app.demo import generator as g


def test_seed_demo_small_history_decrypts_through_the_services(db, session, capsys) -> None:  # type: ignore[no-untyped-def]
    assert cli.main(["seed-demo", "--patients", "3", "--weeks", "2"]) == 0
    out = capsys.readouterr().out
    assert g.DEMO_PASSWORD in out and g.CLINICIAN_EMAIL in out and g.ADMIN_EMAIL in out

    from app.alerts import service as alerts
    from app.assessments import service as assessments
    from app.diary import service as diary

    clinician = accounts.find_by_email(session, g.CLINICIAN_EMAIL)
    assert clinician is not None and accounts.display_name_of(session, clinician) == "Dr Dana Clarke"
    assert accounts.find_by_email(session, g.ADMIN_EMAIL) is not None
    plans = g.demo_plans(3, 2)
    assert [p.trajectory for p in plans] == [g.IMPROVING, g.FLAT, g.DETERIORATING]
    for plan in plans:
        patient = accounts.find_by_email(session, plan.email)
        assert patient is not None, plan.email
        assert accounts.display_name_of(session, patient) == plan.name
        assert accounts.is_assigned(session, clinician.id, patient.id)
        entries = diary.list_for(session, patient.id)
        assert entries and all(0 <= e.mood <= 10 for e in entries)
        phq = assessments.history(session, patient.id, "phq9")
        gad = assessments.history(session, patient.id, "gad7")
        assert len(phq) == len(gad) == 3  # at enrolment and weekly
        assert [v.total for v in phq] == g.phq_series(plan, 3, _rng_after_enrol(plan))
        assert all(v.item9 == 0 for v in phq)

    # The deteriorating patient's last check-in raised a real, open, urgent alert through the monitor.
    jordan = accounts.find_by_email(session, plans[2].email)
    assert jordan is not None
    views, total = alerts.list_for_clinician(session, clinician.id, "open")
    urgent = [v for v in views if v.tier == "urgent"]
    assert total >= 1 and len(urgent) == 1, [(v.rule, v.tier, v.value, v.detail) for v in views]
    assert urgent[0].patient_id == jordan.id and urgent[0].rule == "reliable_deterioration"


def _rng_after_enrol(plan: g.PatientPlan):  # type: ignore[no-untyped-def]
    """The generator's random stream at the point it draws the PHQ-9 series."""
    import random
    rng = random.Random(plan.seed)
    rng.randint(2, 8), rng.randint(0, 59)
    return rng


def test_seed_demo_refuses_a_second_time_and_in_production(db, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    assert cli.main(["seed-demo", "--patients", "1", "--weeks", "1", "--quiet"]) == 0
    assert cli.main(["seed-demo", "--patients", "1", "--weeks", "1"]) == 1
    assert "already in this database" in capsys.readouterr().err

    from app.config import get_settings
    monkeypatch.setenv("ICBT_ENV", "production")
    get_settings.cache_clear()
    with db.session() as s, pytest.raises(g.DemoRefused, match="production"):
        g.refuse_if_unsafe(s, "someone-else@example.org")


# Stock phrases the demo used to stitch homework from: none of them may come back.
OLD_STOCK = ["At the bus stop, running late for work.", "I'll probably mess this up like last time.",
             "Noticed my shoulders were tense and breathed slowly."]


def test_seed_demo_as_an_operator_runs_it_writes_each_persons_own_story(db, session) -> None:  # type: ignore[no-untyped-def]
    """`icbt seed-demo` as a separate process (the way `make demo` runs it), against the test
    database; the homework read back through the services is each person's story."""
    import os
    import subprocess
    import sys
    from datetime import UTC, datetime
    from pathlib import Path

    from app.config import ROOT
    from app.demo import stories
    from app.homework import forms
    from app.homework import service as homework
    from app.programme import service as programme

    icbt = Path(sys.executable).with_name("icbt")
    cmd = [str(icbt)] if icbt.exists() else [sys.executable, "-m", "app.cli"]
    r = subprocess.run([*cmd, "seed-demo", "--patients", "3", "--weeks", "4"], env=dict(os.environ), cwd=ROOT,
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    assert g.CLINICIAN_EMAIL in r.stdout and "homework entries" in r.stdout

    session.expire_all()
    plans = g.demo_plans(3, 4)
    seen: dict[str, dict[str, dict]] = {}
    for plan in plans:
        patient = accounts.find_by_email(session, plan.email)
        entries = homework.entries_for(session, patient.id)
        assert entries, plan.name
        seen[plan.trajectory] = {e.task_slug: e.answers for e in entries}
        for e in entries:
            _, exercise = programme.exercise(e.task_slug)
            expected = stories.story_answers(plan.trajectory, e.task_slug, datetime.now(UTC))
            assert expected is not None
            # the same words as the story (dates and times move with the demo's clock)
            texts = {k: v for k, v in e.answers.items() if isinstance(v, str) and not v[:1].isdigit()}
            assert texts == {k: v for k, v in expected.items() if isinstance(v, str) and not v[:1].isdigit()}
            assert forms.validate(exercise, e.answers, draft=False)[1] == []
            flat = repr(e.answers)
            assert not any(s in flat for s in OLD_STOCK), flat
    alex, sam, jordan = (seen[t] for t in (g.IMPROVING, g.FLAT, g.DETERIORATING))
    assert alex["thought-record-starter"]["thoughts"] == "I'm letting everyone down. She'll think I don't care."
    assert sam["my-hopes"]["main_area"] == "Sleep"
    assert jordan["my-hopes"]["main_area"] == "Worry or anxiety"
    # three different people: no answer text shared between their first thought records
    firsts = [p["thought-record-starter"]["situation"] for p in (alex, sam, jordan)]
    assert len(set(firsts)) == 3
    # Jordan's practice stops after module 3 (the story's risk event comes after it)
    numbers = {programme.exercise(slug)[0].number for slug in jordan}
    assert numbers and max(numbers) <= 3
