"""Prefect forgets finished runs, their logs and artifacts after the retention period, as
`ehcp up` configures it; a suspended run (an open case's) is kept however old."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta
from uuid import UUID

import pytest
from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    ArtifactFilter,
    ArtifactFilterFlowRunId,
    LogFilter,
    LogFilterFlowRunId,
)
from prefect.exceptions import ObjectNotFound
from prefect.settings import PREFECT_API_URL, temporary_settings
from prefect.states import Paused

from tests.support.stack import Stack, wait_until

pytestmark = pytest.mark.slow


@task
def _note() -> None:
    create_markdown_artifact(key="retention-probe", markdown="# a case's timeline")


@flow(name="retention-probe")
def _probe() -> None:
    get_run_logger().info("a look at a case")
    _note()


@pytest.fixture
def prefect(tmp_path):
    stack = Stack.create(tmp_path, f"sqlite:///{tmp_path / 'cases.sqlite3'}")
    stack.env["EHC_PREFECT_RETENTION_DAYS"] = "0.05"  # 72 minutes
    stack.env["PREFECT_SERVER_SERVICES_DB_VACUUM_LOOP_SECONDS"] = "1"
    try:
        stack.start_prefect()
        with temporary_settings(updates={PREFECT_API_URL: stack.api_url}):
            yield stack
    finally:
        stack.stop()


def _ended_hours_ago(stack: Stack, flow_run_id: UUID, hours: float) -> None:
    """Move a finished run's end back in Prefect's own database (its clock is the wall's)."""
    with sqlite3.connect(stack.prefect_home / "prefect.db") as db:
        [(ended,)] = db.execute("SELECT end_time FROM flow_run WHERE id = ?", (str(flow_run_id),))
        moved = datetime.fromisoformat(ended) - timedelta(hours=hours)
        db.execute(
            "UPDATE flow_run SET end_time = ? WHERE id = ?", (moved.isoformat(sep=" "), str(flow_run_id))
        )


def _gone(flow_run_id: UUID) -> bool:
    with get_client(sync_client=True) as client:
        try:
            client.read_flow_run(flow_run_id)
        except ObjectNotFound:
            return True
    return False


def test_a_finished_run_its_logs_and_artifacts_go_after_the_retention_period_and_a_suspended_one_stays(
    prefect,
):
    old = _probe(return_state=True).state_details.flow_run_id
    recent = _probe(return_state=True).state_details.flow_run_id
    with get_client(sync_client=True) as client:
        waiting = client.create_flow_run(_probe, state=Paused(reschedule=True)).id
    # Before: the run's log line and artifact are there (logs reach Prefect in batches).
    wait_until(lambda: _logs(old), timeout=60, what="the old run's logs to reach Prefect")
    assert _artifacts(old)
    _ended_hours_ago(prefect, old, hours=2)

    wait_until(lambda: _gone(old), timeout=120, what="Prefect's vacuum to delete the old run")
    wait_until(
        lambda: not _logs(old) and not _artifacts(old), timeout=60, what="its logs and artifacts to go"
    )
    assert not _gone(recent) and not _gone(waiting)
    assert len(_artifacts(recent)) == 1


def _logs(flow_run_id: UUID) -> list:
    with get_client(sync_client=True) as client:
        return client.read_logs(log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[flow_run_id])))


def _artifacts(flow_run_id: UUID) -> list:
    with get_client(sync_client=True) as client:
        return client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id]))
        )


def test_retention_reaches_prefect_as_whole_seconds():
    from ehcp.runtime.supervisor import prefect_environment
    from ehcp.settings import Settings

    env = prefect_environment(Settings(prefect_retention_days=30))
    assert env["PREFECT_SERVER_SERVICES_DB_VACUUM_RETENTION_PERIOD"] == str(30 * 86400)
    assert set(env["PREFECT_SERVER_SERVICES_DB_VACUUM_ENABLED"].split(",")) == {"events", "flow_runs"}
