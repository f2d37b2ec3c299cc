"""Catch-up after a two-day outage: every open case due at once, through the real flows on
the production profile, with 1, 2 and 4 workers.

    .venv/bin/python benchmarks/catch_up.py [--cases 200] [--workers 1 2 4] [--pool-limit 10]
                                            [--baseline-looks 3] [--baseline-starts 5]

Starts the production profile as tests/production does (tests/support/production.py): a
throwaway PostgreSQL from the machine's binaries holding the case database and Prefect's,
Prefect's server on it behind basic auth, `prefect deploy --all` to the `ehcp` process
pool (its concurrency limit set to `--pool-limit`), `prefect worker start` processes, and
a real SMTP server. The web app is not started: nothing here calls it. The cron schedules
(the sweep every 15 minutes, the weekly report) are paused, so that the only sweeps are
this script's.

Setup (not timed as a result): `--cases` requests received the same day, stored through
the case store's own writes (tests/db/factories.py), their runs started by one sweep and
left to settle: each run takes its first look (acknowledgement, notices, letters drafted,
emails sent) and suspends. The runs settle with the first round's workers; the time they
took is printed for reference.

Each round then takes the outage: the injected clock (EHC_CLOCK_FILE, read by every
process) jumps to two days after the cases' next due moment (their `wake_at`: the first
round's is the decision-to-assess warning 7 days before week 6; the next rounds' the
2-day warning and the breach alert), so every case is due at once. One sweep
(`ehcp.runtime.sweeper.sweep`, in this process, with a limit of every case, as a cron pass
with EHC_SWEEP_LIMIT high enough would) reads the status of each run and resumes it. The
round ends when every case's run has looked at its latest state (`run_looked_at` at the
new clock and `run_seen_version == version`) and every run is Suspended again: what
tests/production's `settled_case` checks, counted in SQL and through Prefect's API rather
than one case at a time. Each woken run is one process on a worker (process pool) that
looks at the case, sends the one email its look queued, and suspends. Each round adds
workers (1, then 2, then 4: `--workers`), on the same cases.

Printed per round: wall time from the clock jump to the last run suspended, looks per
minute and its ratio to the first round, how long the sweep pass took, when the first run
and half of them had settled, the most runs Prefect had Pending or Running at once, the
machine's CPU use over the round from /proc/stat (both cores, everyone's), and the CPU
seconds of each of our processes from /proc (the Prefect server, the worker processes
themselves, the flow-run subprocesses they started, PostgreSQL, this script) with
os.getloadavg().

Baselines, in the same run, after the rounds (the stack idle):
- one look of one case on the idle stack: a run woken alone (the same kind of look, at the
  cases' next due moment), from the resume to Suspended, with the CPU it cost every process
  of ours; printed × N one after another, and as N × its CPU spread over the machine's
  cores, which is the shortest a catch-up bound by CPU could take;
- `python -c "import prefect"` in a new process: what every flow run pays before it
  does any work, × N over the cores.
"""

from __future__ import annotations

import argparse
import contextvars
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from uuid import UUID

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from prefect.client.orchestration import get_client  # noqa: E402
from prefect.client.schemas.filters import (  # noqa: E402
    DeploymentFilter,
    DeploymentFilterName,
    FlowRunFilter,
    FlowRunFilterState,
    FlowRunFilterStateType,
)
from prefect.client.schemas.objects import StateType  # noqa: E402
from prefect.settings import (  # noqa: E402
    PREFECT_API_AUTH_STRING,
    PREFECT_API_URL,
    PREFECT_HOME,
    temporary_settings,
)
from proc_cpu import TICKS, descendants, processes, tree_cpu  # noqa: E402
from sqlalchemy import text  # noqa: E402

from ehcp import timesource  # noqa: E402
from ehcp.council.config import cached_council  # noqa: E402
from ehcp.db.engine import database  # noqa: E402
from ehcp.runtime import orchestration, sweeper  # noqa: E402
from ehcp.runtime.signals import Wake  # noqa: E402
from ehcp.settings import get_settings  # noqa: E402
from tasks import common  # noqa: E402
from tests.db import factories  # noqa: E402
from tests.support.postgres import TemporaryPostgres, find_bin_dir  # noqa: E402
from tests.support.production import POOL, PREFECT, ProductionStack  # noqa: E402

RECEIVED = date(2026, 11, 2)  # a Monday: the cohort's day of receipt
# What a production sweep passes (EHC_RUN_STALE_AFTER_SECONDS' default). The test stack's
# environment says 3 s, which would requeue every run still running after 3 s.
STALE_AFTER_SECONDS = 600.0
REQUEST_DEPLOYMENT = orchestration.REQUEST_DEPLOYMENT.split("/")[1]
CORES = os.cpu_count() or 1


# --- CPU from /proc ------------------------------------------------------------------------


def machine_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, every core (/proc/stat)."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    total = sum(values[:8])  # guest time is already in user
    return (total - idle) / TICKS, total / TICKS


@dataclass
class CpuSample:
    at: float
    groups: dict[str, float]
    busy: float
    total: float


class CpuMeter:
    """Our processes by role: the Prefect server, the workers themselves, the flow runs they
    start (their subprocesses, counted through the workers' reaped-children times),
    PostgreSQL, and this script (the sweep, the polling, the SMTP server's thread)."""

    def __init__(self, stack: ProductionStack, postgres: TemporaryPostgres) -> None:
        self.stack = stack
        self.postmaster = int((postgres.root / "data" / "postmaster.pid").read_text().split()[0])

    def sample(self) -> CpuSample:
        table = processes()
        services = self.stack.services
        server = services["prefect-server"].process
        assert server is not None
        workers = [s.process.pid for name, s in services.items() if name.startswith("worker-") and s.process]
        flow_runs = 0.0
        own = 0.0
        for pid in workers:
            if pid in table:
                own += table[pid].own
                flow_runs += table[pid].reaped + tree_cpu(table, descendants(table, pid))
        me = resource.getrusage(resource.RUSAGE_SELF)
        busy, total = machine_busy()
        return CpuSample(
            at=time.monotonic(),
            groups={
                "prefect server": tree_cpu(table, {server.pid} | descendants(table, server.pid)),
                "workers": own,
                "flow runs": flow_runs,
                "postgres": tree_cpu(table, {self.postmaster} | descendants(table, self.postmaster)),
                "this script": me.ru_utime + me.ru_stime,
            },
            busy=busy,
            total=total,
        )


@dataclass
class CpuUse:
    seconds: float
    groups: dict[str, float]
    machine_busy: float  # CPU seconds, everyone's

    @classmethod
    def between(cls, before: CpuSample, after: CpuSample) -> CpuUse:
        return cls(
            seconds=after.at - before.at,
            groups={name: after.groups[name] - before.groups[name] for name in before.groups},
            machine_busy=after.busy - before.busy,
        )

    @property
    def ours(self) -> float:
        return sum(self.groups.values())


# --- the stack ---------------------------------------------------------------------------


@contextmanager
def production_stack(pool_limit: int) -> Iterator[tuple[ProductionStack, TemporaryPostgres]]:
    """PostgreSQL, Prefect's server, the deployments (schedules paused), the SMTP server; this
    process set up as one of the install's own (its settings, Prefect's client settings).
    Everything is stopped and removed on the way out, whatever happened."""
    bin_dir = find_bin_dir()
    if bin_dir is None:
        sys.exit("no PostgreSQL binaries on this machine (apt-get install postgresql)")
    postgres = TemporaryPostgres.start(bin_dir)
    try:
        with tempfile.TemporaryDirectory(prefix="ehcp-bench-") as folder:
            stack = ProductionStack.create_production(Path(folder), postgres.admin_url)
            try:
                stack.start_prefect()
                deployed = stack.deploy()
                assert deployed.returncode == 0, deployed.stdout + deployed.stderr
                limit = subprocess.run(
                    [PREFECT, "work-pool", "set-concurrency-limit", POOL, str(pool_limit)],
                    env=stack.client_env(stack.root / "deploy-home"),
                    capture_output=True,
                    text=True,
                    timeout=300,
                    check=False,
                )
                assert limit.returncode == 0, limit.stdout + limit.stderr
                with as_install(stack.env, stack.api_url, stack.auth_string, stack.root / "bench-home"):
                    pause_schedules()
                    yield stack, postgres
            finally:
                stack.stop()
    finally:
        postgres.stop()


@contextmanager
def as_install(env: dict[str, str], api_url: str, auth_string: str | None, home: Path) -> Iterator[None]:
    """This process sees the install's EHC_* settings (its clock file among them) and talks
    to its Prefect server, as a council's own script would (tests/production's
    `as_production`)."""
    previous = dict(os.environ)
    os.environ.update(env)
    get_settings.cache_clear()
    cached_council.cache_clear()
    updates = {PREFECT_API_URL: api_url, PREFECT_HOME: str(home)}
    if auth_string:
        updates[PREFECT_API_AUTH_STRING] = auth_string
    try:
        with temporary_settings(updates=updates):
            yield
    finally:
        os.environ.clear()
        os.environ.update(previous)
        get_settings.cache_clear()
        cached_council.cache_clear()


def pause_schedules() -> None:
    """Only this script sweeps: the cron sweep would wake cases on its own quarter hours."""
    with get_client(sync_client=True) as client:
        for name in ("ehc-sweep/ehc-sweep", "ehc-weekly-report/ehc-weekly-report"):
            client.pause_deployment(client.read_deployment_by_name(name).id)


def ensure_workers(stack: ProductionStack, count: int, poll_seconds: float) -> None:
    running = [name for name in stack.services if name.startswith("worker-")]
    for number in range(len(running) + 1, count + 1):
        stack.start_worker(f"worker-{number}", poll_seconds)


# --- cases and their runs ----------------------------------------------------------------


def open_cases(count: int) -> None:
    with database() as session:
        for _ in range(count):
            factories.open_case(
                session,
                common.council(),
                now=timesource.now(),
                received_on=RECEIVED,
                setting_email="head@example-primary.sch.uk",
            )


def sweep(now: datetime, limit: int) -> sweeper.SweepReport:
    with database() as session:
        return sweeper.sweep(session, now=now, limit=limit, stale_after_seconds=STALE_AFTER_SECONDS)


@dataclass
class Progress:
    looked: int  # cases whose run looked at their latest version at this clock
    paused: int  # case runs Suspended
    in_flight: int  # case runs Pending or Running
    broken: int  # Failed or Crashed


def progress(now: datetime) -> Progress:
    with database() as session:
        looked = session.execute(
            text(
                "SELECT count(*) FROM ehc_case WHERE closed_on IS NULL AND run_looked_at >= :now "
                "AND run_seen_version = version"
            ),
            {"now": now},
        ).scalar_one()
    with get_client(sync_client=True) as client:

        def count(*types: StateType) -> int:
            return client.count_flow_runs(
                flow_run_filter=FlowRunFilter(
                    state=FlowRunFilterState(type=FlowRunFilterStateType(any_=list(types)))
                ),
                deployment_filter=DeploymentFilter(name=DeploymentFilterName(any_=[REQUEST_DEPLOYMENT])),
            )

        return Progress(
            looked=looked,
            paused=count(StateType.PAUSED),
            in_flight=count(StateType.PENDING, StateType.RUNNING),
            broken=count(StateType.FAILED, StateType.CRASHED),
        )


def settle_times(started_at: datetime) -> list[float]:
    """Seconds from `started_at` (wall clock) to each case run's current Suspended state."""
    seconds = []
    with get_client(sync_client=True) as client:
        offset = 0
        while True:
            page = client.read_flow_runs(
                deployment_filter=DeploymentFilter(name=DeploymentFilterName(any_=[REQUEST_DEPLOYMENT])),
                limit=200,
                offset=offset,
            )
            seconds += [
                (run.state.timestamp - started_at).total_seconds()
                for run in page
                if run.state is not None and run.state.type is StateType.PAUSED
            ]
            if len(page) < 200:
                return sorted(seconds)
            offset += 200


@dataclass
class Round:
    workers: int
    cases: int
    clock: datetime
    wall: float
    sweep_seconds: float
    sweeps: int
    woken: int
    times: list[float]
    max_in_flight: int
    cpu: CpuUse
    load_before: tuple[float, float, float]
    load_after: tuple[float, float, float]
    sent: dict[str, int] = field(default_factory=dict)

    @property
    def looks_per_minute(self) -> float:
        return self.cases / self.wall * 60


def wait_settled(now: datetime, cases: int, timeout: float, on_poll=None) -> int:
    """Poll until every case has been looked at and every run is Suspended again. Returns
    the most runs seen Pending or Running at once."""
    deadline = time.monotonic() + timeout
    most = 0
    last_report = time.monotonic()
    while True:
        state = progress(now)
        most = max(most, state.in_flight)
        if state.broken:
            raise RuntimeError(f"{state.broken} case run(s) Failed or Crashed: see the worker logs")
        if state.looked >= cases and state.paused >= cases:
            return most
        if time.monotonic() > deadline:
            raise RuntimeError(f"not settled after {timeout:.0f} s: {state}")
        if on_poll is not None:
            on_poll(state)
        if time.monotonic() - last_report > 60:
            print(f"    ... {state.looked}/{cases} looked, {state.in_flight} in flight", flush=True)
            last_report = time.monotonic()
        time.sleep(1.0)


def next_due(cases: int) -> datetime:
    with database() as session:
        earliest, latest, due = session.execute(
            text("SELECT min(wake_at), max(wake_at), count(*) FROM ehc_case WHERE closed_on IS NULL")
        ).one()
    assert due == cases and earliest == latest, "the cohort's cases should all wake together"
    return earliest


def jump_past(stack: ProductionStack, due: datetime, days: int = 2) -> datetime:
    stack.set_today(timesource.london_date(due) + timedelta(days=days))
    return timesource.now()


def sent_since(now: datetime, *, by_recipient: bool = False) -> dict[str, int]:
    """What was sent of the messages queued since `now`, by purpose (and recipient)."""
    what = "purpose || ' to ' || recipient_role" if by_recipient else "purpose"
    with database() as session:
        rows = session.execute(
            text(
                f"SELECT {what}, count(*) FROM outbound_message WHERE queued_at >= :now "
                "AND state = 'sent' GROUP BY 1 ORDER BY 1"
            ),
            {"now": now},
        ).all()
    return {purpose: count for purpose, count in rows}


def catch_up(stack: ProductionStack, meter: CpuMeter, cases: int, workers: int, poll: float) -> Round:
    ensure_workers(stack, workers, poll)
    now = jump_past(stack, next_due(cases))
    report: dict[str, float] = {}

    def sweep_in_background() -> None:
        started = time.monotonic()
        result = sweep(now, limit=cases)
        report["seconds"] = time.monotonic() - started
        report["woken"] = len(result.woken)

    load_before = os.getloadavg()
    before = meter.sample()
    wall_start = datetime.now(UTC)
    # In a thread of its own, so that the polling below sees the runs settle while the pass
    # goes on; with this context's Prefect settings (a new thread would start without them).
    thread = threading.Thread(target=contextvars.copy_context().run, args=(sweep_in_background,))
    thread.start()
    passes = [1]

    def sweep_again_if_needed(state: Progress) -> None:
        # A run the pass found not Suspended yet is left for the next pass, as the cron
        # would leave it: pass again every 15 s once the first pass is over.
        if thread.is_alive() or report.get("woken", cases) >= cases or not state.paused:
            return
        if time.monotonic() - report.setdefault("last", time.monotonic()) > 15:
            sweep(now, limit=cases)
            passes[0] += 1
            report["last"] = time.monotonic()

    most = wait_settled(now, cases, timeout=cases * 60 + 600, on_poll=sweep_again_if_needed)
    after = meter.sample()
    thread.join()
    times = settle_times(wall_start)
    return Round(
        workers=workers,
        cases=cases,
        clock=now,
        wall=times[-1],
        sweep_seconds=report["seconds"],
        sweeps=passes[0],
        woken=int(report["woken"]),
        times=times,
        max_in_flight=most,
        cpu=CpuUse.between(before, after),
        load_before=load_before,
        load_after=os.getloadavg(),
        sent=sent_since(now),
    )


# --- baselines ----------------------------------------------------------------------------


@dataclass
class Baseline:
    wall: list[float]
    cpu: list[float]
    groups: list[dict[str, float]] = field(default_factory=list)

    @property
    def median_wall(self) -> float:
        return statistics.median(self.wall)

    @property
    def median_cpu(self) -> float:
        return statistics.median(self.cpu)

    def median_group(self, name: str) -> float:
        return statistics.median(groups[name] for groups in self.groups)


def idle_rate(meter: CpuMeter, seconds: float = 10.0) -> float:
    """CPU seconds per second our processes spend with nothing to do (the server's loops,
    the workers' polling): taken off each lone look's CPU below."""
    before = meter.sample()
    time.sleep(seconds)
    return CpuUse.between(before, meter.sample()).ours / seconds


def looked_and_suspended(flow_run_id: str, now: datetime) -> bool:
    """The case of this run has been looked at, at this clock, in its latest version, and
    the run is Suspended again (tests/production's `settled_case`). A run Failed or
    Crashed stops the benchmark: its figures would mean nothing."""
    with database() as session:
        looked = session.execute(
            text(
                "SELECT count(*) FROM ehc_case WHERE flow_run_id = :id AND run_looked_at >= :now "
                "AND run_seen_version = version"
            ),
            {"id": flow_run_id, "now": now},
        ).scalar_one()
    if not looked:
        return False
    with get_client(sync_client=True) as client:
        state = client.read_flow_run(UUID(flow_run_id)).state
    if state is not None and state.type in (StateType.FAILED, StateType.CRASHED):
        raise RuntimeError(f"run {flow_run_id} is {state.name}: see the worker logs")
    return state is not None and state.type is StateType.PAUSED


def one_look_alone(
    stack: ProductionStack, meter: CpuMeter, cases: int, repeat: int
) -> tuple[Baseline, float]:
    """Wake `repeat` runs one at a time, each alone on the idle stack, at the cases' next due
    moment (the same kind of look as a round's). Nobody sweeps, so the others stay asleep."""
    now = jump_past(stack, next_due(cases))
    idle = idle_rate(meter)
    with database() as session:
        run_ids = [
            row[0]
            for row in session.execute(
                text("SELECT flow_run_id FROM ehc_case ORDER BY id LIMIT :n"), {"n": repeat}
            )
        ]
    result = Baseline([], [])
    for run_id in run_ids:
        before = meter.sample()
        started = time.monotonic()
        assert orchestration.wake(run_id) is Wake.RESUMED
        while not looked_and_suspended(run_id, now):
            time.sleep(0.2)
        result.wall.append(time.monotonic() - started)
        time.sleep(2.0)  # the subprocess exits after suspending: count all of it
        use = CpuUse.between(before, meter.sample())
        result.cpu.append(use.ours - idle * use.seconds)
        result.groups.append(use.groups)
    return result, idle


def new_processes(codes: tuple[str, ...], repeat: int) -> Baseline:
    """`python -c CODE` for each code in turn, each in a new process, `repeat` times: the
    wall time and CPU of each turn."""
    result = Baseline([], [])
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.monotonic()
        for code in codes:
            subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
        result.wall.append(time.monotonic() - started)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        result.cpu.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return result


# A process worker runs each flow run in two interpreters, one after the other: Prefect's
# workspace supervisor (it runs the deployment's pull step), which then execs
# `python -m prefect.engine`, which imports the flow's module. These are their imports.
START_UPS = {
    'python -c "import prefect"': ("import prefect",),
    "a run's two start-ups (supervisor, engine + flow)": (
        "import prefect.runner._workspace_supervisor, ehcp.runtime.supervisor",
        "import prefect.engine, flows.request",
    ),
}


# --- output ---------------------------------------------------------------------------------


def load(values: tuple[float, float, float]) -> str:
    return "/".join(f"{v:.1f}" for v in values)


def percentile(values: list[float], fraction: float) -> float:
    return values[min(len(values) - 1, int(fraction * len(values)))]


def print_rounds(rounds: list[Round]) -> None:
    first = rounds[0]
    print(
        f"{'workers':>7} {'wall s':>7} {'looks/min':>9} {'ratio':>6} {'sweep s':>7} {'first s':>7} "
        f"{'p50 s':>6} {'p90 s':>6} {'in flight':>9} {'machine':>7} {'ours':>5}  load before -> after"
    )
    for r in rounds:
        capacity = r.cpu.seconds * CORES
        print(
            f"{r.workers:>7} {r.wall:>7.1f} {r.looks_per_minute:>9.1f} "
            f"{r.looks_per_minute / first.looks_per_minute:>6.2f} {r.sweep_seconds:>7.1f} "
            f"{r.times[0]:>7.1f} {percentile(r.times, 0.5):>6.1f} {percentile(r.times, 0.9):>6.1f} "
            f"{r.max_in_flight:>9} {r.cpu.machine_busy / capacity:>7.0%} {r.cpu.ours / capacity:>5.0%}  "
            f"{load(r.load_before)} -> {load(r.load_after)}"
        )
    print(
        "  ratio: looks/min over the first row's. first/p50/p90: seconds from the sweep's start until\n"
        "  the first, half, 90% of the runs were Suspended again. in flight: most runs Pending or\n"
        "  Running at once. machine: both cores busy (everyone's, /proc/stat); ours: the share of it\n"
        "  our processes used."
    )
    names = list(first.cpu.groups)
    print("\nCPU seconds over each round, by process:")
    print(f"{'workers':>7} " + " ".join(f"{name:>14}" for name in names) + f" {'others':>8} {'ours/look':>9}")
    for r in rounds:
        others = r.cpu.machine_busy - r.cpu.ours
        print(
            f"{r.workers:>7} "
            + " ".join(f"{r.cpu.groups[name]:>14.1f}" for name in names)
            + f" {others:>8.1f} {r.cpu.ours / r.cases:>9.2f}"
        )
    print(
        "  flow runs: the subprocesses the workers started (one per woken run); others: everyone\n"
        "  else on the machine over the same time"
    )
    for r in rounds:
        woken = f"{r.woken} woken by the first pass" + (f", {r.sweeps} passes" if r.sweeps > 1 else "")
        sent = ", ".join(f"{purpose} x{count}" for purpose, count in r.sent.items()) or "nothing"
        print(f"  {r.workers} worker(s): clock {r.clock:%Y-%m-%d %H:%M} UTC; {woken}; sent: {sent}")


def print_baselines(rounds: list[Round], alone: Baseline, idle: float, imports: dict[str, Baseline]) -> None:
    n = rounds[0].cases
    print(
        f"\n{'baseline (same run, medians)':<50} {'wall s':>7} {'cpu s':>6} {'x N serial':>10} "
        f"{'x N cpu/' + str(CORES):>9}"
    )
    for name, baseline in (("one look alone on the idle stack", alone), *imports.items()):
        print(
            f"{name:<50} {baseline.median_wall:>7.2f} {baseline.median_cpu:>6.2f} "
            f"{baseline.median_wall * n:>10.0f} {baseline.median_cpu * n / CORES:>9.0f}"
        )
    print(
        f"  one look's cpu: every process of ours while it ran, less their idle {idle:.2f} cpu-s/s; of it\n"
        f"  the flow-run subprocess {alone.median_group('flow runs'):.2f} s, the Prefect server "
        f"{alone.median_group('prefect server'):.2f} s, PostgreSQL {alone.median_group('postgres'):.2f} s.\n"
        "  x N cpu/cores: N of them spread over every core, the fastest a catch-up bound by CPU can go."
    )
    floor = alone.median_cpu * n / CORES
    for r in rounds:
        share = r.cpu.ours / (r.cpu.seconds * CORES)
        print(
            f"  {r.workers} worker(s): {r.wall:.0f} s = {r.wall / floor:.2f}x that floor ({floor:.0f} s); "
            f"{r.wall / (alone.median_wall * n):.2f}x N lone looks one after another; "
            f"at the {share:.0%} of the machine ours had, the floor is {floor / share:.0f} s"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=200)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--pool-limit", type=int, default=10, help="the ehcp pool's concurrency limit")
    parser.add_argument(
        "--worker-poll", type=float, default=10.0, help="PREFECT_WORKER_QUERY_SECONDS (Prefect's default: 10)"
    )
    parser.add_argument("--baseline-looks", type=int, default=3)
    parser.add_argument("--baseline-starts", type=int, default=5)
    args = parser.parse_args()

    print(f"load average at start: {load(os.getloadavg())}; {CORES} cores", flush=True)
    started = time.monotonic()
    with production_stack(args.pool_limit) as (stack, postgres):
        meter = CpuMeter(stack, postgres)
        ensure_workers(stack, args.workers[0], args.worker_poll)
        print(f"stack up in {time.monotonic() - started:.0f} s", flush=True)
        stack.set_today(RECEIVED)
        created = time.monotonic()
        open_cases(args.cases)
        print(f"{args.cases} cases stored in {time.monotonic() - created:.1f} s", flush=True)
        setup_clock = timesource.now()
        wall_start = datetime.now(UTC)
        first = time.monotonic()
        report = sweep(setup_clock, limit=args.cases)
        assert len(report.started) == args.cases, report
        swept = time.monotonic() - first
        wait_settled(setup_clock, args.cases, timeout=args.cases * 60 + 600)
        setup = settle_times(wall_start)
        print(
            f"setup: {args.cases} runs started by one sweep in {swept:.1f} s, all Suspended after their "
            f"first look {setup[-1]:.0f} s after it began ({args.cases / setup[-1] * 60:.1f} first looks/min "
            f"on {args.workers[0]} worker(s), {len(stack.mail.messages)} emails)",
            flush=True,
        )
        rounds = []
        for workers in args.workers:
            rounds.append(catch_up(stack, meter, args.cases, workers, args.worker_poll))
            done = rounds[-1]
            capacity = done.cpu.seconds * CORES
            print(  # as it goes, so that a run cut short still says what it measured
                f"round with {workers} worker(s): {done.wall:.1f} s, {done.looks_per_minute:.1f} looks/min, "
                f"sweep {done.sweep_seconds:.1f} s, machine {done.cpu.machine_busy / capacity:.0%} busy, "
                f"ours {done.cpu.ours / capacity:.0%}, {done.cpu.ours / done.cases:.2f} cpu-s/look, "
                f"load {load(done.load_after)}",
                flush=True,
            )
        alone, idle = one_look_alone(stack, meter, args.cases, args.baseline_looks)
    imports = {name: new_processes(codes, args.baseline_starts) for name, codes in START_UPS.items()}

    print(
        f"\ncatch-up: {args.cases} cases due at once, production profile (PostgreSQL), pool {POOL!r} "
        f"concurrency limit {args.pool_limit}, workers asking for work every {args.worker_poll:g} s"
    )
    print_rounds(rounds)
    print_baselines(rounds, alone, idle, imports)
    print(f"load average at end: {load(os.getloadavg())}")


if __name__ == "__main__":
    main()
