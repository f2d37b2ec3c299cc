"""The sweep: the one alarm clock (cron in prefect.yaml, every 15 minutes)."""

from __future__ import annotations

from datetime import datetime

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from ehcp import timesource
from ehcp.db.engine import database
from ehcp.mail.delivery import DeliveryCounts
from ehcp.runtime import sweeper
from tasks.board import publish_caseload
from tasks.common import council, no_personal_data_in_errors, settings

SWEEP = "ehc-sweep"


@flow(
    name="ehc-sweep",
    log_prints=False,
    description="Wake every case whose run is due a look; retry the outbox; publish the caseload board.",
)
def ehc_sweep(runner_started_at: datetime | None = None) -> sweeper.SweepReport:
    """`runner_started_at`: given by `ehcp up` when it has (re)started the only runner, so
    every case run still "Running" from before then lost its process and is requeued at
    once, not after `EHC_RUN_STALE_AFTER_SECONDS`."""
    report = wake_due_cases(runner_started_at)
    logger = get_run_logger()
    logger.info(
        "started %d, woke %d, rescheduled %d, left %d waiting; failed runs: %d backing off, %d stopped; "
        "%d lost runs started afresh",
        len(report.started),
        len(report.woken),
        len(report.rescheduled),
        len(report.waiting),
        len(report.backing_off),
        len(report.stopped),
        len(report.recreated),
    )
    mail = deliver_outbox()
    logger.info("outbox: sent %d, deferred %d, failed %d", mail.sent, mail.deferred, mail.failed)
    reports = deliver_report_emails()
    if reports.sent or reports.deferred or reports.failed:
        logger.info(
            "report emails: sent %d, deferred %d, failed %d", reports.sent, reports.deferred, reports.failed
        )
    board = publish_caseload()
    logger.info("caseload: %d open case(s) on %d board(s)", board.cases, board.boards)
    return report


@task(name="wake-due-cases", cache_policy=NO_CACHE)
def wake_due_cases(runner_started_at: datetime | None = None) -> sweeper.SweepReport:
    """Start, wake or requeue the run of every case due a look (at most EHC_SWEEP_LIMIT a pass)."""
    with no_personal_data_in_errors("wake-due-cases", SWEEP), database() as session:
        return sweeper.sweep(
            session,
            now=timesource.now(),
            limit=settings().sweep_limit,
            stale_after_seconds=settings().run_stale_after_seconds,
            runner_started_at=runner_started_at,
        )


@task(name="deliver-outbox", cache_policy=NO_CACHE)
def deliver_outbox() -> DeliveryCounts:
    """Retry what a case's own send deferred (the relay was down) or a dead worker left."""
    from ehcp.mail.delivery import deliver_sync
    from ehcp.mail.transport import SmtpTransport

    with no_personal_data_in_errors("deliver-outbox", SWEEP), database() as session:
        return deliver_sync(
            session,
            transport=SmtpTransport(settings()),
            council=council(),
            settings=settings(),
            now=timesource.now(),
        ).counts


@task(name="deliver-report-emails", cache_policy=NO_CACHE)
def deliver_report_emails() -> DeliveryCounts:
    """Retry a weekly report email the relay deferred (its own flow runs once a week)."""
    from ehcp.mail.reports import deliver_reports_sync
    from ehcp.mail.transport import SmtpTransport

    with no_personal_data_in_errors("deliver-report-emails", SWEEP), database() as session:
        return deliver_reports_sync(
            session,
            transport=SmtpTransport(settings()),
            council=council(),
            settings=settings(),
            now=timesource.now(),
        )
