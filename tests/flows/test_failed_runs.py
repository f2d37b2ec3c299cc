"""A case run that keeps failing is requeued with growing waits, then stopped, the SEND
team told once, and started again by `ehcp run retry` once fixed. A run Prefect lost is
started afresh from the case record."""

from __future__ import annotations

from datetime import date, timedelta
from uuid import UUID

from prefect.client.orchestration import get_client
from sqlmodel import delete, select
from typer.testing import CliRunner

from ehcp import timesource
from ehcp.cli.main import app
from ehcp.db import crud, runs
from ehcp.db.engine import database
from ehcp.db.models import Decision, OutboundMessage
from ehcp.runtime import orchestration, sweeper
from ehcp.runtime.backoff import RetryPolicy
from tests.support.stack import read_artifact_markdown, read_run, wait_until

POLICY = RetryPolicy(limit=1, first_wait=timedelta(minutes=15))


def _break(ref: str) -> None:
    """Data the code cannot take (an outcome no decision has): every look of it raises."""
    with database() as session:
        stored = crud.require_case(session, ref=ref)
        session.add(
            Decision(
                case_id=stored.id,
                kind="assessment",
                outcome="bogus",
                decided_on=date(2026, 9, 10),
                recorded_by="t",
                recorded_at=timesource.now(),
            )
        )
        runs.wake_for_change(session, case_id=stored.id, now=timesource.now())
        session.commit()


def _mend(ref: str) -> None:
    with database() as session:
        session.exec(delete(Decision).where(Decision.outcome == "bogus"))
        session.commit()


def _sweep(now=None) -> sweeper.SweepReport:
    with database() as session:
        return sweeper.sweep(
            session,
            now=now or timesource.now(),
            limit=100,
            stale_after_seconds=600,
            policy=POLICY,
        )


def _failed(system, ref: str):
    def check():
        run = read_run(system.case(ref).flow_run_id)
        return run if run.state.is_failed() else None

    return wait_until(check, timeout=180, what=f"the run of {ref} to fail")


def _stop_alerts(ref: str) -> list[OutboundMessage]:
    with database() as session:
        return list(
            session.exec(
                select(OutboundMessage).where(
                    OutboundMessage.purpose == "run_stopped", OutboundMessage.key.startswith(ref)
                )
            )
        )


def test_a_run_that_keeps_failing_is_requeued_then_stopped_and_the_send_team_told_once(system):
    system.today(date(2026, 9, 7))
    ref = system.open_case(received_on=date(2026, 9, 7))
    system.settled(ref, sweeping=True)
    _break(ref)
    _sweep()  # wakes the run; its look raises
    first = _failed(system, ref)
    assert "error id" in first.state.message and "bogus" not in first.state.message

    report = _sweep()  # the first failure is requeued at once
    assert ref in report.rescheduled and system.case(ref).run_failures == 1
    _failed(system, ref)
    report = _sweep()  # failed again before its wait is over: left alone
    assert ref in report.backing_off

    later = timesource.now() + timedelta(minutes=16)
    report = _sweep(now=later)  # its one requeue is spent: stopped
    assert ref in report.stopped
    case = system.case(ref)
    assert case.run_stopped_at is not None and case.wake_at is None
    run = read_run(case.flow_run_id)
    assert run.state.name == orchestration.STOPPED and f"ehcp run retry {ref}" in run.state.message
    [alert] = _stop_alerts(ref)
    assert alert.recipient_role == "send_team" and f"ehcp run retry {ref}" in alert.body_text
    assert [event.kind for event in system.chronology(ref)].count("run_stopped") == 1
    notice = read_artifact_markdown(f"case-{ref.lower()}-timeline")
    assert "STOPPED" in notice and f"ehcp run retry {ref}" in notice

    # Later sweeps neither requeue it nor tell anyone again, and do not count it stranded.
    report = _sweep(now=later + timedelta(days=3))
    assert ref not in report.rescheduled + report.stopped
    assert case.flow_run_id not in orchestration.stranded_runs(600)
    assert len(_stop_alerts(ref)) == 1

    _mend(ref)
    result = CliRunner().invoke(app, ["run", "retry", ref])
    assert result.exit_code == 0, result.output
    settled = system.settled(ref, sweeping=True)
    assert (settled.run_failures, settled.run_stopped_at) == (0, None)
    assert "run_retried" in [event.kind for event in system.chronology(ref)]


def test_a_run_prefect_no_longer_has_is_started_afresh_from_the_case_record(system):
    system.today(date(2026, 9, 7))
    ref = system.open_case(received_on=date(2026, 9, 7))
    lost = system.settled(ref, sweeping=True).flow_run_id
    sent_before = _outbox_count(ref)
    with get_client(sync_client=True) as client:
        client.delete_flow_run(UUID(lost))
    _nudge(ref)
    report = _sweep()
    assert ref in report.recreated
    settled = system.settled(ref, sweeping=True)
    assert settled.flow_run_id != lost
    assert "run_recreated" in [event.kind for event in system.chronology(ref)]
    # The new run found everything the lost one had queued already done: nothing new.
    assert _outbox_count(ref) == sent_before


def _outbox_count(ref: str) -> int:
    with database() as session:
        case = crud.require_case(session, ref=ref)
        return len(session.exec(select(OutboundMessage.id).where(OutboundMessage.case_id == case.id)).all())


def _nudge(ref: str) -> None:
    with database() as session:
        runs.wake_for_change(session, case_id=crud.require_case(session, ref=ref).id, now=timesource.now())
        session.commit()
