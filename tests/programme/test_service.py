"""The contract functions other domains call (CONTRIBUTING.md)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.homework import service as homework
from app.programme import service
from tests.factories import make_user
from tests.programme.support import M1, M2


def test_statuses_summary_and_last_activity(session, frozen_clock):
    patient = make_user(session)
    assert service.last_activity_at(session, patient.id) is None
    statuses = service.module_statuses(session, patient.user)
    assert [s.status for s in statuses][:2] == ["available", "locked"]
    assert {"slug", "number", "title", "summary", "status", "available_at", "completed_at"} <= set(vars(statuses[0]))
    summary = service.progress_summary(session, patient.user)
    assert (summary.completed, summary.total, summary.current.slug) == (0, 7, M1)
    assert summary.next_opens_at == datetime(2026, 3, 9, 9, 0, tzinfo=UTC)

    module = service.module_or_404(M1)
    frozen_clock(datetime(2026, 3, 3, 10, 0, tzinfo=UTC))
    service.record_view(session, patient.user, module, "the-five-areas")
    assert service.last_activity_at(session, patient.id) == datetime(2026, 3, 3, 10, 0, tzinfo=UTC)
    frozen_clock(datetime(2026, 3, 4, 10, 0, tzinfo=UTC))
    homework.create(session, patient.user, "my-hopes", {"what_different": "Sleep better"})
    assert service.last_activity_at(session, patient.id) == datetime(2026, 3, 4, 10, 0, tzinfo=UTC)

    service.complete(session, patient.user, M1)
    summary = service.progress_summary(session, patient.user)
    assert summary.completed == 1 and summary.current is None and summary.next_locked.slug == M2

    views = homework.entries_for(session, patient.id)
    assert len(views) == 1 and views[0].title == "What I would like to be different" and views[0].module_number == 1
    assert views[0].items[0].label.startswith("What would you like to be different")
    assert views[0].items[0].text == "Sleep better"
    assert datetime(2026, 3, 4, 10, 0, tzinfo=UTC) - views[0].created_at < timedelta(seconds=1)
