"""`ehcp run retry CASE`: start a stopped case run again once the cause is fixed.

The sweep stops requeueing a run that keeps failing (ehcp.runtime.backoff) and tells the
SEND team; after the fix, this counts its failures afresh and puts it back in the queue.
"""

from __future__ import annotations

import typer

from ehcp import timesource
from ehcp.cli.cases import ACTOR, Ref
from ehcp.cli.common import case_or_exit, fail, stdout
from ehcp.db import crud, runs
from ehcp.db.engine import database
from ehcp.runtime import orchestration

app = typer.Typer(help="A case's Prefect run.", no_args_is_help=True)


@app.command("retry")
def retry(ref: Ref) -> None:
    """Start the case's stopped (or failing) run again from the case record."""
    now = timesource.now()
    with database() as session:
        case = case_or_exit(session, ref)
        if case.closed_on is not None:
            fail(f"case {ref} is closed: it has no run to retry")
        if case.run_stopped_at is None and not case.run_failures:
            stdout.print(f"The run of {ref} has not failed: nothing to retry (`ehcp nudge {ref}` wakes it).")
            return
        runs.retry_stopped(session, case=case, now=now)
        crud.record_event(
            session,
            case=case,
            kind="run_retried",
            occurred_on=timesource.london_date(now),
            actor=ACTOR,
            now=now,
            summary="The case's stopped run was started again.",
        )
        flow_run_id = case.flow_run_id
    if flow_run_id is None:
        stdout.print("The case has no run yet: the sweep starts one within 15 minutes.")
        return
    try:
        orchestration.reschedule(flow_run_id)
    except Exception:  # noqa: BLE001 - Prefect down: the sweep requeues it (its count is cleared)
        stdout.print("Prefect did not answer: the sweep will requeue the run within 15 minutes.")
        return
    stdout.print(f"The run of {ref} is back in the queue.")
