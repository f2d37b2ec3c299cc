"""English school year groups.

A school year runs from 1 September to 31 August, and a child's year group is set by
their age on the 31 August before it begins: a child who is 4 on that day is in
Reception (0), 5 in Year 1, ... 13 in Year 9 (the "relevant age group" of the
National Curriculum; SEND Code of Practice 8.9 and Regs 6(1)(g) use "year 9"). A
child born on 31 August is the youngest of their year; one born on 1 September the
oldest of the next. Summer-born children taught out of their
chronological year group are not modelled: the council corrects the advice by hand.
"""

from __future__ import annotations

from datetime import date

RECEPTION = 0


def age_on(date_of_birth: date, day: date) -> int:
    """Whole years of age on `day` (a 29 February birthday counts from 1 March)."""
    had_birthday = (day.month, day.day) >= (date_of_birth.month, date_of_birth.day)
    return day.year - date_of_birth.year - (0 if had_birthday else 1)


def school_year(date_of_birth: date, on: date) -> int:
    """The year group (Reception = 0, Year 1 = 1, ...) of a child on `on`.

    Negative before Reception (nursery ages); above 13 past Year 13 (the young person's
    chronological year)."""
    start = on.year if (on.month, on.day) >= (9, 1) else on.year - 1
    return age_on(date_of_birth, date(start, 8, 31)) - 4
