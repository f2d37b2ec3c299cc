"""Time comes from one place, so tests and demos can move it."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from ehcp import timesource


def test_frozen_time_answers_inside_the_block_only():
    moment = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    with timesource.frozen_at(moment):
        assert timesource.now() == moment
    assert timesource.now() != moment


def test_today_is_the_date_in_england_not_in_utc():
    # 23:30 UTC on 30 June is 00:30 on 1 July in London (BST).
    with timesource.frozen_at(datetime(2026, 6, 30, 23, 30, tzinfo=UTC)):
        assert timesource.today() == date(2026, 7, 1)
    with timesource.frozen_at(datetime(2026, 12, 31, 23, 30, tzinfo=UTC)):
        assert timesource.today() == date(2026, 12, 31)


def test_a_process_can_be_started_at_a_fixed_instant(monkeypatch):
    monkeypatch.setenv("EHC_FROZEN_NOW", "2026-02-16T08:00:00+00:00")
    assert timesource.now() == datetime(2026, 2, 16, 8, 0, tzinfo=UTC)


def test_a_frozen_time_without_an_offset_is_refused(monkeypatch):
    monkeypatch.setenv("EHC_FROZEN_NOW", "2026-02-16T08:00:00")
    with pytest.raises(ValueError, match="UTC offset"):
        timesource.now()


def test_a_clock_file_moves_the_time_of_a_running_process(monkeypatch, tmp_path):
    clock = tmp_path / "now"
    clock.write_text("2026-02-16T08:00:00+00:00")
    monkeypatch.setenv("EHC_CLOCK_FILE", str(clock))
    assert timesource.today() == date(2026, 2, 16)
    clock.write_text("2026-05-25T08:00:00+00:00\n")
    assert timesource.today() == date(2026, 5, 25)


# -- which day it is in England: every conversion goes through london_date ------------


@pytest.mark.parametrize(
    ("instant", "day"),
    [
        # Winter (GMT): London's day is UTC's day.
        (datetime(2026, 1, 14, 23, 59, 59, tzinfo=UTC), date(2026, 1, 14)),
        (datetime(2026, 1, 15, 0, 0, tzinfo=UTC), date(2026, 1, 15)),
        # Summer (BST, UTC+1): from 23:00 UTC it is already tomorrow in London.
        (datetime(2026, 6, 1, 22, 59, 59, tzinfo=UTC), date(2026, 6, 1)),
        (datetime(2026, 6, 1, 23, 0, tzinfo=UTC), date(2026, 6, 2)),
        (datetime(2026, 6, 1, 23, 30, tzinfo=UTC), date(2026, 6, 2)),
        # Clocks go forward at 01:00 UTC on the last Sunday of March (29 March 2026).
        (datetime(2026, 3, 28, 23, 30, tzinfo=UTC), date(2026, 3, 28)),  # GMT still
        (datetime(2026, 3, 29, 0, 59, tzinfo=UTC), date(2026, 3, 29)),
        (datetime(2026, 3, 29, 23, 0, tzinfo=UTC), date(2026, 3, 30)),  # first BST midnight
        # Clocks go back at 01:00 UTC on the last Sunday of October (25 October 2026).
        (datetime(2026, 10, 24, 23, 0, tzinfo=UTC), date(2026, 10, 25)),  # last BST midnight
        (datetime(2026, 10, 25, 0, 30, tzinfo=UTC), date(2026, 10, 25)),  # 01:30 BST
        (datetime(2026, 10, 25, 1, 30, tzinfo=UTC), date(2026, 10, 25)),  # 01:30 GMT, the hour again
        (datetime(2026, 10, 25, 23, 30, tzinfo=UTC), date(2026, 10, 25)),  # GMT: still the 25th
    ],
)
def test_london_date_is_the_day_in_england_around_midnight_and_both_clock_changes(instant, day):
    assert timesource.london_date(instant) == day


def test_london_date_gives_the_same_day_for_the_same_instant_in_any_offset():
    from datetime import timedelta, timezone

    instant = datetime(2026, 6, 1, 23, 30, tzinfo=UTC)
    for hours in (-8, 0, 1, 5):
        assert timesource.london_date(instant.astimezone(timezone(timedelta(hours=hours)))) == date(
            2026, 6, 2
        )


def test_london_date_refuses_an_instant_without_a_zone():
    with pytest.raises(ValueError, match="timezone-aware"):
        timesource.london_date(datetime(2026, 6, 1, 23, 30))


@pytest.mark.parametrize(
    ("day", "utc_hour"),
    [(date(2026, 1, 15), 7), (date(2026, 6, 2), 6), (date(2026, 3, 29), 6), (date(2026, 10, 25), 7)],
)
def test_london_instant_is_that_wall_clock_time_in_england(day, utc_hour):
    from datetime import time

    instant = timesource.london_instant(day, time(7, 0))
    assert instant == datetime(day.year, day.month, day.day, utc_hour, 0, tzinfo=UTC)
    assert timesource.london_date(instant) == day
