"""The DfE's timeliness figure and the year's counts, from plain request records.

Pure: no database, no clock. A `RequestRecord` is one request as the SEN2 return
describes it (its outcomes already coded Y/N/A/W/H with their dates), so the same
figures come from the case store (`ehcp.reports.cohort`) and from a SEN2 file read
back (`ehcp.reports.sen2`). `figures(records, year=...)` computes them as the DfE
publishes them in "Education, health and care plans" (its data file sen2_mi.csv;
variable names in the docstrings below, from the release's data guidance, reporting
year 2024):

- requests: initial requests received in the calendar year, and what became of them
  (decision to assess, refused, ongoing, withdrawn): inreq_ehc, inreq_ehc_y,
  ass_refused_ehc, inreq_ehc_a, inreq_ehc_w;
- assessments completed in the calendar year, by the date of their outcome: plans
  issued (new_all_ehc), decisions not to issue (ass_none_ehc), withdrawn (assessment_w);
- timeliness: of the plans issued in the year, those issued within 20 weeks of the
  request, as a share of the plans issued, excluding every plan a 20-week exception
  applies to (no_exc_20week_ehc / tot_no_exc_ehc = no_exc_20week_rate) and including
  them (inc_exc_20week_ehc / tot_inc_exc_ehc = inc_exc_20week_rate). "Timeliness
  figures are based on assessments completed within the calendar year where no
  mediation or tribunal has taken place" (the guidance's footnote 4): a record flagged
  `mediation_or_tribunal` is left out of both.

"Within 20 weeks" is Regs 13(2)'s limit counted as the council counts it
(ehcp.domain.clock.due_after): with day 0 the day of receipt (the default), a plan sent
on day 140 is within and on day 141 is not. Check these definitions against the DfE's
current methodology before relying on them.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from ehcp.domain.clock import DayCounting

WEEK20_DAYS = 20 * 7  # Regs 13(2): 20 weeks


class Outcome(StrEnum):
    """SEN2's RequestOutcome and AssessmentOutcome codes (the same five letters for both)."""

    YES = "Y"  # request: decided to assess; assessment: plan issued
    NO = "N"  # request: decided not to assess; assessment: decided not to issue
    PENDING = "A"  # no outcome yet
    WITHDRAWN = "W"  # withdrawn (or ceased) before the outcome
    HISTORICAL = "H"  # historical: never produced from the case store; accepted from an import


ENDS_IT = frozenset({Outcome.YES, Outcome.NO, Outcome.WITHDRAWN, Outcome.HISTORICAL})


@dataclass(frozen=True)
class Placement:
    """The setting section I of the final plan names (SEN2's plan detail: URN or SENsetting)."""

    urn: str | None  # the named institution's URN, when the council's directory knows it
    sen_setting: str | None  # SEN2 SENsetting code, where there is no URN (EYP, OTH)
    name: str | None  # the institution named (not SEN2: for the council's own checking)
    setting_type: str | None  # ehcp.domain.facts.SettingType value (not SEN2)


@dataclass(frozen=True)
class RequestRecord:
    """One request for an EHC needs assessment, as SEN2 holds it. `ref` is the case
    reference (the key; SEN2's own keys are its person and request ids).

    `assessment_outcome` is None when there is no assessment (the request was not
    decided Y). `week20_exception`: a 20-week exception applies to the plan (SEN2 Week20 = 1):
    from the store, one recorded against the case's final-plan limit; from an import,
    the source's exception column. `mediation_or_tribunal`: the DfE leaves such
    assessments out of timeliness; the case store does not record mediation or
    tribunals yet, so it is False for every case it holds."""

    ref: str
    received_on: date
    request_source: int  # SEN2 RequestSource 1-5
    request_outcome: Outcome
    request_outcome_on: date | None
    assessment_outcome: Outcome | None = None
    assessment_outcome_on: date | None = None
    week20_exception: bool = False
    placement: Placement | None = None
    mediation_or_tribunal: bool = False

    def __post_init__(self) -> None:
        problems = _problems(self)
        if problems:
            raise ValueError(f"{self.ref}: " + "; ".join(problems))

    @property
    def plan_issued_on(self) -> date | None:
        """The day the final plan was sent to the family (Regs 13(2) is met on it)."""
        return self.assessment_outcome_on if self.assessment_outcome is Outcome.YES else None

    @property
    def withdrawn_on(self) -> date | None:
        if self.request_outcome is Outcome.WITHDRAWN:
            return self.request_outcome_on
        if self.assessment_outcome is Outcome.WITHDRAWN:
            return self.assessment_outcome_on
        return None

    @property
    def finished_on(self) -> date | None:
        """The day the request's last outcome came, or None while it is still open."""
        if self.request_outcome is not Outcome.YES:
            return self.request_outcome_on if self.request_outcome in ENDS_IT else None
        if self.assessment_outcome in ENDS_IT:
            return self.assessment_outcome_on
        return None


def _problems(record: RequestRecord) -> list[str]:
    problems = []
    if not 1 <= record.request_source <= 5:
        problems.append(f"RequestSource {record.request_source} is not 1-5")
    for name, outcome, on in (
        ("RequestOutcome", record.request_outcome, record.request_outcome_on),
        ("AssessmentOutcome", record.assessment_outcome, record.assessment_outcome_on),
    ):
        if outcome is None:
            if on is not None:
                problems.append(f"{name}Date given without an outcome")
            continue
        if outcome is Outcome.PENDING and on is not None:
            problems.append(f"{name} A (pending) has no date")
        if outcome in (Outcome.YES, Outcome.NO, Outcome.WITHDRAWN) and on is None:
            problems.append(f"{name} {outcome} needs its date")
        if on is not None and on < record.received_on:
            problems.append(f"{name}Date {on} is before the request was received ({record.received_on})")
    if record.request_outcome is Outcome.YES:
        if record.assessment_outcome is None:
            problems.append("a request decided Y (assess) needs an AssessmentOutcome (A while assessing)")
    elif record.assessment_outcome is not None:
        problems.append(f"an assessment outcome needs RequestOutcome Y, not {record.request_outcome}")
    if record.week20_exception and record.assessment_outcome is None:
        problems.append("Week20 applies to an assessment: this request has none")
    return problems


# -- the figures ---------------------------------------------------------------


def days_taken(
    received_on: date, issued_on: date, counting: DayCounting = DayCounting.START_IS_DAY_ZERO
) -> int:
    """The day of the period the plan was sent on, counted as the council counts
    (ehcp.domain.clock.due_after): day 0 is the day of receipt by default, so a plan
    sent 140 days after receipt was sent on day 140; with day 1, on day 141."""
    days = (issued_on - received_on).days
    return days + 1 if counting is DayCounting.START_IS_DAY_ONE else days


def within_20_weeks(days: int) -> bool:
    """Regs 13(2): day 140 is the last day of the 20 weeks."""
    return days <= WEEK20_DAYS


def weeks(days: int) -> float:
    """Weeks taken, to one decimal place (140 days: 20.0; 141 days: 20.1)."""
    return round(days / 7, 1)


def deciles(values: Sequence[int]) -> tuple[int, ...]:
    """The 10th, 20th ... 90th percentiles by nearest rank: the k-th decile is the
    smallest value with at least k tenths of the values at or below it (its 1-based
    rank is ceil(k * n / 10)). Always a value that occurred; () for no values."""
    ordered = sorted(values)
    n = len(ordered)
    if n == 0:
        return ()
    return tuple(ordered[math.ceil(k * n / 10) - 1] for k in range(1, 10))


def percent(part: int, whole: int) -> float | None:
    """As the DfE publishes rates: a percentage to one decimal place; None of nothing."""
    return round(100 * part / whole, 1) if whole else None


@dataclass(frozen=True)
class Timeliness:
    within_20_weeks: int
    plans: int

    @property
    def percent(self) -> float | None:
        return percent(self.within_20_weeks, self.plans)


@dataclass(frozen=True)
class YearFigures:
    year: int
    day_counting: DayCounting
    # Requests received in the year, by what became of them (as recorded so far).
    requests_received: int
    decisions_to_assess: int
    decisions_not_to_assess: int
    requests_pending: int
    requests_withdrawn: int
    # Assessments completed in the year, by the date of their outcome.
    plans_issued: int
    decisions_not_to_issue: int
    assessments_withdrawn: int
    excluding_exceptions: Timeliness
    including_exceptions: Timeliness
    days_taken: tuple[int, ...]  # of every plan issued in the year, sorted

    @property
    def weeks_deciles(self) -> tuple[float, ...]:
        return tuple(weeks(days) for days in deciles(self.days_taken))

    @property
    def weeks_max(self) -> float | None:
        return weeks(self.days_taken[-1]) if self.days_taken else None


def _in_year(day: date | None, year: int) -> bool:
    return day is not None and day.year == year


@dataclass(frozen=True)
class PeriodTimeliness:
    """The plans issued from `first` to `last` (both included) and how many within 20 weeks:
    the year's timeliness figures for any run of days (the weekly report's last 12 months and
    each of its weeks). `days_taken`: of every plan issued in the period, sorted."""

    first: date
    last: date
    day_counting: DayCounting
    plans_issued: int
    excluding_exceptions: Timeliness
    including_exceptions: Timeliness
    days_taken: tuple[int, ...]


def plans_issued_between(
    records: Iterable[RequestRecord],
    *,
    first: date,
    last: date,
    counting: DayCounting = DayCounting.START_IS_DAY_ZERO,
) -> PeriodTimeliness:
    """Timeliness of the plans issued (sent to the family) from `first` to `last`, computed as
    `figures` computes a calendar year's: `figures(records, year=Y)` is this from 1 January to
    31 December of Y. Records issued outside the period are ignored."""
    issued = [
        record for record in records if (day := record.plan_issued_on) is not None and first <= day <= last
    ]
    taken = [(record, days_taken(record.received_on, _issued(record), counting)) for record in issued]
    timed = [(record, days) for record, days in taken if not record.mediation_or_tribunal]

    def timeliness(plans: list[tuple[RequestRecord, int]]) -> Timeliness:
        return Timeliness(
            within_20_weeks=sum(1 for _, days in plans if within_20_weeks(days)), plans=len(plans)
        )

    return PeriodTimeliness(
        first=first,
        last=last,
        day_counting=counting,
        plans_issued=len(issued),
        excluding_exceptions=timeliness(
            [(record, days) for record, days in timed if not record.week20_exception]
        ),
        including_exceptions=timeliness(timed),
        days_taken=tuple(sorted(days for _, days in taken)),
    )


def figures(
    records: Iterable[RequestRecord], *, year: int, counting: DayCounting = DayCounting.START_IS_DAY_ZERO
) -> YearFigures:
    """The year's figures from every record given (records outside the year are ignored,
    so a whole store or one year's SEN2 file give the same answer)."""
    requests = list(records)
    received = [record for record in requests if record.received_on.year == year]

    def received_with(outcome: Outcome) -> int:
        return sum(1 for record in received if record.request_outcome is outcome)

    completed = [
        record
        for record in requests
        if record.assessment_outcome is not None and _in_year(record.assessment_outcome_on, year)
    ]
    plans = plans_issued_between(
        completed, first=date(year, 1, 1), last=date(year, 12, 31), counting=counting
    )
    return YearFigures(
        year=year,
        day_counting=counting,
        requests_received=len(received),
        decisions_to_assess=received_with(Outcome.YES),
        decisions_not_to_assess=received_with(Outcome.NO),
        requests_pending=received_with(Outcome.PENDING),
        requests_withdrawn=received_with(Outcome.WITHDRAWN),
        plans_issued=plans.plans_issued,
        decisions_not_to_issue=sum(1 for record in completed if record.assessment_outcome is Outcome.NO),
        assessments_withdrawn=sum(
            1 for record in completed if record.assessment_outcome is Outcome.WITHDRAWN
        ),
        excluding_exceptions=plans.excluding_exceptions,
        including_exceptions=plans.including_exceptions,
        days_taken=plans.days_taken,
    )


def _issued(record: RequestRecord) -> date:
    issued_on = record.plan_issued_on
    if issued_on is None:  # only records with a plan issued reach here
        raise ValueError(f"{record.ref} has no plan issued")
    return issued_on


# -- the stable document (`ehcp kpi --json`; README "Timeliness and SEN2") --------------


def figures_document(result: YearFigures, *, as_at: date) -> dict[str, Any]:
    """The figures as `ehcp kpi --json` prints them. The keys are documented in the README
    and stable: add keys, never rename or remove one."""

    def timeliness(part: Timeliness) -> dict[str, Any]:
        return {"within_20_weeks": part.within_20_weeks, "plans": part.plans, "percent": part.percent}

    return {
        "year": result.year,
        "as_at": as_at.isoformat(),
        "day_counting": result.day_counting.value,
        "requests_received": result.requests_received,
        "decisions_to_assess": result.decisions_to_assess,
        "decisions_not_to_assess": result.decisions_not_to_assess,
        "requests_pending": result.requests_pending,
        "requests_withdrawn": result.requests_withdrawn,
        "plans_issued": result.plans_issued,
        "decisions_not_to_issue": result.decisions_not_to_issue,
        "assessments_withdrawn": result.assessments_withdrawn,
        "timeliness": {
            "excluding_exceptions": timeliness(result.excluding_exceptions),
            "including_exceptions": timeliness(result.including_exceptions),
        },
        "weeks_taken": {
            "deciles": list(result.weeks_deciles) if result.days_taken else None,
            "max": result.weeks_max,
        },
    }
