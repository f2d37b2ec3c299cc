"""The sweep's handling of a case run that failed, or that Prefect no longer has.

Failed: requeue it, wait, or stop it (the policy is ehcp.runtime.backoff). Stopping marks
the run "Stopped" in Prefect, records it in the case's chronology, tells the SEND team
once (through the outbox, so exactly once), and publishes a notice as the case's timeline
artifact, so whoever opens the case in the UI sees it has stopped and what to do.

Missing (Prefect's database was lost or its retention deleted the run): the case store is
the record, so the sweep starts a fresh run for the open case and the run re-derives
everything from the store.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlmodel import Session

from ehcp import timesource
from ehcp.council.config import Council
from ehcp.db import crud, runs
from ehcp.db.models import Case
from ehcp.domain.planner import Message
from ehcp.mail import messages, outbox
from ehcp.runtime import orchestration
from ehcp.runtime.backoff import Decision, RetryPolicy, Step, decide
from ehcp.runtime.orchestration import RunStatus
from ehcp.settings import Settings
from ehcp.views.run_failure import stopped_markdown

ACTOR = "system:sweep"
log = logging.getLogger(__name__)


def policy_from(settings: Settings) -> RetryPolicy:
    return RetryPolicy(
        limit=settings.run_retry_limit, first_wait=timedelta(seconds=settings.run_retry_wait_seconds)
    )


def handle_failed(
    session: Session,
    *,
    case: Case,
    run: RunStatus,
    policy: RetryPolicy,
    council: Council,
    now: datetime,
) -> Step:
    """The sweep found `case`'s run Failed: do what the policy says; the step taken."""
    if run.name == orchestration.STOPPED:
        return Step.STOPPED
    decision = decide(
        policy,
        requeues=case.run_failures,
        retry_at=case.run_retry_at,
        stopped_at=case.run_stopped_at,
        now=now,
    )
    if decision.step is Step.REQUEUE:
        # The store first: the replay, if it looks, then sets its own next wake.
        runs.record_requeue(session, case=case, requeues=decision.requeues, retry_at=decision.retry_at)
        orchestration.reschedule(_run_id(case))
    elif decision.step is Step.STOP:
        _stop(session, case=case, run=run, decision=decision, council=council, now=now)
    return decision.step


def _stop(
    session: Session, *, case: Case, run: RunStatus, decision: Decision, council: Council, now: datetime
) -> None:
    error = f"error id {run.error_id}" if run.error_id else "no error id"
    reason = (
        f"Stopped after {decision.requeues + 1} failed attempts ({error}; see var/log/ehcp.log). "
        f"Fix the cause, then: ehcp run retry {case.ref}"
    )
    today = timesource.london_date(now)
    runs.record_stop(session, case=case, now=now)
    crud.record_event(
        session,
        case=case,
        kind="run_stopped",
        occurred_on=today,
        actor=ACTOR,
        now=now,
        summary=f"The case's run failed {decision.requeues + 1} times and was stopped; the SEND team told.",
        detail={"attempts": decision.requeues + 1, "error_id": run.error_id},
    )
    _tell_the_send_team(
        session, case=case, attempts=decision.requeues + 1, error_id=run.error_id, council=council, now=now
    )
    orchestration.stop(_run_id(case), reason)
    try:
        timeline = council.timeline(crud.case_facts(session, case=case), today=today)
    except Exception:  # noqa: BLE001 - likely the very fault that stops the run
        session.rollback()
        timeline = None
    orchestration.publish_timeline(
        case.ref,
        stopped_markdown(case.ref, attempts=decision.requeues + 1, error_id=run.error_id, timeline=timeline),
    )
    log.error(
        "stopped the run of case %s after %d failed attempts (%s)", case.ref, decision.requeues + 1, error
    )


def _tell_the_send_team(
    session: Session, *, case: Case, attempts: int, error_id: str | None, council: Council, now: datetime
) -> None:
    # One message per stop: a retried run that stops again is told again.
    about = messages.run_stopped_about(attempts=attempts, error_id=error_id, stopped_at=now)
    outbox.queue(
        session,
        case=case,
        message=Message("run_stopped", "send_team", about=about),
        address=messages.team_address(council),
        context={"case_ref": case.ref, **messages.run_stopped_context(about)},
        domain=council.send_team.email.split("@", 1)[1],
        now=now,
    )


def recreate_missing(session: Session, *, case: Case, now: datetime) -> str:
    """Prefect has no run for this open case: start a fresh one (the case store is the
    record; the run re-derives everything from it and repeats nothing already done)."""
    flow_run_id = orchestration.start_run(case.ref)
    runs.replace_run(session, case=case, flow_run_id=flow_run_id)
    crud.record_event(
        session,
        case=case,
        kind="run_recreated",
        occurred_on=timesource.london_date(now),
        actor=ACTOR,
        now=now,
        summary="Prefect no longer had the case's run: a new one was started from the case record.",
    )
    log.warning("case %s: Prefect no longer had its run; started a new one", case.ref)
    return flow_run_id


def _run_id(case: Case) -> str:
    assert case.flow_run_id is not None  # a run was found for it
    return case.flow_run_id
