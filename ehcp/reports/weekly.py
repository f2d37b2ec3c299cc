"""The weekly report to the SEND service's managers (`ehc-weekly-report`, Monday 07:00).

What it holds, all as of `today`:

- timeliness: the calendar year to date (`ehcp kpi`'s figures for this year, as recorded
  today) and the plans issued in the 12 months to today (the day after the same date a
  year ago, to today), by ehcp.reports.kpi's one computation;
- each of the last 52 complete ISO weeks (Monday to Sunday, the week before today's the
  last): plans issued and how many within 20 weeks, for the chart;
- open cases by stage, and each coordinator's open caseload (and "unassigned");
- the forecast: every limit of an open case that will be breached in the next 14 days
  unless someone acts (ehcp.reports.forecast: the clock run forward);
- advice overdue, by agency (the role and organisation asked): requests whose due date
  has passed, not received, with no gap recorded, on open cases: how many, and the median
  and worst days late.

`build_weekly_report` reads the store in a fixed number of queries whatever the number of
cases (one cohort per calendar year the window touches, `ehcp.reports.cohort`; the open
cases' facts, `crud.open_cases_facts`); `weekly_report` is the pure part.

No personal data in what it holds but the agencies' organisation names (the email to the
managers and the CLI show them; Prefect's artifacts show roles only): case references,
stages, limit keys, roles, coordinator keys, counts and dates.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlmodel import Session, col, select

from ehcp.council.config import Council
from ehcp.db import crud
from ehcp.db.models import AdviceRequest, Case
from ehcp.domain.clock import ClockPolicy, DayCounting
from ehcp.domain.stages import CaseStage
from ehcp.domain.terms import TermCalendar
from ehcp.reports.cohort import year_cohort
from ehcp.reports.forecast import HORIZON_DAYS, ForecastBreach, OpenCase, breaches_by_day, forecast
from ehcp.reports.kpi import (
    PeriodTimeliness,
    RequestRecord,
    Timeliness,
    YearFigures,
    figures,
    plans_issued_between,
)
from ehcp.text import words

WEEKS = 52
UNASSIGNED = "unassigned"
# The stages an open case can be at, in the order a case moves through them.
OPEN_STAGES = tuple(stage for stage in CaseStage if not stage.is_closed)


@dataclass(frozen=True)
class WeekTimeliness:
    """One ISO week's plans: `week` is "2026-W09"."""

    week: str
    plans: PeriodTimeliness


@dataclass(frozen=True)
class AgencyOverdue:
    """Advice overdue from one agency (role and organisation asked), on open cases."""

    role: str
    organisation: str
    count: int
    median_days_late: float
    worst_days_late: int
    refs: tuple[str, ...]  # the cases waiting for it, most overdue first


@dataclass(frozen=True)
class Caseload:
    officer: str  # a coordinator's key, or "unassigned"
    open_cases: int


@dataclass(frozen=True)
class OverdueAdvice:
    """An advice request still outstanding on an open case: asked, not received, no gap
    recorded (`ehcp advice gap`), not met by existing advice (Regs 6(4))."""

    ref: str
    role: str
    organisation: str
    due_on: date


@dataclass(frozen=True)
class WeeklyReport:
    today: date
    iso_week: str  # the week the report is for: today's ISO week, "2026-W10"
    day_counting: DayCounting
    year_to_date: YearFigures
    last_12_months: PeriodTimeliness
    weeks: tuple[WeekTimeliness, ...]  # the last 52 complete ISO weeks, oldest first
    open_by_stage: tuple[tuple[str, int], ...]  # every open stage, in process order
    caseloads: tuple[Caseload, ...]  # each coordinator's key, then unassigned
    horizon_days: int
    forecast: tuple[ForecastBreach, ...]
    forecast_by_day: tuple[tuple[date, int], ...]  # tomorrow to today + horizon
    overdue_advice: tuple[AgencyOverdue, ...]  # most overdue requests first

    @property
    def open_cases(self) -> int:
        return sum(count for _, count in self.open_by_stage)


def iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def twelve_months_to(today: date) -> tuple[date, date]:
    """The 12 months to `today`: from the day after the same date a year earlier (29 February
    counts from 1 March), to `today`, both included."""
    try:
        year_ago = today.replace(year=today.year - 1)
    except ValueError:  # 29 February
        year_ago = date(today.year - 1, 2, 28)
    return year_ago + timedelta(days=1), today


def last_weeks(today: date, count: int = WEEKS) -> tuple[tuple[date, date], ...]:
    """The last `count` complete ISO weeks before `today`'s week, oldest first (Monday, Sunday)."""
    this_monday = today - timedelta(days=today.weekday())
    return tuple(
        (this_monday - timedelta(weeks=n), this_monday - timedelta(weeks=n) + timedelta(days=6))
        for n in range(count, 0, -1)
    )


def first_day_needed(today: date) -> date:
    """The earliest day a plan the report counts can have been issued on."""
    return min(twelve_months_to(today)[0], last_weeks(today)[0][0], date(today.year, 1, 1))


# -- the pure report -----------------------------------------------------------------------


def weekly_report(
    *,
    today: date,
    records: Iterable[RequestRecord],
    open_cases: Sequence[OpenCase],
    officers: Mapping[str, str | None],
    coordinators: Iterable[str],
    advice: Iterable[OverdueAdvice],
    policy: ClockPolicy | None = None,
    calendars: Mapping[str, TermCalendar] | None = None,
    horizon: int = HORIZON_DAYS,
) -> WeeklyReport:
    """The report from plain inputs. `records`: every request open at some time from
    `first_day_needed(today)` to today (outcomes as recorded today); `open_cases`: each
    open case's facts; `officers`: each open case's coordinator key (None: unassigned);
    `coordinators`: the council's coordinator keys (each listed, even with no case);
    `advice`: the open cases' outstanding advice requests (not received, no gap recorded),
    of which those whose due date has passed are overdue."""
    policy = policy or ClockPolicy()
    counting = policy.day_counting
    requests = list(records)
    first, last = twelve_months_to(today)
    weeks = tuple(
        WeekTimeliness(iso_week(monday), plans)
        for (monday, sunday), plans in zip(
            last_weeks(today), _by_week(requests, last_weeks(today), counting), strict=True
        )
    )
    breaches = forecast(open_cases, today=today, horizon=horizon, policy=policy, calendars=calendars)
    return WeeklyReport(
        today=today,
        iso_week=iso_week(today),
        day_counting=counting,
        year_to_date=figures(requests, year=today.year, counting=counting),
        last_12_months=plans_issued_between(requests, first=first, last=last, counting=counting),
        weeks=weeks,
        open_by_stage=_by_stage(open_cases),
        caseloads=_caseloads(open_cases, officers, coordinators),
        horizon_days=horizon,
        forecast=breaches,
        forecast_by_day=breaches_by_day(breaches, today=today, horizon=horizon),
        overdue_advice=overdue_by_agency((item for item in advice if item.due_on < today), today=today),
    )


def _by_week(
    records: list[RequestRecord], weeks: tuple[tuple[date, date], ...], counting: DayCounting
) -> list[PeriodTimeliness]:
    """Each week's timeliness, each computed over that week's plans only."""
    start, end = weeks[0][0], weeks[-1][1]
    by_monday: dict[date, list[RequestRecord]] = defaultdict(list)
    for record in records:
        issued = record.plan_issued_on
        if issued is not None and start <= issued <= end:
            by_monday[issued - timedelta(days=issued.weekday())].append(record)
    return [
        plans_issued_between(by_monday.get(monday, ()), first=monday, last=sunday, counting=counting)
        for monday, sunday in weeks
    ]


def _by_stage(open_cases: Sequence[OpenCase]) -> tuple[tuple[str, int], ...]:
    counts = Counter(case.stage for case in open_cases)
    known = [(stage.value, counts.pop(stage.value, 0)) for stage in OPEN_STAGES]
    return (*known, *sorted(counts.items()))


def _caseloads(
    open_cases: Sequence[OpenCase], officers: Mapping[str, str | None], coordinators: Iterable[str]
) -> tuple[Caseload, ...]:
    counts = Counter(officers.get(case.ref) or UNASSIGNED for case in open_cases)
    keys = [*sorted(coordinators), *sorted(set(counts) - set(coordinators) - {UNASSIGNED})]
    return (*(Caseload(key, counts[key]) for key in keys), Caseload(UNASSIGNED, counts[UNASSIGNED]))


def overdue_by_agency(items: Iterable[OverdueAdvice], *, today: date) -> tuple[AgencyOverdue, ...]:
    """Overdue advice grouped by agency: how many requests, the median and the worst days
    late; the agency with the worst lateness first."""
    groups: dict[tuple[str, str], list[OverdueAdvice]] = defaultdict(list)
    for item in items:
        groups[(item.role, item.organisation)].append(item)
    out = []
    for (role, organisation), group in groups.items():
        late = sorted(((today - item.due_on).days, item.ref) for item in group)
        days = [days for days, _ in late]
        out.append(
            AgencyOverdue(
                role=role,
                organisation=organisation,
                count=len(group),
                median_days_late=float(statistics.median(days)),
                worst_days_late=days[-1],
                refs=tuple(ref for _, ref in reversed(late)),
            )
        )
    return tuple(
        sorted(out, key=lambda item: (-item.worst_days_late, -item.count, item.role, item.organisation))
    )


# -- from the store -----------------------------------------------------------------------


def build_weekly_report(session: Session, *, council: Council, today: date) -> WeeklyReport:
    """The report from the case store: one cohort per calendar year from
    `first_day_needed(today)` to today (each a handful of queries), and the open cases'
    facts in seven; nothing per case."""
    records: dict[str, RequestRecord] = {}
    for year in range(first_day_needed(today).year, today.year + 1):
        cohort = year_cohort(session, year=year, as_at=today, directory=council.setting_directory)
        records.update((record.ref, record) for record in cohort.records)
    opened = crud.open_cases_facts(session)
    open_cases = [OpenCase(case.ref, case.stage, facts) for case, facts in opened]
    return weekly_report(
        today=today,
        records=records.values(),
        open_cases=open_cases,
        officers={case.ref: case.officer for case, _ in opened},
        coordinators=council.coordinators,
        advice=outstanding_advice(session),
        policy=council.policy,
        calendars=council.calendars,
    )


def outstanding_advice(session: Session) -> list[OverdueAdvice]:
    """Every advice request of an open case still outstanding, in one query."""
    rows = session.exec(
        select(
            col(Case.ref), col(AdviceRequest.role), col(AdviceRequest.organisation), col(AdviceRequest.due_on)
        )
        .join(Case, col(Case.id) == AdviceRequest.case_id)
        .where(
            col(Case.closed_on).is_(None),
            col(AdviceRequest.received_on).is_(None),
            col(AdviceRequest.gap_reason).is_(None),
            col(AdviceRequest.existing_advice_accepted).is_(False),
        )
    )
    return [OverdueAdvice(ref, role, organisation, due_on) for ref, role, organisation, due_on in rows]


# -- what it says: the email, the Prefect artifacts, the CLI ------------------------------


def _share(part: Timeliness) -> str:
    if part.percent is None:
        return "no plans issued"
    return f"{part.within_20_weeks} of {part.plans} ({part.percent:.1f}%)"


def timeliness_lines(report: WeeklyReport) -> list[str]:
    ytd, months = report.year_to_date, report.last_12_months
    return [
        f"{ytd.year} to date: {_share(ytd.excluding_exceptions)} excluding exceptions; "
        f"{_share(ytd.including_exceptions)} including them",
        f"The 12 months from {months.first.isoformat()} to {months.last.isoformat()}: "
        f"{_share(months.excluding_exceptions)} excluding exceptions; "
        f"{_share(months.including_exceptions)} including them",
    ]


def _days(value: float) -> str:
    return f"{value:g}"


def agency_words(item: AgencyOverdue, *, organisation: bool) -> str:
    """ "Health advice (Example Trust)": the organisation only where `organisation` (the
    email to managers, the CLI), never in Prefect."""
    role = words(item.role).capitalize() + " advice"
    return f"{role} ({item.organisation})" if organisation and item.organisation else role


def email_context(report: WeeklyReport, *, council: str) -> dict[str, Any]:
    """What templates/reports/weekly_report.txt is given (the recipient's name is added per email)."""
    return {
        "council": council,
        "week": report.iso_week,
        "today": report.today,
        "horizon": report.horizon_days,
        "counting": "the day of receipt is day 0"
        if report.day_counting is DayCounting.START_IS_DAY_ZERO
        else "the day of receipt is day 1",
        "timeliness": timeliness_lines(report),
        "open_cases": report.open_cases,
        "stages": [(words(stage), count) for stage, count in report.open_by_stage],
        "forecast": [
            {
                "ref": item.ref,
                "stage": words(item.stage),
                "limit": item.limit_title,
                "due_on": item.due_on,
                "days": item.days_until_breach(report.today),
            }
            for item in report.forecast
        ],
        "overdue_total": sum(item.count for item in report.overdue_advice),
        "overdue": [
            {
                "agency": agency_words(item, organisation=True),
                "count": item.count,
                "median": _days(item.median_days_late),
                "worst": item.worst_days_late,
                "refs": ", ".join(item.refs),
            }
            for item in report.overdue_advice
        ],
        "caseloads": [(item.officer, item.open_cases) for item in report.caseloads],
    }


def forecast_rows(report: WeeklyReport) -> list[dict[str, Any]]:
    """The forecast as table rows (the artifact `weekly-report-forecast`; the CLI)."""
    return [
        {
            "case": item.ref,
            "stage": item.stage,
            "limit": item.limit_key,
            "statutory": item.statutory,
            "due_on": item.due_on.isoformat(),
            "breached_on": item.breaches_on.isoformat(),
            "days_until_breach": item.days_until_breach(report.today),
        }
        for item in report.forecast
    ]


def overdue_by_role(report: WeeklyReport) -> list[dict[str, Any]]:
    """Overdue advice by role alone (the artifact `weekly-report-overdue-advice`): an
    organisation's name is typed by people, so it stays out of Prefect."""
    groups: dict[str, list[AgencyOverdue]] = defaultdict(list)
    for item in report.overdue_advice:
        groups[item.role].append(item)
    rows = []
    for role, items in groups.items():
        count = sum(item.count for item in items)
        rows.append(
            {
                "role": role,
                "overdue": count,
                "worst_days_late": max(item.worst_days_late for item in items),
                "cases": ", ".join(sorted({ref for item in items for ref in item.refs})),
            }
        )
    return sorted(rows, key=lambda row: (-row["worst_days_late"], row["role"]))


def markdown(report: WeeklyReport) -> str:
    """The artifact `weekly-report`: the whole report in Markdown, without organisation names."""
    lines = [
        f"# Weekly report, {report.iso_week}",
        "",
        f"As recorded on {report.today.isoformat()}.",
        "",
        "## Plans issued within 20 weeks",
        "",
        *(f"- {line}" for line in timeliness_lines(report)),
        "",
        f"## Open cases: {report.open_cases}",
        "",
        "| Stage | Open cases |",
        "|---|---:|",
        *(f"| {words(stage)} | {count} |" for stage, count in report.open_by_stage),
        "",
        f"## Limits that will be breached in the next {report.horizon_days} days unless someone acts: "
        f"{len(report.forecast)}",
        "",
    ]
    if report.forecast:
        lines += ["| Case | Stage | Limit | Due | Breached in (days) |", "|---|---|---|---|---:|"]
        lines += [
            f"| {item.ref} | {words(item.stage)} | {item.limit_key} | {item.due_on.isoformat()} | "
            f"{item.days_until_breach(report.today)} |"
            for item in report.forecast
        ]
    else:
        lines.append("None.")
    lines += ["", "## Advice overdue, by role", ""]
    overdue = overdue_by_role(report)
    if overdue:
        lines += ["| Role | Overdue | Worst (days late) | Cases |", "|---|---:|---:|---|"]
        lines += [
            f"| {words(row['role'])} | {row['overdue']} | {row['worst_days_late']} | {row['cases']} |"
            for row in overdue
        ]
    else:
        lines.append("None.")
    lines += ["", "## Open cases by coordinator", "", "| Coordinator | Open cases |", "|---|---:|"]
    lines += [f"| {item.officer} | {item.open_cases} |" for item in report.caseloads]
    return "\n".join(lines) + "\n"


def week_rows(report: WeeklyReport) -> list[dict[str, Any]]:
    """Each of the last 52 weeks (the artifact `weekly-report-weeks`; the chart's data)."""
    return [
        {
            "week": item.week,
            "plans_issued": item.plans.plans_issued,
            "within_20_weeks_excluding_exceptions": item.plans.excluding_exceptions.within_20_weeks,
            "plans_excluding_exceptions": item.plans.excluding_exceptions.plans,
            "percent_excluding_exceptions": item.plans.excluding_exceptions.percent,
        }
        for item in report.weeks
    ]
