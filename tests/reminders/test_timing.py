"""Pure time arithmetic in the patient's time zone, including across summer-time changes."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from app.reminders import timing

LONDON = timing.zone("Europe/London")


def test_zone_names_are_iana_only():
    assert timing.zone("America/New_York").key == "America/New_York"
    for bad in ("Mars/Olympus", "", "../../etc/passwd", "europe/london", "Europe/London "):
        with pytest.raises(ValueError):
            timing.zone(bad)


@pytest.mark.parametrize("value", ["25:00", "24:00", "9:00", "18:60", "18.30", "", "1830"])
def test_times_of_day_must_be_real(value):
    with pytest.raises(ValueError):
        timing.parse_hhmm(value)


def test_quiet_hours_across_midnight():
    s, e = time(22), time(7)
    assert timing.in_quiet(time(23, 30), s, e) and timing.in_quiet(time(3), s, e)
    assert timing.in_quiet(time(22), s, e) and not timing.in_quiet(time(7), s, e)
    assert not timing.in_quiet(time(12), s, e)
    assert timing.in_quiet(time(13), time(12), time(14)) and not timing.in_quiet(time(14), time(12), time(14))
    assert not timing.in_quiet(time(3), None, None)
    assert timing.quiet_length(s, e).total_seconds() == 9 * 3600


def test_chosen_time_is_local_wall_clock_on_both_sides_of_the_spring_change():
    """London moves to BST on 29 March 2026: 18:30 local is 18:30 UTC before, 17:30 UTC after."""
    before = timing.send_at(datetime(2026, 3, 28, 9, tzinfo=UTC), time(18, 30), LONDON)
    after = timing.send_at(datetime(2026, 3, 29, 9, tzinfo=UTC), time(18, 30), LONDON)
    assert before == datetime(2026, 3, 28, 18, 30, tzinfo=UTC)
    assert after == datetime(2026, 3, 29, 17, 30, tzinfo=UTC)


def test_due_after_the_chosen_time_waits_for_the_next_day():
    assert timing.send_at(datetime(2026, 6, 1, 19, tzinfo=UTC), time(18, 30), LONDON) == \
        datetime(2026, 6, 2, 17, 30, tzinfo=UTC)


def test_a_time_inside_quiet_hours_moves_to_their_end():
    # chosen 06:00, quiet 22:00-07:00: goes at 07:00 local
    at = timing.send_at(datetime(2026, 6, 1, 1, tzinfo=UTC), time(6), LONDON, time(22), time(7))
    assert at == datetime(2026, 6, 1, 6, tzinfo=UTC)
    # late evening inside quiet hours: the next morning
    assert timing.leave_quiet(datetime(2026, 6, 1, 22, tzinfo=UTC), LONDON, time(22), time(7)) == \
        datetime(2026, 6, 2, 6, tzinfo=UTC)


def test_local_day_follows_the_zone_across_the_autumn_change():
    """00:30 UTC on 26 Oct 2026 is still the 25th in New York and already the 26th in London."""
    at = datetime(2026, 10, 26, 0, 30, tzinfo=UTC)
    assert timing.local_day(at, timing.zone("America/New_York")).day == 25
    assert timing.local_day(at, LONDON).day == 26
    assert timing.fmt_local(datetime(2026, 10, 24, 12, tzinfo=UTC), LONDON).endswith("13:00 BST")
    assert timing.fmt_local(datetime(2026, 10, 26, 12, tzinfo=UTC), LONDON).endswith("12:00 GMT")
