"""`ehcp kpi` and `ehcp sen2`: the year's timeliness as the DfE computes it, and the
request-level SEN2 export. Both read one cohort (ehcp.reports.cohort); the figures are
ehcp.reports.kpi's, the file ehcp.reports.sen2's."""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from sqlmodel import Session

from ehcp import timesource
from ehcp.cli.common import council, fail, stdout, table
from ehcp.db.engine import database
from ehcp.domain.clock import DayCounting
from ehcp.mail.delivery import DeliveryCounts
from ehcp.reports import weekly
from ehcp.reports.cohort import Cohort, year_cohort
from ehcp.reports.kpi import YearFigures, figures, figures_document
from ehcp.reports.sen2 import write_sen2
from ehcp.reports.weekly import WeeklyReport
from ehcp.text import words

# EHC plans began on 1 September 2014 (CFA 2014 Part 3): no request is older.
FIRST_YEAR = 2014

Year = Annotated[
    int,
    typer.Option("--year", help="The calendar year (January to December).", show_default=False),
]


def _checked_year(year: int) -> int:
    this_year = timesource.today().year
    if not FIRST_YEAR <= year <= this_year:
        fail(f"--year: {year} is out of range: give a year from {FIRST_YEAR} to {this_year}")
    return year


def _cohort(year: int) -> tuple[Cohort, YearFigures]:
    loaded = council()
    today = timesource.today()
    with database() as session:
        cohort = year_cohort(session, year=year, as_at=today, directory=loaded.setting_directory)
    return cohort, figures(cohort.records, year=year, counting=loaded.policy.day_counting)


def kpi(
    year: Year,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the figures as JSON (keys in the README).")
    ] = False,
) -> None:
    """New EHC plans issued in the year and how many within 20 weeks (excluding and
    including exceptions), the year's requests and decisions, and the weeks taken."""
    cohort, result = _cohort(_checked_year(year))
    if as_json:
        typer.echo(json.dumps(figures_document(result, as_at=cohort.as_at)))
        return
    stdout.print(figures_table(result, as_at=cohort.as_at))
    stdout.print(weeks_table(result))


def figures_table(result: YearFigures, *, as_at: date) -> Table:
    counting = "day 0" if result.day_counting is DayCounting.START_IS_DAY_ZERO else "day 1"
    shown = table(f"{result.year}, as recorded on {as_at} (receipt is {counting})")
    shown.add_column("Figure", overflow="fold")
    shown.add_column("Number", justify="right", no_wrap=True)
    for label, part in (
        ("Plans issued within 20 weeks, excluding exceptions", result.excluding_exceptions),
        ("Plans issued within 20 weeks, including exceptions", result.including_exceptions),
    ):
        rate = "-" if part.percent is None else f"{part.percent:.1f}%"
        shown.add_row(label, f"{part.within_20_weeks} of {part.plans} ({rate})")
    rows = (
        ("Requests received", result.requests_received),
        ("  decided to assess", result.decisions_to_assess),
        ("  decided not to assess", result.decisions_not_to_assess),
        ("  not decided yet", result.requests_pending),
        ("  withdrawn before a decision", result.requests_withdrawn),
        ("Plans issued", result.plans_issued),
        ("Decisions not to issue a plan", result.decisions_not_to_issue),
        ("Assessments withdrawn", result.assessments_withdrawn),
    )
    for label, number in rows:
        shown.add_row(label, str(number))
    return shown


def weeks_table(result: YearFigures) -> Table:
    """Weeks from request to plan issued, of the year's plans: deciles and the longest."""
    shown = table(f"Weeks taken, plans issued in {result.year}")
    if not result.days_taken:
        shown.add_column("No plans were issued.")
        return shown
    values = [*result.weeks_deciles, result.weeks_max]
    for heading in [f"{k}0%" for k in range(1, 10)] + ["Longest"]:
        shown.add_column(heading, justify="right", no_wrap=True)
    shown.add_row(*(f"{value:.1f}" for value in values))
    return shown


def sen2(
    year: Year,
    out: Annotated[
        Path,
        typer.Option("--out", help="The CSV file to write (replaced if it exists).", show_default=False),
    ],
) -> None:
    """Write the year's requests as SEN2's request-level items, one row per request
    (columns and codes in the README); reading it back gives `ehcp kpi`'s figures."""
    _checked_year(year)
    _check_writable(out)
    cohort, result = _cohort(year)
    # Written beside it and moved into place: a failure never leaves half a file.
    partial = out.with_name(out.name + ".part")
    try:
        with partial.open("w", encoding="utf-8", newline="") as stream:
            rows = write_sen2(cohort.records, stream)
        partial.replace(out)
    except OSError as error:
        partial.unlink(missing_ok=True)
        fail(f"--out: cannot write {out}: {error.strerror or error}")
    stdout.print(
        f"Wrote {rows} requests open during {year} to {out} "
        f"({result.plans_issued} plans issued in {year}; outcomes as recorded on {cohort.as_at}).",
        markup=False,
    )


def _check_writable(out: Path, *, option: str = "--out", example: str = "sen2.csv") -> None:
    """Refuse before reading the store: a directory, a missing folder, no permission."""
    folder = out.parent
    if out.is_dir():
        fail(f"{option}: {out} is a folder: give a file name, e.g. {out / example}")
    if not folder.is_dir():
        fail(f"{option}: there is no folder {folder}")
    if not os.access(folder, os.W_OK) or (out.exists() and not os.access(out, os.W_OK)):
        fail(f"{option}: {out} cannot be written (permission denied)")


report_app = typer.Typer(help="Reports to the service's managers.", no_args_is_help=True)


@report_app.command("weekly")
def weekly_report(
    today: Annotated[
        str | None,
        typer.Option(
            "--today", help="The day to report as of (YYYY-MM-DD); default today.", show_default=False
        ),
    ] = None,
    send: Annotated[
        bool,
        typer.Option(
            "--send", help="Email it to the council's weekly_report_to now (once per ISO week and recipient)."
        ),
    ] = False,
    png_file: Annotated[
        Path | None, typer.Option("--png", help="Write the chart to this PNG file.", show_default=False)
    ] = None,
) -> None:
    """The weekly report the `ehc-weekly-report` flow emails on Mondays: timeliness (year to
    date, 12 months), open cases by stage, the limits that will be breached in the next 14
    days unless someone acts, advice overdue by agency, and each coordinator's caseload."""
    from ehcp.reports.chart import png

    day = _report_day(today)
    if png_file is not None:
        _check_writable(png_file, option="--png", example="weekly.png")
    loaded = council()
    with database() as session:
        report = weekly.build_weekly_report(session, council=loaded, today=day)
        chart = png(report) if png_file is not None or send else b""
        if send:
            queued, counts = _send_weekly(session, report, chart)
    _print_weekly(report)
    if png_file is not None:
        png_file.write_bytes(chart)
        stdout.print(f"Wrote the chart to {png_file}.", markup=False)
    if send:
        recipients = len(loaded.weekly_report_to)
        stdout.print(
            f"Emailed {report.iso_week}'s report: {queued} of {recipients} recipient(s) queued now "
            f"(the rest had it already); sent {counts.sent}, deferred {counts.deferred}, "
            f"failed {counts.failed}.",
            markup=False,
        )


def _report_day(given: str | None) -> date:
    this_day = timesource.today()
    if given is None:
        return this_day
    try:
        day = date.fromisoformat(given)
    except ValueError:
        fail(f"--today: {given!r} is not a date: give YYYY-MM-DD")
    if not date(FIRST_YEAR, 1, 1) <= day <= this_day:
        fail(f"--today: {day} is out of range: give a day from {FIRST_YEAR}-01-01 to {this_day}")
    return day


def _send_weekly(session: Session, report: WeeklyReport, chart: bytes) -> tuple[int, DeliveryCounts]:
    from ehcp.mail.reports import deliver_reports_sync, queue_weekly_report
    from ehcp.mail.transport import SmtpTransport
    from ehcp.settings import get_settings

    loaded = council()
    queued = queue_weekly_report(
        session,
        week=report.iso_week,
        recipients=loaded.weekly_report_to,
        context=weekly.email_context(report, council=loaded.name),
        chart=chart,
        domain=loaded.send_team.email.split("@", 1)[1],
        now=timesource.now(),
    )
    settings = get_settings()
    counts = deliver_reports_sync(
        session, transport=SmtpTransport(settings), council=loaded, settings=settings, now=timesource.now()
    )
    return queued, counts


def _print_weekly(report: WeeklyReport) -> None:
    stdout.print(f"Weekly report, {report.iso_week}, as recorded on {report.today}", markup=False)
    for line in weekly.timeliness_lines(report):
        stdout.print(f"  {line}", markup=False)
    stages = table(f"Open cases: {report.open_cases}")
    stages.add_column("Stage", overflow="fold")
    stages.add_column("Open", justify="right", no_wrap=True)
    for stage, count in report.open_by_stage:
        stages.add_row(words(stage), str(count))
    stdout.print(stages)
    coming = table(
        f"Limits that will be breached in the next {report.horizon_days} days unless someone acts: "
        f"{len(report.forecast)}"
    )
    for heading in ("Case", "Stage", "Limit", "Due", "Breached in"):
        coming.add_column(heading, overflow="fold")
    for item in report.forecast:
        coming.add_row(
            item.ref,
            words(item.stage),
            item.limit_title,
            item.due_on.isoformat(),
            f"{item.days_until_breach(report.today)} day(s)",
        )
    stdout.print(coming)
    overdue = table("Advice overdue, by agency")
    for heading in ("Agency", "Overdue", "Median days late", "Worst", "Cases"):
        overdue.add_column(heading, overflow="fold")
    for agency in report.overdue_advice:
        overdue.add_row(
            weekly.agency_words(agency, organisation=True),
            str(agency.count),
            f"{agency.median_days_late:g}",
            str(agency.worst_days_late),
            ", ".join(agency.refs),
        )
    stdout.print(overdue)
    loads = table("Open cases by coordinator")
    loads.add_column("Coordinator", overflow="fold")
    loads.add_column("Open", justify="right", no_wrap=True)
    for load in report.caseloads:
        loads.add_row(load.officer, str(load.open_cases))
    stdout.print(loads)
