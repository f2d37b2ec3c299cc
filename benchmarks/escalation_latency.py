"""From a due moment to the escalation email at the SMTP server.

    .venv/bin/python benchmarks/escalation_latency.py [--cases 10] [--profiles production embedded]
                                                      [--workers 2] [--worker-poll 10] [--runner-poll 5]
                                                      [--smtp-sends 20]

The email: a request whose week-6 limit (the decision whether to assess, Regs 5(1)) has
passed with no decision. The planner wakes the case at 07:00 (London) on the day after the
due day, and that look queues `limit_breached` about `decision_to_assess` to each of
ladder.yaml's `alert_on_breach` contacts for the limit (config/example: `send_team_manager`,
the SEND team manager's inbox; the SEND team's own inbox had its `limit_warning`s 7 and 2
days before), which the run sends at once, before suspending again.

Each profile (`--profiles`):
- production: as benchmarks/catch_up.py starts it (PostgreSQL, Prefect behind basic auth,
  the `ehcp` process pool with its concurrency limit 10, `--workers` workers asking for
  work every `--worker-poll` s: Prefect's default is 10, which a worker started as the
  README says gets; tests/support/production.py asks every second);
- embedded: what `ehcp up` runs (tests/support/stack.py): Prefect's server on SQLite,
  `ehcp serve` asking for runs every `--runner-poll` s (`EHC_RUNNER_POLL_SECONDS`, `ehcp
  up`'s default 5; the test stack asks every second), the cases on SQLite.
The cron schedules are paused: the only sweeps are the ones below.

Setup: `--cases` requests received on one day (group A) and as many nine days later
(group B, so that none of B's moments falls on A's), each run left Suspended after its
first look.

1. The sweep run at once, one case at a time. For each case of A: the injected clock is set
   to A's breach moment (07:00 London, the day after week 6), then at once the sweep
   (`ehcp.runtime.sweeper.sweep`, the function the deployed flow's task calls, run in this
   process) with limit 1, which wakes one due case; nothing else runs meanwhile. Timed on
   the wall clock: the clock move to the sweep's resume returning, to Pending (a worker took
   the run: its poll), to Running (the run's process started), to the email accepted by the
   SMTP server, then on to Suspended again. p50 / p90 / max over the cases.
2. The cron's own sweep: the clock moves to B's breach moment and the `ehc-sweep`
   deployment gets a run now, as its cron schedule would make one at 07:00; a worker runs
   it, and it wakes all of B's cases together. Timed: from creating that run to each email.
   The worst case adds a whole sweep interval (15 minutes, prefect.yaml) in front: a moment
   that falls just after a sweep waits for the next.

Baseline, in the same run: the same SMTP server (aiosmtpd in this process,
tests/support/smtp.py) receiving one message sent straight to it with aiosmtplib, from the
call to its arrival; median of `--smtp-sends`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from uuid import UUID

# The shared set-up (the production stack, this process as one of the install's) is
# catch_up.py's, beside this file; it puts the project root on sys.path first.
sys.path.insert(0, str(Path(__file__).resolve().parent))

import aiosmtplib  # noqa: E402
from catch_up import (  # noqa: E402
    as_install,
    ensure_workers,
    load,
    looked_and_suspended,
    pause_schedules,
    production_stack,
    sent_since,
)
from prefect.client.orchestration import get_client  # noqa: E402
from prefect.client.schemas.objects import StateType  # noqa: E402
from prefect.deployments import run_deployment  # noqa: E402
from sqlalchemy import text  # noqa: E402

from ehcp import timesource  # noqa: E402
from ehcp.db.engine import database  # noqa: E402
from ehcp.runtime import orchestration, sweeper  # noqa: E402
from tasks import common  # noqa: E402
from tests.db import factories  # noqa: E402
from tests.support.stack import Stack  # noqa: E402

RECEIVED_A = date(2026, 11, 2)
RECEIVED_B = RECEIVED_A + timedelta(days=9)
# The planner wakes a case on the day after a limit's due day, at 07:00 in England
# (ehcp.runtime.case_runner.WAKE_TIME); the day counting is the example council's (day 0).
WAKE = clock_time(7, 0)
BREACH_AFTER = timedelta(weeks=6, days=1)
PURPOSE = "limit_breached"
SWEEP_INTERVAL_SECONDS = 15 * 60  # prefect.yaml: "*/15 * * * *"
STALE_AFTER_SECONDS = 600.0  # what a production sweep passes (catch_up.py says why)


class TimedList(list):
    """The SMTP sink's list of accepted messages, with when each arrived (wall clock)."""

    def __init__(self) -> None:
        super().__init__()
        self.arrived: list[datetime] = []

    def append(self, item: Any) -> None:
        self.arrived.append(datetime.now(UTC))
        super().append(item)

    def arrival_of(self, message_id: str) -> datetime | None:
        wanted = message_id.strip("<>")
        for message, at in zip(self, self.arrived, strict=True):
            if str(message.get("Message-ID", "")).strip().strip("<>") == wanted:
                return at
        return None


@contextmanager
def embedded_stack(runner_poll: int) -> Iterator[Stack]:
    """`ehcp up`'s services as tests/flows start them: Prefect on SQLite, `ehcp serve`."""
    with tempfile.TemporaryDirectory(prefix="ehcp-bench-") as folder:
        root = Path(folder)
        stack = Stack.create(root, f"sqlite:///{root / 'cases.sqlite3'}")
        stack.env["EHC_RUNNER_POLL_SECONDS"] = str(runner_poll)
        try:
            stack.start_prefect()
            with as_install(stack.env, stack.api_url, None, root / "bench-home"):
                stack.start_flows()
                pause_schedules()
                yield stack
        finally:
            stack.stop()


# --- cases ----------------------------------------------------------------------------------


def open_group(stack: Stack, received: date, count: int) -> list[str]:
    """`count` requests received on `received`, their runs started by a sweep and settled."""
    stack.set_today(received)
    now = timesource.now()
    with database() as session:
        refs = [
            factories.open_case(
                session,
                common.council(),
                now=now,
                received_on=received,
                setting_email="head@example-primary.sch.uk",
            ).ref
            for _ in range(count)
        ]
    with database() as session:
        report = sweeper.sweep(session, now=now, limit=count, stale_after_seconds=STALE_AFTER_SECONDS)
    assert sorted(report.started) == sorted(refs), report
    run_ids = [case_run(ref).flow_run_id for ref in refs]
    wait_until(
        lambda: all(looked_and_suspended(run_id, now) for run_id in run_ids), timeout=count * 120 + 300
    )
    return refs


@dataclass(frozen=True)
class CaseRun:
    ref: str
    case_id: int
    flow_run_id: str


def case_run(ref: str) -> CaseRun:
    with database() as session:
        case_id, flow_run_id = session.execute(
            text("SELECT id, flow_run_id FROM ehc_case WHERE ref = :ref"), {"ref": ref}
        ).one()
    return CaseRun(ref, case_id, flow_run_id)


def wait_until(condition, timeout: float, every: float = 0.1) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out after {timeout:.0f} s")
        time.sleep(every)


def breach_message_id(case_id: int) -> str | None:
    with database() as session:
        row = session.execute(
            text("SELECT smtp_message_id FROM outbound_message WHERE case_id = :id AND purpose = :purpose"),
            {"id": case_id, "purpose": PURPOSE},
        ).first()
    return None if row is None else row[0]


def arrival(stack: Stack, message_id: str, timeout: float = 60) -> datetime:
    """When the SMTP server accepted this message (waiting for it if need be)."""
    mail: TimedList = stack.mail.messages  # type: ignore[assignment]
    deadline = time.monotonic() + timeout
    while (arrived := mail.arrival_of(message_id)) is None:
        if time.monotonic() > deadline:
            raise RuntimeError(f"message {message_id} did not arrive within {timeout:.0f} s")
        time.sleep(0.05)
    return arrived


def state_times(flow_run_id: str, since: datetime) -> dict[StateType, datetime]:
    """When the run first entered each state after `since` (Prefect's server clock: this machine)."""
    with get_client(sync_client=True) as client:
        states = client.read_flow_run_states(UUID(flow_run_id))
    found: dict[StateType, datetime] = {}
    for state in sorted(states, key=lambda s: s.timestamp):
        if state.timestamp >= since and state.type not in found:
            found[state.type] = state.timestamp
    return found


# --- 1. the sweep run at once, one case at a time -------------------------------------------


PHASES = (
    "clock moved -> sweep's resume returned",
    "-> Pending (a worker took the run)",
    "-> Running (its process started)",
    "-> email accepted by the SMTP server",
    "= clock moved -> email",
    "email -> Suspended again",
)


@dataclass
class Latencies:
    phases: dict[str, list[float]] = field(default_factory=lambda: {name: [] for name in PHASES})
    sent: dict[str, int] = field(default_factory=dict)


def one_at_a_time(stack: Stack, refs: list[str]) -> Latencies:
    moment = timesource.london_instant(RECEIVED_A + BREACH_AFTER, WAKE)
    runs = {ref: case_run(ref) for ref in refs}
    resumed: dict[str, datetime] = {}
    real_wake = orchestration.wake

    def timed_wake(flow_run_id, patience=orchestration.WAKE_PATIENCE_SECONDS):
        outcome = real_wake(flow_run_id, patience)
        resumed[str(flow_run_id)] = datetime.now(UTC)
        return outcome

    result = Latencies()
    orchestration.wake = timed_wake  # type: ignore[assignment]
    try:
        for number in range(len(refs)):
            now = moment + timedelta(seconds=number)  # the moment, as the sweep reads it
            moved = datetime.now(UTC)
            stack.clock_file.write_text(now.isoformat())
            with database() as session:
                report = sweeper.sweep(session, now=now, limit=1, stale_after_seconds=STALE_AFTER_SECONDS)
            assert len(report.woken) == 1, report
            [ref] = report.woken
            run = runs[ref]
            wait_until(lambda run=run, now=now: looked_and_suspended(run.flow_run_id, now), timeout=600)
            message_id = breach_message_id(run.case_id)
            assert message_id is not None, f"{ref}: no {PURPOSE} queued"
            email = arrival(stack, message_id)
            states = state_times(run.flow_run_id, moved)
            marks = [
                moved,
                resumed[run.flow_run_id],
                states[StateType.PENDING],
                states[StateType.RUNNING],
                email,
            ]
            for name, start, end in zip(PHASES[:4], marks[:-1], marks[1:], strict=True):
                result.phases[name].append((end - start).total_seconds())
            result.phases[PHASES[4]].append((email - moved).total_seconds())
            result.phases[PHASES[5]].append((states[StateType.PAUSED] - email).total_seconds())
    finally:
        orchestration.wake = real_wake  # type: ignore[assignment]
    result.sent = sent_since(moment, by_recipient=True)
    return result


# --- 2. the cron's own sweep -----------------------------------------------------------------


@dataclass
class CronSweep:
    cases: int
    sweep_pending: float
    sweep_running: float
    sweep_done: float
    emails: list[float]
    sent: dict[str, int]


def cron_sweep(stack: Stack, refs: list[str]) -> CronSweep:
    moment = timesource.london_instant(RECEIVED_B + BREACH_AFTER, WAKE)
    runs = [case_run(ref) for ref in refs]
    stack.clock_file.write_text(moment.isoformat())
    started = datetime.now(UTC)
    sweep_run = run_deployment("ehc-sweep/ehc-sweep", timeout=0)
    sweep_id = str(sweep_run.id)  # type: ignore[union-attr]
    wait_until(
        lambda: all(looked_and_suspended(run.flow_run_id, moment) for run in runs),
        timeout=len(refs) * 120 + 300,
        every=0.5,
    )
    emails = []
    for run in runs:
        message_id = breach_message_id(run.case_id)
        assert message_id is not None, f"{run.ref}: no {PURPOSE} queued"
        emails.append((arrival(stack, message_id) - started).total_seconds())

    def sweep_finished() -> bool:
        with get_client(sync_client=True) as client:
            state = client.read_flow_run(UUID(sweep_id)).state
        return state is not None and state.is_final()

    wait_until(sweep_finished, timeout=300, every=0.5)
    states = state_times(sweep_id, started)
    return CronSweep(
        cases=len(refs),
        sweep_pending=(states[StateType.PENDING] - started).total_seconds(),
        sweep_running=(states[StateType.RUNNING] - started).total_seconds(),
        sweep_done=(states[StateType.COMPLETED] - started).total_seconds(),
        emails=sorted(emails),
        sent=sent_since(moment, by_recipient=True),
    )


# --- the baseline: one message straight to the same SMTP server ------------------------------


def direct_sends(stack: Stack, count: int) -> list[float]:
    mail: TimedList = stack.mail.messages  # type: ignore[assignment]

    async def send_all() -> list[float]:
        seconds = []
        for number in range(count):
            message = EmailMessage()
            message["From"] = "bench@example-borough.gov.uk"
            message["To"] = "send.manager@example-borough.gov.uk"
            message["Subject"] = "Benchmark"
            message["Message-ID"] = f"<bench-{number}-{time.time_ns()}@example-borough.gov.uk>"
            message.set_content("A limit has passed.\n" * 20)
            started = datetime.now(UTC)
            await aiosmtplib.send(message, hostname="127.0.0.1", port=stack.mail.port)
            arrived = mail.arrival_of(message["Message-ID"])
            assert arrived is not None
            seconds.append((arrived - started).total_seconds())
        return seconds

    return asyncio.run(send_all())


# --- output ---------------------------------------------------------------------------------


def p(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


@dataclass
class Profile:
    name: str
    description: str
    alone: Latencies
    cron: CronSweep
    baseline: list[float]


def print_profile(profile: Profile) -> None:
    print(f"\n{profile.name}: {profile.description}")
    cases = len(profile.alone.phases[PHASES[0]])
    print(f"  1. the sweep run at once, one case at a time ({cases} cases)")
    print(f"    {'':<44} {'p50 s':>7} {'p90 s':>7} {'max s':>7}")
    for name in PHASES:
        values = profile.alone.phases[name]
        print(f"    {name:<44} {p(values, 0.5):>7.2f} {p(values, 0.9):>7.2f} {max(values):>7.2f}")
    sent = ", ".join(f"{what} x{count}" for what, count in profile.alone.sent.items())
    print(f"    sent: {sent}")
    total = profile.alone.phases[PHASES[4]]
    base = statistics.median(profile.baseline)
    print(
        f"    worst case: a moment just after a sweep waits {SWEEP_INTERVAL_SECONDS} s for the next, "
        f"then {max(total):.1f} s: {SWEEP_INTERVAL_SECONDS + max(total):.0f} s"
    )
    cron = profile.cron
    print(f"  2. the cron's sweep flow, {cron.cases} cases due at its tick (seconds from its run being made)")
    print(
        f"    sweep run Pending {cron.sweep_pending:.1f}, Running {cron.sweep_running:.1f}, "
        f"Completed {cron.sweep_done:.1f}"
    )
    print(
        f"    emails at the SMTP server: first {cron.emails[0]:.1f}, "
        f"median {statistics.median(cron.emails):.1f}, "
        f"last {cron.emails[-1]:.1f}; worst case {SWEEP_INTERVAL_SECONDS} + {cron.emails[-1]:.1f} = "
        f"{SWEEP_INTERVAL_SECONDS + cron.emails[-1]:.0f} s"
    )
    sent = ", ".join(f"{what} x{count}" for what, count in cron.sent.items())
    print(f"    sent: {sent}")
    print(
        "  baseline: one message straight to the same SMTP server with aiosmtplib: "
        f"p50 {base * 1000:.1f} ms, "
        f"p90 {p(profile.baseline, 0.9) * 1000:.1f} ms ({len(profile.baseline)} sends)"
    )
    print(
        f"  ratio: clock moved -> email p50 / direct send p50 = {statistics.median(total) / base:,.0f}x; "
        f"the cron's last email / direct send = {cron.emails[-1] / base:,.0f}x"
    )


def run_profile(name: str, stack: Stack, args: argparse.Namespace, description: str) -> Profile:
    stack.mail.messages = TimedList()
    group_a = open_group(stack, RECEIVED_A, args.cases)
    group_b = open_group(stack, RECEIVED_B, args.cases)
    print(f"  {name}: {2 * args.cases} cases settled after their first look", flush=True)
    alone = one_at_a_time(stack, group_a)
    print(f"  {name}: one at a time done", flush=True)
    cron = cron_sweep(stack, group_b)
    baseline = direct_sends(stack, args.smtp_sends)
    return Profile(name, description, alone, cron, baseline)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=10)
    parser.add_argument(
        "--profiles", nargs="+", choices=["production", "embedded"], default=["production", "embedded"]
    )
    parser.add_argument("--workers", type=int, default=2, help="production: workers on the pool")
    parser.add_argument(
        "--worker-poll", type=float, default=10.0, help="production: PREFECT_WORKER_QUERY_SECONDS"
    )
    parser.add_argument("--runner-poll", type=int, default=5, help="embedded: EHC_RUNNER_POLL_SECONDS")
    parser.add_argument("--smtp-sends", type=int, default=20)
    args = parser.parse_args()

    print(f"load average at start: {load(os.getloadavg())}", flush=True)
    profiles = []
    for name in args.profiles:
        if name == "production":
            with production_stack(pool_limit=10) as (stack, _postgres):
                ensure_workers(stack, args.workers, args.worker_poll)
                description = (
                    f"PostgreSQL, {args.workers} workers asking for work every {args.worker_poll:g} s, "
                    "pool limit 10"
                )
                profiles.append(run_profile(name, stack, args, description))
        else:
            with embedded_stack(args.runner_poll) as stack:
                description = f"Prefect on SQLite, `ehcp serve` asking for runs every {args.runner_poll} s"
                profiles.append(run_profile(name, stack, args, description))

    print(
        f"\nescalation: {PURPOSE} (decision_to_assess) to the SEND team manager, due 07:00 London the "
        "day after week 6"
    )
    for profile in profiles:
        print_profile(profile)
    print(f"\nload average at end: {load(os.getloadavg())}")


if __name__ == "__main__":
    main()
