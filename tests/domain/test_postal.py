"""A posted letter is served on the second working day after posting (first class)."""

from datetime import date

import pytest

from ehcp.domain.postal import deemed_delivered_on, is_working_day, working_days_after


def test_a_letter_posted_on_a_monday_is_delivered_on_the_wednesday():
    assert deemed_delivered_on(date(2027, 3, 1)) == date(2027, 3, 3)


def test_a_letter_posted_on_a_thursday_is_delivered_on_the_monday():
    assert deemed_delivered_on(date(2027, 3, 4)) == date(2027, 3, 8)


def test_a_letter_posted_on_a_saturday_counts_from_the_monday():
    assert deemed_delivered_on(date(2027, 3, 6)) == date(2027, 3, 9)


def test_bank_holidays_are_not_working_days():
    # Good Friday 26 March and Easter Monday 29 March 2027.
    assert not is_working_day(date(2027, 3, 26))
    assert not is_working_day(date(2027, 3, 29))
    assert deemed_delivered_on(date(2027, 3, 25)) == date(2027, 3, 31)


def test_christmas_and_the_substitute_boxing_day():
    # 25 Dec 2026 is a Friday; Boxing Day falls on Saturday, so Monday 28th is the bank holiday.
    assert deemed_delivered_on(date(2026, 12, 24)) == date(2026, 12, 30)


def test_second_class_is_the_fourth_working_day():
    assert deemed_delivered_on(date(2027, 3, 1), working_days=4) == date(2027, 3, 5)


def test_the_posting_day_itself_never_counts():
    with pytest.raises(ValueError):
        working_days_after(date(2027, 3, 1), 0)
