"""Long closures and the window in which a request for advice brings in the exception."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from ehcp.domain.terms import Closure, SettingKind, TermCalendar


def calendar(*terms) -> TermCalendar:
    return TermCalendar(kind=SettingKind.SCHOOL, terms=[{"starts_on": a, "ends_on": b} for a, b in terms])


def test_only_gaps_of_four_weeks_or_more_are_long_closures():
    result = calendar(
        (date(2026, 1, 5), date(2026, 2, 13)),
        (date(2026, 2, 23), date(2026, 7, 22)),  # 9-day half term: not long
        (date(2026, 9, 3), date(2026, 12, 18)),  # 42-day summer: long
    ).long_closures()
    assert result == [Closure(closes_on=date(2026, 7, 23), reopens_on=date(2026, 9, 3))]


def test_a_closure_of_exactly_twenty_eight_days_is_long():
    result = calendar((date(2026, 1, 5), date(2026, 7, 1)), (date(2026, 7, 30), date(2026, 12, 18)))
    assert [closure.days for closure in result.long_closures()] == [28]


def test_the_window_opens_a_week_before_closing_and_shuts_a_week_before_reopening():
    closure = Closure(closes_on=date(2026, 7, 23), reopens_on=date(2026, 9, 3))
    assert closure.exception_window == (date(2026, 7, 16), date(2026, 8, 27))


def test_overlapping_or_unordered_terms_are_refused():
    with pytest.raises(ValidationError, match="date order"):
        calendar((date(2026, 1, 5), date(2026, 3, 1)), (date(2026, 2, 1), date(2026, 4, 1)))


def test_a_term_ending_before_it_starts_is_refused():
    with pytest.raises(ValidationError, match="before starts_on"):
        calendar((date(2026, 3, 5), date(2026, 3, 1)))


def test_a_calendar_knows_only_the_span_of_its_terms():
    result = calendar((date(2026, 1, 5), date(2026, 7, 22)))
    assert result.knows(date(2026, 1, 5)) and result.knows(date(2026, 7, 22))
    assert not result.knows(date(2026, 7, 23))
