"""The weekly report (cron in prefect.yaml: Monday 07:00, Europe/London).

Builds the report as of today (ehcp.reports.weekly), publishes it as the artifacts
`weekly-report` (Markdown) and `weekly-report-forecast`, `-overdue-advice`, `-caseloads`,
`-weeks` (tables), and emails it, with its chart, to each of the council's
`weekly_report_to`, once per ISO week however often it runs.
"""

from __future__ import annotations

from prefect import flow

from tasks.report import WeeklySummary, publish_weekly_report, send_weekly_report


@flow(
    name="ehc-weekly-report",
    log_prints=False,
    description="The weekly report to managers: timeliness, open cases, breaches to come, overdue advice.",
)
def ehc_weekly_report() -> WeeklySummary:
    summary = publish_weekly_report()
    send_weekly_report()
    return summary
