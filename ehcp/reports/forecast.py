"""Which open cases will breach a limit in the next 14 days unless someone acts.

Pure: no database, no clock. It runs the statutory clock forward and guesses nothing: a
case's facts as recorded today, judged today and again on the last day of the window
(`today + horizon`). A limit is listed when it is running today (state due) and the same
facts, judged on that day, have it breached: nothing recorded by then means a breach.

"The next 14 days" are the 14 days after today (tomorrow to today + 14): the days on which
a breach can first happen. A limit is breached on the day after its due date, since acting
on the due day meets it. So a limit due in 13 days (breached on day 14) is listed, and a
limit due in exactly 14 days is not: it can still be met on day 14 and is breached only on
day 15. A limit due today is listed (breached tomorrow).

Not listed: a limit already breached (that is overdue, a separate list), the family's own
15 days (theirs to use, not something the council owes: ehcp.views.run_status), a limit an
exception disapplies (it would be disapplied, not breached), a limit whose clock has not
started (no guessing when advice will be asked or a school consulted), and a limit met or
no longer needed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from ehcp.domain.clock import ClockPolicy, Limit, LimitState, Timeline, compute_timeline
from ehcp.domain.facts import CaseFacts
from ehcp.domain.grounds import Duty
from ehcp.domain.terms import TermCalendar

HORIZON_DAYS = 14


@dataclass(frozen=True)
class OpenCase:
    """An open case as the forecast needs it: its reference, stage and recorded facts."""

    ref: str
    stage: str
    facts: CaseFacts


@dataclass(frozen=True)
class ForecastBreach:
    """One limit that will be breached within the window unless someone acts. Reference,
    stage, the limit's key, title and who owes it: no personal data."""

    ref: str
    stage: str
    limit_key: str
    limit_title: str
    duty: str
    statutory: bool
    due_on: date
    breaches_on: date  # the day after the due date

    def days_until_breach(self, today: date) -> int:
        return (self.breaches_on - today).days


def case_breaches(
    case: OpenCase,
    *,
    today: date,
    horizon: int = HORIZON_DAYS,
    policy: ClockPolicy | None = None,
    calendars: Mapping[str, TermCalendar] | None = None,
) -> list[ForecastBreach]:
    """The limits of one case that are running today and breached on `today + horizon`."""
    now = compute_timeline(case.facts, today=today, policy=policy, calendars=calendars)
    later = compute_timeline(
        case.facts, today=today + timedelta(days=horizon), policy=policy, calendars=calendars
    )
    return [
        ForecastBreach(
            ref=case.ref,
            stage=case.stage,
            limit_key=limit.key,
            limit_title=limit.title,
            duty=limit.duty.value,
            statutory=limit.statutory,
            due_on=limit.due_on,
            breaches_on=limit.due_on + timedelta(days=1),
        )
        for limit in _breaching(now, later)
        if limit.due_on is not None
    ]


def _breaching(now: Timeline, later: Timeline) -> list[Limit]:
    running = {
        limit.key for limit in now.limits if limit.state is LimitState.DUE and limit.duty is not Duty.FAMILY
    }
    return [
        limit
        for limit in later.limits
        if limit.key in running and limit.state is LimitState.BREACHED and limit.done_on is None
    ]


def forecast(
    cases: Iterable[OpenCase],
    *,
    today: date,
    horizon: int = HORIZON_DAYS,
    policy: ClockPolicy | None = None,
    calendars: Mapping[str, TermCalendar] | None = None,
) -> tuple[ForecastBreach, ...]:
    """Every limit of every open case that will be breached in the next `horizon` days
    unless someone acts, soonest breach first (then by reference and limit)."""
    found = [
        breach
        for case in cases
        for breach in case_breaches(case, today=today, horizon=horizon, policy=policy, calendars=calendars)
    ]
    return tuple(sorted(found, key=lambda item: (item.breaches_on, item.ref, item.limit_key)))


def breaches_by_day(
    breaches: Iterable[ForecastBreach], *, today: date, horizon: int = HORIZON_DAYS
) -> tuple[tuple[date, int], ...]:
    """How many limits will first be breached on each day of the window (tomorrow to
    today + horizon), every day listed, none left out for having no breach."""
    counts = dict.fromkeys((today + timedelta(days=n) for n in range(1, horizon + 1)), 0)
    for breach in breaches:
        if breach.breaches_on in counts:
            counts[breach.breaches_on] += 1
    return tuple(counts.items())
