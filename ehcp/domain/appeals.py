"""The time limit for appealing to the SEND Tribunal, as the letters state it.

An appeal must reach the Tribunal within 2 months of the date the decision letter
was sent, or within 1 month of the date a mediation certificate was issued,
whichever is later (Tribunal Procedure (First-tier Tribunal) (HESC) Rules 2008,
rule 20; CoP 11.45). Letters state both; this computes the first, which is all
that is known when the letter is written.
"""

from __future__ import annotations

import calendar
from datetime import date

APPEAL_MONTHS = 2
AFTER_MEDIATION_CERTIFICATE_MONTHS = 1


def add_months(day: date, months: int) -> date:
    """The same day of the month `months` later; the month's last day where it is shorter
    (31 December + 2 months is 28 or 29 February)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def appeal_by(letter_dated: date) -> date:
    """The last day to appeal when there is no mediation certificate."""
    return add_months(letter_dated, APPEAL_MONTHS)
