"""Tasks of the weekly report flow: build and publish the report, then email it.

What crosses into Prefect is case references, stages, limit keys, roles, coordinator keys,
counts and dates: the artifacts leave out the agencies' organisation names (the managers'
email has them), and a task returns counts only.
"""

from __future__ import annotations

from dataclasses import dataclass

from prefect import get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE

from ehcp import timesource
from ehcp.db.engine import database
from ehcp.mail.delivery import DeliveryCounts
from ehcp.reports import weekly
from ehcp.reports.chart import png
from tasks.common import council, no_personal_data_in_errors, settings

WHAT = "the weekly report"
# Artifact keys: lowercase letters, digits and dashes.
MARKDOWN_KEY = "weekly-report"
FORECAST_KEY = "weekly-report-forecast"
OVERDUE_KEY = "weekly-report-overdue-advice"
CASELOADS_KEY = "weekly-report-caseloads"
WEEKS_KEY = "weekly-report-weeks"


@dataclass(frozen=True)
class WeeklySummary:
    """What the flow logs and returns: the week, and counts."""

    week: str
    open_cases: int
    forecast: int
    overdue_advice: int
    emails_queued: int


@task(name="publish-weekly-report", cache_policy=NO_CACHE)
def publish_weekly_report() -> WeeklySummary:
    """Build the report as of today, publish it as artifacts, and queue its email to each
    of the council's `weekly_report_to` (once per ISO week: a second run queues nothing)."""
    from ehcp.mail.reports import queue_weekly_report

    loaded = council()
    with no_personal_data_in_errors("publish-weekly-report", WHAT), database() as session:
        report = weekly.build_weekly_report(session, council=loaded, today=timesource.today())
        queued = queue_weekly_report(
            session,
            week=report.iso_week,
            recipients=loaded.weekly_report_to,
            context=weekly.email_context(report, council=loaded.name),
            chart=png(report),
            domain=loaded.send_team.email.split("@", 1)[1],
            now=timesource.now(),
        )
    week = report.iso_week
    create_markdown_artifact(
        key=MARKDOWN_KEY, markdown=weekly.markdown(report), description=f"Weekly report, {week}"
    )
    create_table_artifact(
        key=FORECAST_KEY,
        table=weekly.forecast_rows(report),
        description=f"{week}: limits that will be breached in the next {report.horizon_days} days",
    )
    create_table_artifact(
        key=OVERDUE_KEY, table=weekly.overdue_by_role(report), description=f"{week}: advice overdue, by role"
    )
    create_table_artifact(
        key=CASELOADS_KEY,
        table=[{"coordinator": item.officer, "open_cases": item.open_cases} for item in report.caseloads],
        description=f"{week}: open cases by coordinator",
    )
    create_table_artifact(
        key=WEEKS_KEY, table=weekly.week_rows(report), description=f"{week}: the last 52 weeks"
    )
    summary = WeeklySummary(
        week=week,
        open_cases=report.open_cases,
        forecast=len(report.forecast),
        overdue_advice=sum(item.count for item in report.overdue_advice),
        emails_queued=queued,
    )
    get_run_logger().info(
        "%s: %d open cases, %d limits to be breached in %d days, %d advice requests overdue; "
        "%d emails queued",
        week,
        summary.open_cases,
        summary.forecast,
        report.horizon_days,
        summary.overdue_advice,
        queued,
    )
    return summary


@task(name="send-weekly-report", cache_policy=NO_CACHE)
def send_weekly_report() -> DeliveryCounts:
    """Send every report email due (this week's, and any an earlier run had to defer)."""
    from ehcp.mail.reports import deliver_reports_sync
    from ehcp.mail.transport import SmtpTransport

    with no_personal_data_in_errors("send-weekly-report", WHAT), database() as session:
        counts = deliver_reports_sync(
            session,
            transport=SmtpTransport(settings()),
            council=council(),
            settings=settings(),
            now=timesource.now(),
        )
    get_run_logger().info(
        "report emails: sent %d, deferred %d, failed %d", counts.sent, counts.deferred, counts.failed
    )
    return counts
