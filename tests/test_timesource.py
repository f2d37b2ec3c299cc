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
