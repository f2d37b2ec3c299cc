"""When a letter sent by post counts as served: pure working-day arithmetic.

The SEND Regulations 2014 make no rule of their own for service, so the
Interpretation Act 1978 applies (s.23: to subordinate legislation too). Its s.7:
where a document may be sent by post, service "is deemed to be effected by
properly addressing, pre-paying and posting a letter containing the document and,
unless the contrary is proved, to have been effected at the time at which the
letter would be delivered in the ordinary course of post". The courts' practice
(Practice Direction [1985] 1 All ER 889) reads the ordinary course of first class
post as the second working day after posting, second class the fourth; a working
day is Monday to Friday, not a bank holiday. The council posts first class.

So a family told by post is told on the deemed day of delivery, and the draft
plan's 15 days (Regs 13(1)(a), "beginning with the day on which the draft plan
was served") begin then; by email, on the day it was sent.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache

import holidays

FIRST_CLASS_WORKING_DAYS = 2
SECOND_CLASS_WORKING_DAYS = 4


@cache
def _bank_holidays(year: int) -> frozenset[date]:
    # England's bank holidays (the council is English; Wales's are the same days).
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year))


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _bank_holidays(day.year)


def working_days_after(day: date, count: int) -> date:
    """The `count`th working day after `day` (`day` itself never counts)."""
    if count < 1:
        raise ValueError("count must be at least 1")
    current = day
    while count:
        current += timedelta(days=1)
        if is_working_day(current):
            count -= 1
    return current


def deemed_delivered_on(posted_on: date, *, working_days: int = FIRST_CLASS_WORKING_DAYS) -> date:
    """The day a letter posted on `posted_on` is deemed delivered (Interpretation Act s.7)."""
    return working_days_after(posted_on, working_days)
