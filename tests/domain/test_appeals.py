from datetime import date

import pytest

from ehcp.domain.appeals import add_months, appeal_by


@pytest.mark.parametrize(
    ("letter", "deadline"),
    [
        (date(2026, 3, 2), date(2026, 5, 2)),
        (date(2026, 11, 15), date(2027, 1, 15)),  # across the year end
        (date(2026, 12, 31), date(2027, 2, 28)),  # a shorter month: its last day
        (date(2027, 12, 31), date(2028, 2, 29)),  # a leap year
        (date(2026, 8, 31), date(2026, 10, 31)),
    ],
)
def test_appeal_deadline_is_two_calendar_months_after_the_letter(letter, deadline):
    assert appeal_by(letter) == deadline


def test_adding_months_keeps_the_day_where_the_month_has_it():
    assert add_months(date(2026, 1, 30), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 1, 30), 2) == date(2026, 3, 30)
    assert add_months(date(2026, 1, 15), 12) == date(2027, 1, 15)
