"""The sweep: the one alarm clock (cron in prefect.yaml, every 15 minutes)."""

from __future__ import annotations

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from ehcp import sweeper, timesource
from tasks.common import council, database, settings


@flow(
    name="ehc-sweep",
    log_prints=False,
    description="Wake every case whose run is due a look; retry the outbox.",
)
def ehc_sweep(limit: int = 500) -> dict[str, list[str]]:
    with database() as session:
        report = sweeper.sweep(
            session,
            now=timesource.now(),
            limit=limit,
            stale_after_seconds=settings().run_stale_after_seconds,
        )
    logger = get_run_logger()
    logger.info(
        "started %d, woke %d, rescheduled %d, left %d waiting",
        len(report.started),
        len(report.woken),
        len(report.rescheduled),
        len(report.waiting),
    )
    mail = deliver_outbox()
    logger.info("outbox: sent %d, deferred %d, failed %d", mail["sent"], mail["deferred"], mail["failed"])
    return report.as_dict()


@task(name="deliver-outbox", cache_policy=NO_CACHE)
def deliver_outbox() -> dict[str, int]:
    """Retry what a case's own send deferred (the relay was down) or a dead worker left."""
    from ehcp.mail.delivery import deliver_sync
    from ehcp.mail.transport import SmtpTransport

    with database() as session:
        report = deliver_sync(
            session,
            transport=SmtpTransport(settings()),
            council=council(),
            settings=settings(),
            now=timesource.now(),
        )
    return {"sent": len(report.sent), "deferred": len(report.deferred), "failed": len(report.failed)}
