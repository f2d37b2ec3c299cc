"""The one alarm clock: wake every case whose run is due a look, and requeue stranded runs.

Reads only `ehc_case.wake_at <= now` (indexed), so its cost follows the number
of due cases. A due case is one whose next due moment has passed, or that
changed since its run last looked (every write sets wake_at to now, closing writes
included: the run's last look sends what the closing decision owes the family), or
that has no run yet (a new request). The run itself moves wake_at on when it looks.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from prefect.client.schemas.objects import StateType
from sqlmodel import Session

from ehcp.council.config import Council, cached_council
from ehcp.db import runs
from ehcp.db.models import Case
from ehcp.portal.uploads import remove_stale_uploads
from ehcp.runtime import failed_runs, orchestration
from ehcp.runtime.backoff import RetryPolicy, Step
from ehcp.runtime.signals import Wake
from ehcp.settings import get_settings

log = logging.getLogger(__name__)
# A worker died under these, or Prefect lost track: requeued whenever found. A Failed run
# raised an exception: requeued with growing waits, then stopped (ehcp.runtime.backoff).
STRANDED = {StateType.CRASHED, StateType.CANCELLED, StateType.CANCELLING}
IN_FLIGHT = {StateType.RUNNING, StateType.PENDING}
HEALTHY = {StateType.PAUSED, StateType.COMPLETED}


@dataclass
class SweepReport:
    started: list[str] = field(default_factory=list)
    woken: list[str] = field(default_factory=list)
    rescheduled: list[str] = field(default_factory=list)
    waiting: list[str] = field(default_factory=list)  # already queued or running: nothing to do
    backing_off: list[str] = field(default_factory=list)  # failed; too soon to requeue again
    stopped: list[str] = field(default_factory=list)  # failed too often: stopped this pass
    recreated: list[str] = field(default_factory=list)  # Prefect had lost the run: a new one
    rested: list[str] = field(default_factory=list)  # closed, its run done: no longer read

    @property
    def handled(self) -> set[str]:
        """Cases this pass already acted on (the hunt for stranded runs skips them)."""
        return {
            *self.started,
            *self.woken,
            *self.rescheduled,
            *self.backing_off,
            *self.stopped,
            *self.recreated,
            *self.rested,
        }


def sweep(
    session: Session,
    *,
    now: datetime,
    limit: int,
    stale_after_seconds: float,
    runner_started_at: datetime | None = None,
    policy: RetryPolicy | None = None,
    council: Council | None = None,
) -> SweepReport:
    """`runner_started_at`: when the only runner (`ehcp serve` under `ehcp up`) last
    started. A run "Running" since before then has no process left, however recently it
    entered that state. Without it, only the wall-clock `stale_after_seconds` tells.
    `policy` and `council` default to the configured ones."""
    settings = get_settings()
    policy = policy or failed_runs.policy_from(settings)
    council = council or cached_council(settings.council_dir)
    report = SweepReport()
    remove_stale_uploads(now=now)  # portal uploads parked over a day and never sent
    for case in runs.cases_to_wake(session, now=now, limit=limit):
        if case.flow_run_id is None:
            runs.attach_run(session, case=case, flow_run_id=orchestration.start_run(case.ref))
            report.started.append(case.ref)
            continue
        run = orchestration.status(case.flow_run_id)
        if run.state is None:
            failed_runs.recreate_missing(session, case=case, now=now)
            report.recreated.append(case.ref)
            continue
        if run.state in HEALTHY:
            runs.clear_failures(session, case=case)
        if run.state is StateType.PAUSED:
            if orchestration.wake(case.flow_run_id) is Wake.RESUMED:
                report.woken.append(case.ref)
            else:  # Prefect did not take the resume: the next pass tries again
                report.waiting.append(case.ref)
            continue
        if run.state is StateType.FAILED:
            _failed(session, case, run, policy, council, now, report)
            continue
        if run.state is StateType.COMPLETED and case.closed_on is not None:
            runs.rest(session, case=case)  # its last look is done: nothing left to wake
            report.rested.append(case.ref)
            continue
        # Running, or Pending (a runner that died between claiming the run and starting
        # it leaves it "Submitting" for good): since before the runner last started, or for
        # longer than any look takes.
        stuck_running = run.state in IN_FLIGHT and (
            run.seconds_in_state > stale_after_seconds
            or (runner_started_at is not None and run.entered_at < runner_started_at)
        )
        if run.state in STRANDED or stuck_running:
            # A worker died under it (or Prefect lost it): replay it from the top.
            orchestration.reschedule(case.flow_run_id)
            report.rescheduled.append(case.ref)
            continue
        report.waiting.append(case.ref)
    # A worker that died after a look saved its next wake time, but before the run
    # suspended, leaves a case that is not due: find such runs from Prefect's side.
    lost = orchestration.stranded_runs(stale_after_seconds, runner_started_at=runner_started_at)
    for flow_run_id, run in lost.items():
        stranded = runs.case_for_run(session, flow_run_id=flow_run_id)
        if stranded is None or not runs.needs_a_look(stranded) or stranded.ref in report.handled:
            continue
        if run.state is StateType.FAILED:
            _failed(session, stranded, run, policy, council, now, report)
            continue
        orchestration.reschedule(flow_run_id)
        report.rescheduled.append(stranded.ref)
    return report


def _failed(
    session: Session,
    case: Case,
    run: orchestration.RunStatus,
    policy: RetryPolicy,
    council: Council,
    now: datetime,
    report: SweepReport,
) -> None:
    step = failed_runs.handle_failed(session, case=case, run=run, policy=policy, council=council, now=now)
    {
        Step.REQUEUE: report.rescheduled,
        Step.WAIT: report.backing_off,
        Step.STOP: report.stopped,
        Step.STOPPED: report.waiting,
    }[step].append(case.ref)
