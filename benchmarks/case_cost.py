"""The cost of one case's life: CPU seconds (ours and Prefect's server), Prefect API calls, and
rows and bytes added to Prefect's database, for a cohort driven from receipt to final plan
through 20 weeks by the injected clock, against an idle period of the same wall time.

    .venv/bin/python benchmarks/case_cost.py [--cases 10]

The test suite's stack (tests/support/stack.py): a Prefect server on SQLite and `ehcp serve`
(the served flows), a case database on SQLite, an SMTP sink, and the clock file every process
reads `now` from. Two settings differ from the tests': EHC_RUN_STALE_AFTER_SECONDS is left at
its default (a sweep never requeues a live run), and the server writes its access log.

The cohort: `--cases` requests received on Monday 5 January 2026, moved together day by day
at 09:00 to 25 May (week 20), one sweep a day (the sweep flow does it every 15 minutes; a
daily one wakes every case on its due day all the same), and on these days, for each case,
what a coordinator records (as tests/flows/test_request_flow.py does), then one wake of its
run: 10 February the decision to assess; the five pieces of advice on five days from
24 February to 20 March, with the decision to issue on the last; 1 April the caseworker's
plan uploaded, the draft served, the school consulted and named; 16 April (the family's
15 days over) the school's answer and the final plan. Each case's run must have looked and
suspended (or completed) before the clock moves on.

The idle period: the same stack afterwards with no case open, for the same wall time and
the same number of sweeps. Its figures are what the system costs anyway (the runner's
polling, Prefect's services, the sweep flow's own runs every 15 minutes of wall time); the
cases' cost is the difference, per case.

Measured, for each period:
- CPU seconds (user + system, from /proc, the children each has reaped included) of the
  Prefect server, of `ehcp serve` and its flow-run processes, and of this process while it
  does the coordinators' writes, wakes and sweeps (not while it waits);
- Prefect API calls: every HTTP request in the server's access log (uvicorn's; a websocket,
  the runs' event stream, counts once per connection), less the ones this script makes only
  to see when a run has settled (counted by wrapping httpx here);
- rows per table of Prefect's database, the bytes each table and its indexes occupy
  (SQLite's dbstat), and the file's growth with its WAL after a checkpoint.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # tests.support: the suite's stack; tests.db.factories: its cases

from proc_cpu import cpu_seconds  # noqa: E402

from ehcp.runtime.supervisor import group_members, prefect_server  # noqa: E402
from tests.support.stack import Stack  # noqa: E402

RECEIVED = date(2026, 1, 5)
WEEK_20 = RECEIVED + timedelta(weeks=20)
ASSESS_ON = date(2026, 2, 10)
ADVICE_DAYS = (date(2026, 2, 24), date(2026, 3, 3), date(2026, 3, 10), date(2026, 3, 17), date(2026, 3, 20))
DRAFT_ON = date(2026, 4, 1)
FINAL_ON = date(2026, 4, 16)
SETTLE_SECONDS = 600  # a look on a loaded 2-core machine, with nine others queued beside it
ACCESS = re.compile(r'uvicorn\.access - \S+ - "(\w+) (/api/\S*) HTTP/[\d.]+" (\d+)')
WEBSOCKET = re.compile(r'"WebSocket (/api/\S*)"')
BEGUN = re.compile(r"Beginning flow run '[^']*' for flow '([^']+)'")
ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


# --- counting ---------------------------------------------------------------------------------


class HttpCounter:
    """Counts this process's requests to Prefect's API, apart the ones made only to watch."""

    def __init__(self, api_url: str) -> None:
        self.api_url = api_url
        self.watching = False
        self.counts: Counter[str] = Counter()

    def install(self) -> None:
        sync_send, async_send = httpx.Client.send, httpx.AsyncClient.send
        counter = self

        def counted_sync(self: httpx.Client, request: httpx.Request, **kwargs: Any) -> httpx.Response:
            counter.note(request)
            return sync_send(self, request, **kwargs)

        async def counted_async(
            self: httpx.AsyncClient, request: httpx.Request, **kwargs: Any
        ) -> httpx.Response:
            counter.note(request)
            return await async_send(self, request, **kwargs)

        httpx.Client.send = counted_sync  # type: ignore[method-assign]
        httpx.AsyncClient.send = counted_async  # type: ignore[method-assign]

    def note(self, request: httpx.Request) -> None:
        if str(request.url).startswith(self.api_url):
            self.counts["watching" if self.watching else "ours"] += 1

    @contextmanager
    def watch(self) -> Iterator[None]:
        self.watching = True
        try:
            yield
        finally:
            self.watching = False


@dataclass
class Snapshot:
    wall: float
    cpu: dict[str, float]
    ours_cpu: float
    ours_calls: int
    watching_calls: int
    log_offset: int
    flows_log_offset: int
    rows: dict[str, int]
    table_bytes: dict[str, int]
    file_bytes: int
    other_files: int


def database_state(path: Path) -> tuple[dict[str, int], dict[str, int], int]:
    """Rows and bytes (pages of the table and its indexes) per table; the file and its WAL
    after a checkpoint (PASSIVE: the server keeps writing)."""
    connection = sqlite3.connect(path, timeout=60)
    try:
        tables = {
            name: table
            for name, table, kind in connection.execute("SELECT name, tbl_name, type FROM sqlite_master")
            if kind in ("table", "index")
        }
        rows = {
            name: connection.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]
            for name, kind in connection.execute("SELECT name, type FROM sqlite_master WHERE type = 'table'")
            if kind == "table" and not name.startswith("sqlite_")
        }
        table_bytes: Counter[str] = Counter()
        for name, size in connection.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name"):
            table_bytes[tables.get(name, name)] += size
        connection.execute("PRAGMA wal_checkpoint(PASSIVE)")
    finally:
        connection.close()
    wal = path.with_name(path.name + "-wal")
    return rows, dict(table_bytes), path.stat().st_size + (wal.stat().st_size if wal.exists() else 0)


def folder_bytes(folder: Path, leave_out: str) -> int:
    return sum(
        file.stat().st_size
        for file in folder.rglob("*")
        if file.is_file() and not file.name.startswith(leave_out)
    )


# --- the system, driven -----------------------------------------------------------------------


@dataclass
class Driver:
    """The coordinators and the sweep, as the CLI does them: write the case database, then wake."""

    stack: Stack
    counter: HttpCounter
    ours_cpu: float = 0.0
    sweeps: int = 0
    wakes: int = 0
    sweeps_in_cohort: int = 0
    refs: list[str] = field(default_factory=list)

    def act(self, action: Callable[[], Any]) -> Any:
        started = time.process_time()
        try:
            return action()
        finally:
            self.ours_cpu += time.process_time() - started

    def today(self, day: date) -> None:
        self.stack.set_today(day)

    def open_cases(self, count: int) -> None:
        from ehcp import timesource
        from ehcp.db.engine import database
        from tasks import common
        from tests.db import factories

        def open_them() -> None:
            with database() as session:
                for _ in range(count):
                    case = factories.open_case(
                        session,
                        common.council(),
                        now=timesource.now(),
                        received_on=RECEIVED,
                        setting_email="head@example-primary.sch.uk",
                    )
                    self.refs.append(case.ref)

        self.act(open_them)

    def sweep(self) -> list[str]:
        from ehcp import timesource
        from ehcp.db.engine import database
        from ehcp.runtime import sweeper

        def sweep() -> list[str]:
            with database() as session:
                report = sweeper.sweep(
                    session,
                    now=timesource.now(),
                    limit=500,
                    stale_after_seconds=self.stack.settings.run_stale_after_seconds,
                )
            return [*report.started, *report.woken, *report.rescheduled]

        self.sweeps += 1
        return self.act(sweep)

    def write(self, ref: str, operations: list[tuple[Callable[..., Any], dict[str, Any]]]) -> None:
        """A coordinator's writes to one case, then one wake of its run."""
        from ehcp import timesource
        from ehcp.db import crud
        from ehcp.db.engine import database
        from ehcp.runtime import orchestration
        from tasks import common

        def write() -> None:
            with database() as session:
                case = crud.require_case(session, ref=ref)
                for operation, kwargs in operations:
                    operation(
                        session,
                        case=case,
                        council=common.council(),
                        now=timesource.now(),
                        actor="bench",
                        **kwargs,
                    )
                flow_run_id = case.flow_run_id
            orchestration.wake(flow_run_id)

        self.act(write)

    def settle(self, refs: list[str]) -> None:
        """Wait until each run has looked at its case's latest version and suspended or
        completed. Its reads of Prefect are counted apart; a run not settled after a minute
        (a wake that came while it was still running) is left to a sweep, as in production."""
        from prefect.client.orchestration import get_client

        from ehcp.db import crud
        from ehcp.db.engine import database

        waiting = set(refs)
        started = last_sweep = time.monotonic()
        while waiting:
            with database() as session:
                cases = {ref: crud.require_case(session, ref=ref) for ref in waiting}
            # A run that has looked at the latest version (or a closed case's run) is asked.
            looked = [
                case
                for case in cases.values()
                if case.flow_run_id and (case.run_seen_version == case.version or case.closed_on is not None)
            ]
            if looked:
                with self.counter.watch(), get_client(sync_client=True) as client:
                    for case in looked:
                        state = client.read_flow_run(UUID(case.flow_run_id)).state
                        if state is not None and (
                            state.is_completed()
                            or (state.is_paused() and case.run_seen_version == case.version)
                        ):
                            waiting.discard(case.ref)
            if not waiting:
                break
            if time.monotonic() - started > SETTLE_SECONDS:
                raise SystemExit(f"runs of {sorted(waiting)} did not settle in {SETTLE_SECONDS} s")
            if time.monotonic() - last_sweep > 60:
                self.wakes += len(set(self.sweep()) & waiting)
                last_sweep = time.monotonic()
            time.sleep(1)

    def advice_keys(self, ref: str) -> list[str]:
        from sqlmodel import select

        from ehcp.db import crud
        from ehcp.db.engine import database
        from ehcp.db.models import AdviceRequest

        with database() as session:
            case = crud.require_case(session, ref=ref)
            return sorted(session.exec(select(AdviceRequest.key).where(AdviceRequest.case_id == case.id)))


def upload_caseworker_plan(session: Any, *, case: Any, council: Any, now: Any, actor: str) -> None:
    """The caseworker's finished Word file, uploaded as the plan to serve (into the stack's store)."""
    from ehcp.db import plan_versions
    from ehcp.settings import get_settings
    from tests.db.factories import caseworker_file

    plan_versions.upload_plan_version(
        session,
        case=case,
        data=caseworker_file(council),
        filename="plan.docx",
        store=get_settings().document_store,
        now=now,
        actor=actor,
    )


def coordinator_days(driver: Driver) -> dict[date, Callable[[str], list[tuple[Callable[..., Any], dict]]]]:
    """What is recorded for each case on the days something happens."""
    from ehcp.db import crud
    from ehcp.db.inputs import ConsultationIn, DecisionIn
    from ehcp.domain.facts import SettingType

    def decide(kind: str, outcome: str, on: date) -> tuple[Callable[..., Any], dict]:
        return crud.record_decision, {"decision": DecisionIn(kind=kind, outcome=outcome, decided_on=on)}

    def advice(number: int, on: date) -> Callable[[str], list[tuple[Callable[..., Any], dict]]]:
        def operations(ref: str) -> list[tuple[Callable[..., Any], dict]]:
            keys = driver.advice_keys(ref)
            mine = keys[number : number + 1] if number < len(ADVICE_DAYS) - 1 else keys[number:]
            done = [(crud.record_advice_received, {"key": key, "received_on": on}) for key in mine]
            return [*done, decide("issue", "issue", on)] if on == ADVICE_DAYS[-1] else done

        return operations

    days: dict[date, Callable[[str], list[tuple[Callable[..., Any], dict]]]] = {
        ASSESS_ON: lambda ref: [decide("assessment", "assess", ASSESS_ON)],
        DRAFT_ON: lambda ref: [
            (upload_caseworker_plan, {}),
            (crud.record_draft_served, {"served_on": DRAFT_ON}),
            (
                crud.record_consultation,
                {
                    "consultation": ConsultationIn(
                        key="oak",
                        setting_name="Oak Academy",
                        contact_email="admissions@oak.sch.uk",
                        sent_on=DRAFT_ON,
                    )
                },
            ),
            (
                crud.record_named_setting,
                {
                    "setting_name": "Oak Academy",
                    "setting_type": SettingType.MAINSTREAM_SCHOOL,
                    "on": DRAFT_ON,
                },
            ),
        ],
        FINAL_ON: lambda ref: [
            (crud.record_consultation_answer, {"key": "oak", "answered_on": FINAL_ON, "outcome": "agreed"}),
            (crud.finalise_plan, {"on": FINAL_ON}),
        ],
    }
    for number, on in enumerate(ADVICE_DAYS):
        days[on] = advice(number, on)
    return days


def drive_cohort(driver: Driver, cases: int) -> None:
    """Receipt to week 20, a day at a time; stops at the first case that is not where it should be."""
    days = coordinator_days(driver)
    driver.today(RECEIVED)
    driver.open_cases(cases)
    day = RECEIVED
    while day <= WEEK_20:
        driver.today(day)
        acted = []
        if day == FINAL_ON:  # the sweep wakes each case as the family's window ends; then the plan
            woken = driver.sweep()
            driver.wakes += len(woken)
            driver.settle(woken)
        if day in days:
            for ref in driver.refs:
                driver.write(ref, days[day](ref))
                acted.append(ref)
            driver.wakes += len(acted)
        woken = driver.sweep()
        driver.wakes += len(woken)
        driver.settle(sorted(set(acted) | set(woken)))
        if day.weekday() == 0:
            print(
                f"  {day}: week {(day - RECEIVED).days // 7}, {driver.wakes} runs woken or started so far",
                flush=True,
            )
        day += timedelta(days=1)
    stages = Counter(driver.act(lambda: [case_stage(ref) for ref in driver.refs]))
    if stages != Counter({"plan_issued": cases}):
        raise SystemExit(f"the cohort did not end with every plan issued: {dict(stages)}")


def case_stage(ref: str) -> str:
    from ehcp.db import crud
    from ehcp.db.engine import database

    with database() as session:
        return str(crud.require_case(session, ref=ref).stage)


# --- the run ----------------------------------------------------------------------------------


def snapshot(stack: Stack, driver: Driver, counter: HttpCounter) -> Snapshot:
    database = stack.settings.prefect_home / "prefect.db"
    rows, table_bytes, file_bytes = database_state(database)
    log = stack.root / "var" / "log" / "prefect-server.log"
    return Snapshot(
        wall=time.monotonic(),
        cpu={
            name: cpu_seconds(group_members(stack.services[name].process.pid))  # type: ignore[union-attr]
            for name in ("prefect-server", "flows")
        },
        ours_cpu=driver.ours_cpu,
        ours_calls=counter.counts["ours"],
        watching_calls=counter.counts["watching"],
        log_offset=log.stat().st_size,
        flows_log_offset=(stack.root / "var" / "log" / "flows.log").stat().st_size,
        rows=rows,
        table_bytes=table_bytes,
        file_bytes=file_bytes,
        other_files=folder_bytes(stack.settings.prefect_home, "prefect.db"),
    )


@dataclass
class Period:
    before: Snapshot
    after: Snapshot
    calls: Counter[str]  # the server's access log over the period, by call (ids as {id})
    sockets: int
    begun: Counter[str]  # flow runs begun in `ehcp serve`, by flow

    def cpu(self, name: str) -> float:
        return self.after.cpu[name] - self.before.cpu[name]

    @property
    def wall(self) -> float:
        return self.after.wall - self.before.wall

    @property
    def watching(self) -> int:
        return self.after.watching_calls - self.before.watching_calls

    @property
    def ours_calls(self) -> int:
        return self.after.ours_calls - self.before.ours_calls

    @property
    def all_calls(self) -> int:
        return sum(self.calls.values()) - self.watching

    @property
    def served_calls(self) -> int:
        return self.all_calls - self.ours_calls

    @property
    def ours_cpu(self) -> float:
        return self.after.ours_cpu - self.before.ours_cpu

    def rows(self, table: str) -> int:
        return self.after.rows.get(table, 0) - self.before.rows.get(table, 0)

    def table_bytes(self, table: str) -> int:
        return self.after.table_bytes.get(table, 0) - self.before.table_bytes.get(table, 0)


def log_text(stack: Stack, name: str, start: int, end: int) -> str:
    with open(stack.root / "var" / "log" / f"{name}.log", "rb") as log:
        log.seek(start)
        return log.read(end - start).decode(errors="replace")


def period(stack: Stack, driver: Driver, counter: HttpCounter, work: Callable[[], None]) -> Period:
    before = snapshot(stack, driver, counter)
    work()
    after = snapshot(stack, driver, counter)
    server_log = log_text(stack, "prefect-server", before.log_offset, after.log_offset)
    calls: Counter[str] = Counter()
    for method, path, _status in ACCESS.findall(server_log):
        calls[f"{method} {ID.sub('{id}', path.split('?')[0])}"] += 1
    begun = Counter(BEGUN.findall(log_text(stack, "flows", before.flows_log_offset, after.flows_log_offset)))
    return Period(before, after, calls, len(WEBSOCKET.findall(server_log)), begun)


def process_start_cpu(repeat: int = 3) -> float:
    """CPU seconds of a Python process that imports what a flow-run process must before it
    looks at a case (Prefect's engine and flows.request), median of `repeat`."""
    times = []
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run(
            [sys.executable, "-c", "import prefect.flow_engine, flows.request"], cwd=ROOT, check=True
        )
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        times.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return statistics.median(times)


def report(cases: Period, idle: Period, count: int, driver: Driver, start_cpu: float) -> None:
    def line(name: str, busy: float, quiet: float, digits: int = 1) -> None:
        ratio = f"{busy / quiet:>9.1f}" if quiet else f"{'-':>9}"
        net = (busy - quiet) / count
        print(f"{name:<46}{busy:>11,.{digits}f}{quiet:>11,.{digits}f}{net:>11,.{digits}f}{ratio}")

    looks = cases.begun["ehc-request"] - idle.begun["ehc-request"]
    print(
        f"\n{count} cases, receipt {RECEIVED} to final plan {FINAL_ON} and on to week 20 ({WEEK_20}), "
        f"{(WEEK_20 - RECEIVED).days + 1} days, {driver.sweeps_in_cohort} sweeps: {cases.wall:,.0f} s; "
        f"idle, the same sweeps and no case: {idle.wall:,.0f} s"
    )
    print(
        "flow runs begun (cases / idle): "
        + ", ".join(
            f"{flow} {cases.begun[flow]} / {idle.begun[flow]}" for flow in sorted(cases.begun | idle.begun)
        )
        + f"; {looks / count:.1f} looks a case"
    )
    print(f"{'':<46}{'cases':>11}{'idle':>11}{'per case':>11}{'x idle':>9}")
    line("CPU s, Prefect server", cases.cpu("prefect-server"), idle.cpu("prefect-server"), digits=2)
    line("CPU s, ehcp serve and its flow runs", cases.cpu("flows"), idle.cpu("flows"), digits=2)
    line("CPU s, our writes, wakes and sweeps", cases.ours_cpu, idle.ours_cpu, digits=2)
    line("Prefect API calls (HTTP requests)", cases.all_calls, idle.all_calls, digits=0)
    line("  from our writes, wakes and sweeps", cases.ours_calls, idle.ours_calls, digits=0)
    line("  from ehcp serve and its flow runs", cases.served_calls, idle.served_calls, digits=0)
    line("  (left out: this script watching runs)", cases.watching, idle.watching, digits=0)
    line("websocket connections (events)", cases.sockets, idle.sockets, digits=0)
    if looks:
        served = cases.cpu("flows") - idle.cpu("flows")
        print(
            f"a look: {served / looks:.2f} CPU s in ehcp serve and its flow run, of which a new Python "
            f"process importing Prefect's engine and flows.request costs {start_cpu:.2f} s; "
            f"{(cases.served_calls - idle.served_calls) / looks:.0f} API calls"
        )
    print("\nPrefect API calls per case, the most frequent (cases less idle)")
    calls = cases.calls.copy()
    calls.subtract(idle.calls)
    for name, number in calls.most_common(12):
        print(f"  {number / count:>8.1f}  {name}")

    database_report(cases, idle, count)


EVENT_TABLES = ("events", "event_resources")  # Prefect deletes events after 7 days


def database_report(cases: Period, idle: Period, count: int) -> None:
    def line(name: str, rows: tuple[int, int] | None, kilobytes: tuple[float, float]) -> None:
        row_cells = (
            f"{rows[0]:>11,}{rows[1]:>10,}{(rows[0] - rows[1]) / count:>11,.1f}" if rows else f"{'':>32}"
        )
        print(
            f"{name:<30}{row_cells}{kilobytes[0]:>10,.0f}{kilobytes[1]:>9,.0f}"
            f"{(kilobytes[0] - kilobytes[1]) / count:>9,.1f}"
        )

    def added(tables: list[str] | tuple[str, ...]) -> tuple[tuple[int, int], tuple[float, float]]:
        rows = (sum(cases.rows(t) for t in tables), sum(idle.rows(t) for t in tables))
        kilobytes = (
            sum(cases.table_bytes(t) for t in tables) / 1024,
            sum(idle.table_bytes(t) for t in tables) / 1024,
        )
        return rows, kilobytes

    print("\nPrefect's database (SQLite): rows and kB added per table (pages of the table and its indexes)")
    print(
        f"{'table':<30}{'rows cases':>11}{'rows idle':>10}{'rows/case':>11}"
        f"{'kB cases':>10}{'kB idle':>9}{'kB/case':>9}"
    )

    def touched(table: str) -> bool:
        rows, kilobytes = added([table])
        return any(rows) or any(kilobytes)

    def net_kilobytes(table: str) -> float:
        _, kilobytes = added([table])
        return kilobytes[0] - kilobytes[1]

    everything = set(cases.after.rows) | set(cases.after.table_bytes)
    tables = sorted(filter(touched, everything), key=lambda table: (-net_kilobytes(table), table))
    for table in tables:
        line(table, *added([table]))
    line("all tables", *added(tables))
    files = (
        (cases.after.file_bytes - cases.before.file_bytes) / 1024,
        (idle.after.file_bytes - idle.before.file_bytes) / 1024,
    )
    line("file + WAL after checkpoint", None, files)
    others = (
        (cases.after.other_files - cases.before.other_files) / 1024,
        (idle.after.other_files - idle.before.other_files) / 1024,
    )
    line("other files in PREFECT_HOME", None, others)
    _, total = added(tables)
    _, events = added(EVENT_TABLES)
    per_case = (total[0] - total[1]) / count
    kept = per_case - (events[0] - events[1]) / count
    print(
        f"\nPrefect's database grows by about {per_case:,.0f} kB per case over its life (its tables' pages, "
        f"less the idle period's); {per_case - kept:,.0f} kB of it are events, which Prefect deletes after "
        f"7 days, and {kept:,.0f} kB its run, states, task runs, logs and artifacts, kept until "
        "EHC_PREFECT_RETENTION_DAYS after the run ends."
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=10)
    args = parser.parse_args()
    # A SIGTERM (make, a CI timeout) unwinds like Ctrl-C, so every service started is stopped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)

    from prefect.settings import PREFECT_API_URL, temporary_settings

    from ehcp.council.config import cached_council
    from ehcp.settings import get_settings

    root = Path(tempfile.mkdtemp(prefix="ehcp-bench-case-cost-"))
    saved = dict(os.environ)
    stack = None
    try:
        stack = Stack.create(root, f"sqlite:///{root / 'cases.sqlite3'}")
        stack.env.pop("EHC_RUN_STALE_AFTER_SECONDS")  # the default: a sweep never requeues a live run
        os.environ.update(stack.env)  # this process acts with the served flows' settings
        get_settings.cache_clear()
        cached_council.cache_clear()
        server = prefect_server(stack.settings)
        server.env["PREFECT_SERVER_LOGGING_LEVEL"] = "INFO"  # uvicorn's access log: one line a request
        stack._start(server)
        counter = HttpCounter(stack.api_url)
        counter.install()
        with temporary_settings(updates={PREFECT_API_URL: stack.api_url}):
            stack.start_flows()
            time.sleep(15)  # the runner registers its deployments, the scheduler their next runs
            driver = Driver(stack, counter)
            cases = period(stack, driver, counter, lambda: drive_cohort(driver, args.cases))
            sweeps, seconds = driver.sweeps, cases.wall
            driver.sweeps_in_cohort = sweeps

            def stay_idle() -> None:
                start = time.monotonic()
                for number in range(1, sweeps + 1):
                    time.sleep(max(0.0, start + seconds * number / sweeps - time.monotonic()))
                    driver.sweep()

            print(f"  cohort done in {seconds:.0f} s; now idle as long", flush=True)
            idle = period(stack, driver, counter, stay_idle)
        report(cases, idle, args.cases, driver, process_start_cpu())
    finally:
        if stack is not None:
            stack.stop()
        os.environ.clear()
        os.environ.update(saved)
        shutil.rmtree(root, ignore_errors=True)
        print(f"\nload average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
