"""The project's only conversation with Prefect about case runs: start, wake, inspect, reschedule.

Writers (CLI, API, portal) update the database first and then call `wake`;
a run that has not suspended yet cannot be resumed (NotPausedError), so `wake`
retries for a few seconds and then leaves the case to the sweep, which sees
that the case changed since its run last looked.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import cast
from uuid import UUID

from prefect.client.orchestration import get_client
from prefect.client.schemas.objects import FlowRun, StateType
from prefect.deployments import run_deployment
from prefect.exceptions import NotPausedError, ObjectNotFound
from prefect.flow_runs import resume_flow_run
from prefect.states import Failed, Scheduled
from tenacity import Retrying, retry_if_exception_type, stop_after_delay, wait_exponential

from ehcp.runtime.signals import Wake

REQUEST_DEPLOYMENT = "ehc-request/ehc-request"
# The name of the Failed state a run is given when the sweep stops requeueing it
# (ehcp.runtime.backoff): the Runs page shows it, and the hunt for stranded runs skips it.
STOPPED = "Stopped"
# Our tasks' failures name an error id (ehcp.error_log.record_failure): 12 hex digits.
ERROR_ID = re.compile(r"error id ([0-9a-f]{12})")
WAKE_PATIENCE_SECONDS = 8.0
log = logging.getLogger(__name__)


def run_name(case_ref: str) -> str:
    return f"ehc-{case_ref}"


def start_run(case_ref: str) -> str:
    """Create the case's run (idempotent: the same key always names the same run)."""
    run = run_deployment(
        REQUEST_DEPLOYMENT,
        parameters={"case_ref": case_ref},
        timeout=0,
        idempotency_key=run_name(case_ref),
        tags=["ehc"],
    )
    # run_deployment is sync-compatible (typed as "or a coroutine"); here it is called sync.
    return str(cast(FlowRun, run).id)


def wake(flow_run_id: str | None, patience: float = WAKE_PATIENCE_SECONDS) -> Wake:
    if flow_run_id is None:
        return Wake.NO_RUN
    try:
        for attempt in Retrying(
            retry=retry_if_exception_type(NotPausedError),
            stop=stop_after_delay(patience),
            wait=wait_exponential(multiplier=0.2, max=2),
            reraise=True,
        ):
            with attempt:
                _resume(UUID(flow_run_id))
    except NotPausedError:
        return Wake.NOT_WAITING
    except Exception as error:  # noqa: BLE001 - any Prefect outage leaves the case to the sweep
        log.warning("could not wake run %s: %s", flow_run_id, type(error).__name__)
        return Wake.UNREACHABLE
    return Wake.RESUMED


# What Prefect's server says when a run is Suspended but its resume form was never saved.
SCHEMA_NOT_FOUND = "Run input schema not found"
# The form such a run is given back: no fields, so waking it with none is accepted. Its
# next look suspends with the stage's own form.
LOOK_AGAIN_FORM = {"title": "Look at the case again", "type": "object", "properties": {}}


def _resume(flow_run_id: UUID) -> None:
    """Resume with no input, repairing a suspension Prefect left without its form.

    Prefect's suspend_flow_run (3.8.8) sets the run Suspended first and saves the resume
    form's schema after, in a second call. A worker killed between the two, or a server
    error on the second (the fault drill saw one while PostgreSQL restarted), leaves a
    run that refuses every resume ("Run input schema not found"), so the case would wait
    for ever. Such a run gets an empty form and is resumed."""
    try:
        resume_flow_run(flow_run_id, run_input={})
    except RuntimeError as refused:
        if SCHEMA_NOT_FOUND not in str(refused):
            raise
        log.warning("run %s was suspended without its form: repaired and resumed", flow_run_id)
        _save_look_again_form(flow_run_id)
        resume_flow_run(flow_run_id, run_input={})


def _save_look_again_form(flow_run_id: UUID) -> None:
    import json

    with get_client(sync_client=True) as client:
        run = client.read_flow_run(flow_run_id)
        keyset = run.state.state_details.run_input_keyset if run.state else None
        if not keyset:
            raise RuntimeError("the run's suspension names no form")
        client.create_flow_run_input(flow_run_id, key=keyset["schema"], value=json.dumps(LOOK_AGAIN_FORM))


@dataclass(frozen=True)
class RunStatus:
    state: StateType | None  # None: Prefect has no such run
    seconds_in_state: float
    entered_at: datetime = datetime.min.replace(tzinfo=UTC)  # when it entered that state
    name: str = ""  # the state's name: "Stopped" when the sweep stopped requeueing it
    error_id: str | None = None  # from a Failed state's message, when our task logged one


def status(flow_run_id: str) -> RunStatus:
    """The run's state and how long it has been in it, by the wall clock: how long a
    worker has been silent is an operational fact, not statutory time (which tests move)."""
    with get_client(sync_client=True) as client:
        try:
            run = client.read_flow_run(UUID(flow_run_id))
        except ObjectNotFound:
            return RunStatus(None, 0.0)
    return _status_of(run)


def _status_of(run: FlowRun) -> RunStatus:
    if run.state is None:
        return RunStatus(None, 0.0)
    entered_at = run.state.timestamp
    found = ERROR_ID.search(run.state.message or "")
    return RunStatus(
        run.state.type,
        (datetime.now(UTC) - entered_at).total_seconds(),
        entered_at,
        name=run.state.name or "",
        error_id=found.group(1) if found else None,
    )


def stranded_runs(
    stale_after_seconds: float, limit: int = 200, *, runner_started_at: datetime | None = None
) -> dict[str, RunStatus]:
    """Case runs a dead worker left behind, by id with their status (read once here, so the
    sweep need not ask again): Crashed or Failed, or Running for longer than any look takes
    (by the wall clock), or since before the only runner last started. Few at any time, so
    this stays cheap."""
    from prefect.client.schemas.filters import (
        DeploymentFilter,
        DeploymentFilterName,
        FlowRunFilter,
        FlowRunFilterState,
        FlowRunFilterStateName,
        FlowRunFilterStateType,
    )

    in_flight = {StateType.RUNNING, StateType.PENDING}
    stranded = [*in_flight, StateType.CRASHED, StateType.FAILED]
    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(
            flow_run_filter=FlowRunFilter(
                # A run the sweep stopped is not stranded: it waits for `ehcp run retry`.
                state=FlowRunFilterState(
                    type=FlowRunFilterStateType(any_=stranded),
                    name=FlowRunFilterStateName(not_any_=[STOPPED]),
                )
            ),
            deployment_filter=DeploymentFilter(
                name=DeploymentFilterName(any_=[REQUEST_DEPLOYMENT.split("/")[1]])
            ),
            limit=limit,
        )
    now = datetime.now(UTC)
    return {
        str(run.id): _status_of(run)
        for run in runs
        if run.state is not None
        and (
            run.state.type not in in_flight
            or (now - run.state.timestamp).total_seconds() > stale_after_seconds
            or (runner_started_at is not None and run.state.timestamp < runner_started_at)
        )
    }


def reschedule(flow_run_id: str) -> None:
    """Put a crashed or stranded run back in the queue: it replays from the top and,
    because every step re-derives from the database, repeats nothing."""
    with get_client(sync_client=True) as client:
        client.set_flow_run_state(UUID(flow_run_id), Scheduled(), force=True)


def stop(flow_run_id: str, message: str) -> None:
    """Mark a failing run "Stopped" (still Failed, so Prefect's filters for failed runs find
    it); `message`, shown beside it in the Runs list, says why and what to do. No names."""
    with get_client(sync_client=True) as client:
        client.set_flow_run_state(UUID(flow_run_id), Failed(name=STOPPED, message=message), force=True)


def set_tags(flow_run_id: str, tags: list[str]) -> None:
    """Replace the run's tags (ehcp.views.run_status.run_tags says which)."""
    with get_client(sync_client=True) as client:
        client.update_flow_run(UUID(flow_run_id), tags=tags)


def publish_timeline(case_ref: str, markdown: str) -> None:
    """A new version of the case's timeline artifact (from a task: the sweep's)."""
    from prefect.artifacts import create_markdown_artifact

    from ehcp.views.timeline import artifact_key

    create_markdown_artifact(
        key=artifact_key(case_ref),
        markdown=markdown,
        description=f"Statutory timeline and next steps for {case_ref}",
    )
