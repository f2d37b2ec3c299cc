"""The sweep: the one alarm clock (cron in prefect.yaml, every 15 minutes)."""

from __future__ import annotations

from prefect import flow, get_run_logger

from ehcp import sweeper, timesource
from tasks.common import database, settings


@flow(name="ehc-sweep", log_prints=False, description="Wake every case whose run is due a look.")
def ehc_sweep(limit: int = 500) -> dict[str, list[str]]:
    with database() as session:
        report = sweeper.sweep(
            session,
            now=timesource.now(),
            limit=limit,
            stale_after_seconds=settings().run_stale_after_seconds,
        )
    get_run_logger().info(
        "started %d, woke %d, rescheduled %d, left %d waiting",
        len(report.started),
        len(report.woken),
        len(report.rescheduled),
        len(report.waiting),
    )
    return report.as_dict()
