"""Tasks of the request flow: look at the case, send what it queued, apply a coordinator's entry.

Each returns a small typed result, never data about people: what crosses into
Prefect is a case reference, a stage, numbers and words that name roles.
"""

from __future__ import annotations

from dataclasses import dataclass

from prefect import get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run

from ehcp import timesource
from ehcp.db import crud, runs
from ehcp.db.engine import database
from ehcp.mail.delivery import DeliveryCounts
from ehcp.runtime import coordinator_input, orchestration
from ehcp.runtime.case_runner import reconcile
from ehcp.runtime.coordinator_input import CoordinatorEntry
from ehcp.views import run_status
from ehcp.views.timeline import artifact_key, timeline_markdown
from tasks.common import council, no_personal_data_in_errors, settings


@dataclass(frozen=True)
class LookResult:
    """What the flow needs from a look to decide what comes next."""

    stage: str
    closed: bool
    wait_number: int
    # The Suspended state's message in the Runs list: what the case waits for, when
    # its next limit falls due (ehcp.views.run_status; no names).
    waiting_message: str = ""


# No cache: a look must run every time the flow replays, because it re-derives
# everything from the database and repeats nothing that is already done.
@task(name="look-at-case", cache_policy=NO_CACHE)
def look_at_case(case_ref: str) -> LookResult:
    with no_personal_data_in_errors("look-at-case", case_ref), database() as session:
        look = reconcile(
            session,
            ref=case_ref,
            council=council(),
            now=timesource.now(),
            document_store=settings().document_store,
        )
        run_id = str(flow_run.id) if flow_run.id else None
        case = crud.require_case(session, ref=case_ref)
        if run_id and case.flow_run_id is None:
            runs.attach_run(session, case=case, flow_run_id=run_id)
    logger = get_run_logger()
    for done in look.did:
        logger.info("%s: %s", case_ref, done)
    logger.info("%s is at stage %s; waiting for %d thing(s)", case_ref, look.stage, len(look.waiting_for))
    create_markdown_artifact(
        key=artifact_key(case_ref),
        markdown=timeline_markdown(look, web_url=settings().web_url),
        description=f"Statutory timeline and next steps for {case_ref}",
    )
    if run_id:
        orchestration.set_tags(run_id, run_status.run_tags(look))
    return LookResult(
        stage=look.stage,
        closed=look.closed,
        wait_number=look.wait_number,
        waiting_message=run_status.state_message(look),
    )


@task(name="send-case-messages", cache_policy=NO_CACHE)
def send_case_messages(case_ref: str) -> DeliveryCounts:
    """Send what the look queued. Idempotent: a sent row is never sent again, so a
    replay after a crash or a resume sends only what is still unsent."""
    from ehcp.mail.delivery import deliver_sync
    from ehcp.mail.transport import SmtpTransport

    with no_personal_data_in_errors("send-case-messages", case_ref), database() as session:
        case = crud.require_case(session, ref=case_ref)
        counts = deliver_sync(
            session,
            transport=SmtpTransport(settings()),
            council=council(),
            settings=settings(),
            now=timesource.now(),
            case_id=case.id,
        ).counts
    get_run_logger().info(
        "%s: sent %d, deferred %d, failed %d", case_ref, counts.sent, counts.deferred, counts.failed
    )
    return counts


@task(name="apply-coordinator-entry", cache_policy=NO_CACHE)
def apply_coordinator_entry(case_ref: str, wait_number: int, entry: CoordinatorEntry) -> str:
    with no_personal_data_in_errors("apply-coordinator-entry", case_ref), database() as session:
        outcome = coordinator_input.apply(
            session,
            ref=case_ref,
            wait_number=wait_number,
            entry=entry,
            council=council(),
            now=timesource.now(),
        )
    get_run_logger().info("%s: %s", case_ref, outcome)
    return outcome
