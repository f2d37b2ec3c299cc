"""The Prefect UI's Runs page and the flow-runs API with 10,000 and 50,000 runs in Prefect's
database: the coordinators' view at a county's scale, as a ratio to the same calls with 100.

    .venv/bin/python benchmarks/prefect_runs.py [--sizes 10000 50000] [--calls 20] [--loads 5]
        [--idle 20] [--databases postgresql sqlite] [--explain] [--server-setting NAME=VALUE ...]

Starts a real Prefect server (`prefect server start`, as installed) on a throwaway PostgreSQL
(the machine's own binaries, as the test suite starts them: tests/support/postgres.py) and,
with `--databases ... sqlite`, on SQLite as `ehcp up` runs it. No basic auth or CSRF.

Runs shaped like ours: flow `ehc-request` from a deployment, named `ehc-EHC-2026-000123`,
tagged `ehc`, `stage:<stage>`, mostly `officer:<key>`, some `due:this-week` or `overdue`;
six in seven Suspended (an open case's), one in seven Completed; each with two task runs
(look-at-case, send-case-messages), four logs and a keyed markdown timeline artifact (about
2 KB): one look's worth, 19 rows. No events (the Runs page reads none).

- The first 100 (the baseline) are made through Prefect's REST API, call by call as a served
  run makes them (create from the deployment, Pending, Running, the task runs and their
  states, logs, artifact, tags, Suspended or Completed): their rate is printed.
- The rest are copies of two of those runs, row by row at the database's own level (read
  and written with its plain driver, so every value is exactly as Prefect encoded it) with
  new ids, case reference and times, spread over the two years before; PostgreSQL takes
  them by COPY, SQLite by executemany, foreign keys unchecked while loading as pg_restore
  loads. The API has no bulk endpoint but for logs, and a run through it is 15 calls:
  50,000 would take hours. PostgreSQL is ANALYZEd after each fill, as its autovacuum would
  within minutes; SQLite is left as Prefect leaves it.

At 100 runs and at each size, alternating the calls so drift hits all alike, p50 and p90
over `--calls` calls of each:
- GET /api/health: the baseline of baselines (the same server doing no query);
- POST /flow_runs/filter: newest first, limit 25; with the tag `stage:assessing`; with a
  name search (`like_`, a case reference);
- what the v2 Runs page calls on every load (found by recording its requests): flow_runs
  count and paginate (limit 100, newest first, past 7 days by default), ui/flow_runs/history
  (limit 1000: the bar chart), task_runs count and paginate, ui/flow_runs/count-task-runs for
  the page's 100 runs; and paginate with no date range, with the tag, and with the search;
- the v2 Runs page in headless Chromium (launched as tests/support/browser.py does): from
  navigation to the UI's first API request (its script loaded and started) and to the first
  run row visible, p50 over `--loads` loads, each a fresh browser profile; as it opens (past
  7 days) and filtered by the tag;
- the idle server's CPU (Prefect, and PostgreSQL's processes) over `--idle` seconds.

`--explain` logs PostgreSQL's plan of every query over 100 ms (auto_explain) and prints the
slowest at the end. `--server-setting` passes a Prefect setting to the server (to try one).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from uuid import UUID, uuid4

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # tests.support: the suite's PostgreSQL and Chromium helpers

from proc_cpu import children_of, cpu_seconds  # noqa: E402

from ehcp.runtime.supervisor import Service, Supervisor, group_members, prefect_is_healthy  # noqa: E402
from tests.support.postgres import TemporaryPostgres, find_bin_dir, free_port  # noqa: E402

PREFECT = str(Path(sys.executable).with_name("prefect"))
READY_SECONDS = 300  # a first start on PostgreSQL runs every migration
BASELINE_RUNS = 100
COMPLETED_EVERY = 7  # one run in seven Completed (a closed case's), the rest Suspended
SPREAD = timedelta(days=730)
STAGES = ("considering", "assessing", "assessing", "assessing", "drafting", "draft_served")
OFFICERS = ("ann", "bob", "cat", "dev", "eve", "fay", "gus", None)
WEB = "http://127.0.0.1:8000"
SEARCHED = 42  # the baseline run the name search looks for (it exists at every size)
TABLES = (
    "flow_run_state",
    "flow_run",
    "task_run_state",
    "task_run",
    "log",
    "artifact",
    "artifact_collection",
)


# --- the server -------------------------------------------------------------------------------


@dataclass
class PrefectServer:
    dialect: str
    api: str
    sync_url: str
    service: Service
    postgres: TemporaryPostgres | None = None
    label: str = ""

    @property
    def ui(self) -> str:
        return self.api.removesuffix("/api")

    def processes(self) -> list[int]:
        """Prefect's server process(es) and, on PostgreSQL, its postmaster and backends."""
        assert self.service.process is not None
        pids = group_members(self.service.process.pid)
        if self.postgres is not None:
            postmaster = int((self.postgres.root / "data" / "postmaster.pid").read_text().split()[0])
            pids += [postmaster, *children_of(postmaster)]
        return pids


@contextmanager
def prefect_server(
    dialect: str, root: Path, explain: bool, settings: dict[str, str]
) -> Iterator[PrefectServer]:
    """A Prefect server on a new, empty database; everything it started is gone afterwards."""
    supervisor = Supervisor(log_dir=root / "log")
    postgres = None
    try:
        if dialect == "postgresql":
            bin_dir = find_bin_dir()
            if bin_dir is None:
                raise SystemExit("no PostgreSQL binaries (apt-get install postgresql); or --databases sqlite")
            postgres = TemporaryPostgres.start(bin_dir)
            admin = create_engine(postgres.admin_url, isolation_level="AUTOCOMMIT")
            with admin.connect() as connection:
                connection.execute(text("CREATE DATABASE prefect"))
                if explain:
                    for setting, value in (
                        ("session_preload_libraries", "auto_explain"),
                        ("auto_explain.log_min_duration", "100"),
                    ):
                        connection.execute(text(f"ALTER DATABASE prefect SET {setting} = '{value}'"))
                version = connection.execute(text("SHOW server_version")).scalar_one()
            admin.dispose()
            url = make_url(postgres.admin_url).set(database="prefect")
            server_url = url.set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)
            sync_url = url.render_as_string(hide_password=False)
            label = f"PostgreSQL {version.split()[0]}"
        else:
            server_url = f"sqlite+aiosqlite:///{root / 'prefect.db'}"
            sync_url = f"sqlite:///{root / 'prefect.db'}"
            label = "SQLite"
        port = free_port()
        api = f"http://127.0.0.1:{port}/api"
        service = Service(
            name=f"prefect-{dialect}",
            argv=[PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(port)],
            env={
                "PREFECT_HOME": str(root / "home"),
                "PREFECT_SERVER_DATABASE_CONNECTION_URL": server_url,
                "PREFECT_UI_API_URL": api,
                "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
                "PREFECT_LOGGING_EXTRA_LOGGERS": "",
                **settings,
            },
            is_ready=lambda: prefect_is_healthy(api),
        )
        supervisor.start(service, timeout=READY_SECONDS)
        yield PrefectServer(dialect, api, sync_url, service, postgres, label)
    finally:
        supervisor.stop()
        if postgres is not None:
            postgres.stop()


# --- filling Prefect's database -------------------------------------------------------------


def is_completed(n: int) -> bool:
    return n % COMPLETED_EVERY == 0


def run_tags(n: int, completed: bool) -> list[str]:
    """`ehc`, the stage, mostly a coordinator, some due this week or overdue (run_status.run_tags)."""
    officer = OFFICERS[n % len(OFFICERS)]
    tags = ["ehc", "stage:plan_issued" if completed else f"stage:{STAGES[n % len(STAGES)]}"]
    if officer:
        tags.append(f"officer:{officer}")
    if not completed:
        if n % 10 == 3:
            tags.append("due:this-week")
        if n % 20 == 7:
            tags.append("overdue")
    return tags


def timeline_markdown(ref: str, stage: str) -> str:
    """About the size and shape of ehcp.views.timeline.timeline_markdown for a case in assessment."""
    rows = [
        ("Decision whether to assess", "Regs 5(1)", "2026-02-16", "met"),
        ("Advice: educational psychology", "Regs 8(1)", "2026-03-24", "due"),
        ("Advice: health", "Regs 8(1)", "2026-03-24", "due"),
        ("Advice: social care", "Regs 8(1)", "2026-03-24", "due"),
        ("Advice: the setting", "Regs 8(1)", "2026-03-24", "due"),
        ("Advice: the family", "Regs 6(1)(a)", "2026-03-24", "due"),
        ("Decision not to issue", "Regs 10(1)", "2026-04-27", "not started"),
        ("Draft plan (council target)", "-", "2026-04-13", "not started"),
        ("Family's comments on the draft", "Regs 13(1)", "-", "not started"),
        ("Final plan", "Regs 13(2)", "2026-05-25", "due"),
    ]
    lines = [
        f"# {ref}: {stage}",
        "",
        "Received **2026-01-05** · judged as of 2026-02-10 · next look 2026-02-17 09:00 (UK time)",
        "",
        "## What happens next",
        "",
        "- Waiting for educational psychology advice (due 2026-03-24)",
        "- Waiting for health advice (due 2026-03-24)",
        "- Waiting for social care advice (due 2026-03-24)",
        "",
        "| Limit | Basis | Due | State |",
        "|---|---|---|---|",
        *[f"| {title} | {basis} | {due} | {state} |" for title, basis, due, state in rows],
        "",
        "## Documents",
        "",
        "| Document | Format | Drafted | Open |",
        "|---|---|---|---|",
        *[
            f"| {title} | pdf | {day} | [download]({WEB}/staff/cases/{ref}/documents/{number}) |"
            for number, (title, day) in enumerate(
                (("Acknowledgement", "2026-01-05"), ("Decision to assess", "2026-02-10")), start=1
            )
        ],
        "",
        f"Each download asks for the staff sign-in; all of a case's documents: {WEB}/staff/cases/{ref}.",
    ]
    return "\n".join(lines) + "\n"


class Api:
    """A keep-alive client for Prefect's REST API that fails loudly on any error answer."""

    def __init__(self, api: str) -> None:
        self.client = httpx.Client(base_url=api, timeout=120)
        self.calls = 0
        self.busy = 0  # answers 503 that were tried again

    def __call__(self, method: str, path: str, body: Any = None) -> Any:
        self.calls += 1
        for attempt in range(6):
            response = self.client.request(method, path, json=body)
            # 503: Prefect's database is busy (SQLite, a loaded machine); its own client retries too.
            if response.status_code != 503 or attempt == 5:
                break
            self.busy += 1
            time.sleep(0.5 * 2**attempt)
        if response.status_code >= 300:
            raise RuntimeError(f"{method} {path}: {response.status_code} {response.text[:500]}")
        return response.json() if response.content else None

    def set_state(self, kind: str, run_id: str, state: dict) -> None:
        answer = self("POST", f"/{kind}/{run_id}/set_state", {"state": state})
        if answer["status"] != "ACCEPT":
            raise RuntimeError(f"{kind} {run_id} -> {state['type']}: {answer}")


def create_through_api(api: Api, deployment_id: str, n: int, year: int) -> str:
    """One case run as a served flow makes it, call by call. Returns its id."""
    ref = f"EHC-{year}-{n:06d}"
    completed = is_completed(n)
    run = api(
        "POST",
        f"/deployments/{deployment_id}/create_flow_run",
        {
            "name": f"ehc-{ref}",
            "parameters": {"case_ref": ref},
            "idempotency_key": f"ehc-{ref}",
            "tags": ["ehc"],
            "state": {"type": "SCHEDULED", "name": "Scheduled"},
        },
    )
    run_id = run["id"]
    api.set_state("flow_runs", run_id, {"type": "PENDING", "name": "Pending"})
    api.set_state("flow_runs", run_id, {"type": "RUNNING", "name": "Running"})
    for number, task in enumerate(("look-at-case", "send-case-messages")):
        task_run = api(
            "POST",
            "/task_runs/",
            {
                "flow_run_id": run_id,
                "task_key": f"tasks.case.{task.replace('-', '_')}",
                "dynamic_key": str(number),
                "name": f"{task}-{number}",
                "state": {"type": "PENDING", "name": "Pending"},
            },
        )
        api.set_state("task_runs", task_run["id"], {"type": "RUNNING", "name": "Running"})
        at = datetime.now(UTC).isoformat()
        log = {"name": "prefect.task_runs", "level": 20, "timestamp": at, "flow_run_id": run_id}
        if task == "look-at-case":
            messages = [f"{ref}: acknowledged", f"{ref} is at stage assessing; waiting for 5 thing(s)"]
            api("POST", "/logs/", [{**log, "task_run_id": task_run["id"], "message": m} for m in messages])
            api(
                "POST",
                "/artifacts/",
                {
                    "key": f"case-{ref.lower()}-timeline",
                    "type": "markdown",
                    "description": f"Statutory timeline and next steps for {ref}",
                    "data": timeline_markdown(ref, "assessing"),
                    "flow_run_id": run_id,
                    "task_run_id": task_run["id"],
                },
            )
            api("PATCH", f"/flow_runs/{run_id}", {"tags": run_tags(n, completed)})
        else:
            message = f"{ref}: sent 2, deferred 0, failed 0"
            api("POST", "/logs/", [{**log, "task_run_id": task_run["id"], "message": message}])
        api.set_state("task_runs", task_run["id"], {"type": "COMPLETED", "name": "Completed"})
    api("POST", "/logs/", [{**log, "name": "prefect.flow_runs", "message": "Finished in state"}])
    if completed:
        api.set_state("flow_runs", run_id, {"type": "COMPLETED", "name": "Completed"})
    else:
        api.set_state(
            "flow_runs",
            run_id,
            {
                "type": "PAUSED",
                "name": "Suspended",
                "message": "Waiting for the panel's decision whether to assess (due 2026-02-16) · "
                "next limit: Decision whether to assess, due 2026-02-16 (6 days left)",
                "state_details": {"pause_key": "look-1", "pause_reschedule": True, "pause_timeout": None},
            },
        )
    return run_id


@dataclass
class Template:
    """Every row of one API-made run, as stored (each value as Prefect's types encoded it)."""

    ref: str
    start: datetime
    rows: dict[str, list[list[Any]]] = field(default_factory=dict)
    columns: dict[str, list[str]] = field(default_factory=dict)
    # Per row, the positions holding this run's ids or reference, and its timestamps.
    swaps: dict[str, list[list[int]]] = field(default_factory=dict)
    shifts: dict[str, list[list[int]]] = field(default_factory=dict)
    owned: list[str] = field(default_factory=list)
    pattern: re.Pattern[str] = re.compile("")
    text_times: bool = False  # SQLite: timestamps are stored as text


class Store:
    """Prefect's database through its plain driver: rows exactly as Prefect stored them."""

    def __init__(self, server: PrefectServer) -> None:
        self.dialect = server.dialect
        url = make_url(server.sync_url)
        if self.dialect == "postgresql":
            import psycopg
            from psycopg.types.json import set_json_loads

            self.connection: Any = psycopg.connect(
                host=url.host, port=url.port, user=url.username, dbname=url.database
            )
            set_json_loads(lambda data: data if isinstance(data, str) else data.decode(), self.connection)
        else:
            self.connection = sqlite3.connect(url.database or "", timeout=60)

    def close(self) -> None:
        self.connection.close()

    def select(self, table: str, column: str, values: list[str]) -> tuple[list[str], list[list[Any]]]:
        mark = "%s" if self.dialect == "postgresql" else "?"
        marks = ", ".join(mark for _ in values)
        cursor = self.connection.cursor()
        cursor.execute(f'SELECT * FROM "{table}" WHERE {column} IN ({marks})', values)
        columns = [description[0] for description in cursor.description]
        return columns, [[self._as_text(value) for value in row] for row in cursor.fetchall()]

    def _as_text(self, value: Any) -> Any:
        """COPY takes text: ids back to theirs (JSON is left undecoded, as stored)."""
        return str(value) if isinstance(value, UUID) else value

    def insert(self, batch: dict[str, list[list[Any]]], columns: dict[str, list[str]]) -> None:
        """One transaction. A run and its current state point at each other (flow_run.state_id,
        flow_run_state.flow_run_id), so foreign keys are not checked while loading, as
        pg_restore loads: replica mode on PostgreSQL; a plain SQLite connection checks none
        (Prefect's own turn them on)."""
        if self.dialect == "postgresql":
            with self.connection.transaction(), self.connection.cursor() as cursor:
                cursor.execute("SET LOCAL session_replication_role = replica")
                for table, rows in batch.items():
                    names = ", ".join(f'"{name}"' for name in columns[table])
                    with cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
                        for row in rows:
                            copy.write_row(row)
        else:
            with self.connection:
                for table, rows in batch.items():
                    names = ", ".join(f'"{name}"' for name in columns[table])
                    marks = ", ".join("?" for _ in columns[table])
                    self.connection.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', rows)

    def analyze(self) -> None:
        if self.dialect == "postgresql":
            self.connection.autocommit = True
            self.connection.execute("ANALYZE")
            self.connection.autocommit = False


def timestamp_columns() -> dict[str, set[str]]:
    """Each copied table's timestamp columns, from Prefect's own table definitions."""
    from prefect.server.database import orm_models
    from prefect.server.utilities.database import Timestamp

    tables = orm_models.Base.metadata.tables
    return {
        name: {column.name for column in tables[name].columns if isinstance(column.type, Timestamp)}
        for name in TABLES
    }


def read_template(store: Store, run_id: str, ref: str) -> Template:
    """Every row that belongs to one run: itself, its states, task runs and theirs, logs, artifact."""
    rows: dict[str, list[list[Any]]] = {}
    columns: dict[str, list[str]] = {}
    for table, column, of in (
        ("flow_run", "id", "run"),
        ("flow_run_state", "flow_run_id", "run"),
        ("task_run", "flow_run_id", "run"),
        ("task_run_state", "task_run_id", "task_runs"),
        ("log", "flow_run_id", "run"),
        ("artifact", "flow_run_id", "run"),
        ("artifact_collection", "flow_run_id", "run"),
    ):
        keys = (
            [run_id]
            if of == "run"
            else [str(row[columns["task_run"].index("id")]) for row in rows["task_run"]]
        )
        columns[table], rows[table] = store.select(table, column, keys)
    flow_run = dict(zip(columns["flow_run"], rows["flow_run"][0], strict=True))
    start = flow_run["start_time"] or flow_run["expected_start_time"]
    template = Template(ref=ref, start=parse_time(start), rows=rows, columns=columns)
    template.owned = [str(row[columns[table].index("id")]) for table in TABLES for row in rows[table]]
    olds = [*template.owned, ref, ref.lower()]
    template.pattern = re.compile("|".join(re.escape(old) for old in olds))
    times = timestamp_columns()
    for table in TABLES:
        template.swaps[table] = [
            [i for i, value in enumerate(row) if isinstance(value, str) and template.pattern.search(value)]
            for row in rows[table]
        ]
        template.shifts[table] = [
            [i for i, name in enumerate(columns[table]) if name in times[table] and row[i] is not None]
            for row in rows[table]
        ]
        # SQLite's timestamps are text: parsed once here, written back as text in each copy.
        for row, shift_at in zip(rows[table], template.shifts[table], strict=True):
            for i in shift_at:
                row[i] = parse_time(row[i]).replace(tzinfo=None) if isinstance(row[i], str) else row[i]
    template.text_times = store.dialect == "sqlite"
    return template


SQLITE_TIME = "%Y-%m-%d %H:%M:%S.%f"


def parse_time(value: datetime | str) -> datetime:
    """A timestamp as read: PostgreSQL's driver gives datetimes, SQLite's text in UTC."""
    if isinstance(value, datetime):
        return value
    return datetime.strptime(value, SQLITE_TIME if "." in value else SQLITE_TIME[:-3]).replace(tzinfo=UTC)


def copy_rows(
    template: Template, *, ref: str, start: datetime, tags: list[str]
) -> dict[str, list[list[Any]]]:
    """The template's rows for another case: new ids, its reference, times moved to `start`."""
    swaps = {old: str(uuid4()) for old in template.owned}
    swaps[template.ref] = ref
    swaps[template.ref.lower()] = ref.lower()
    by = start - template.start

    def swap(match: re.Match[str]) -> str:
        return swaps[match.group(0)]

    copies: dict[str, list[list[Any]]] = {}
    for table in TABLES:
        copies[table] = []
        for row, swap_at, shift_at in zip(
            template.rows[table], template.swaps[table], template.shifts[table], strict=True
        ):
            row = list(row)
            for i in swap_at:
                row[i] = template.pattern.sub(swap, row[i])
            for i in shift_at:
                row[i] = row[i] + by
                if template.text_times:
                    row[i] = row[i].isoformat(" ", "microseconds")
            copies[table].append(row)
    copies["flow_run"][0][template.columns["flow_run"].index("tags")] = json.dumps(tags)
    return copies


def bulk_fill(
    server: PrefectServer, templates: dict[bool, Template], start_n: int, end_n: int
) -> tuple[float, int]:
    """Add runs start_n..end_n-1, copies of the templates; returns (seconds, rows inserted)."""
    store = Store(server)
    now = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    columns = templates[False].columns
    started, inserted = time.perf_counter(), 0
    try:
        for batch_start in range(start_n, end_n, 5000):
            batch: dict[str, list[list[Any]]] = {table: [] for table in TABLES}
            for n in range(batch_start, min(batch_start + 5000, end_n)):
                completed = is_completed(n)
                # Spread evenly over the two years before the baseline's runs (golden-ratio steps).
                start = now - SPREAD * ((n * 0.6180339887) % 1)
                copies = copy_rows(
                    templates[completed],
                    ref=f"EHC-{start.year}-{n:06d}",
                    start=start,
                    tags=run_tags(n, completed),
                )
                for table, rows in copies.items():
                    batch[table].extend(rows)
            store.insert(batch, columns)
            inserted += sum(len(rows) for rows in batch.values())
        store.analyze()
    finally:
        store.close()
    return time.perf_counter() - started, inserted


# --- measuring --------------------------------------------------------------------------------


@dataclass
class Call:
    name: str
    method: str
    path: str
    body: Callable[[], Any] | None = None


def ui_calls(api: Api, year: int) -> list[Call]:
    """What the Runs page asks on a load (recorded from Prefect 3.8.8's v2 UI), and the filters."""

    def past_week() -> dict:
        end = datetime.now(UTC)
        return {
            "expected_start_time": {
                "after_": (end - timedelta(days=7)).isoformat(),
                "before_": end.isoformat(),
            }
        }

    tag = {"tags": {"operator": "and_", "any_": ["stage:assessing"]}}
    search = {"name": {"like_": f"EHC-{year}-{SEARCHED:06d}"}}
    newest = {"sort": "START_TIME_DESC", "limit": 25}
    page = {"page": 1, "limit": 100, "sort": "START_TIME_DESC"}
    history = {"sort": "EXPECTED_START_TIME_DESC", "limit": 1000, "offset": 0}
    first_page_ids: list[str] = [
        run["id"] for run in api("POST", "/flow_runs/paginate", {**page, "flow_runs": past_week()})["results"]
    ]
    return [
        Call("GET /health (baseline)", "GET", "/health"),
        Call("filter newest 25", "POST", "/flow_runs/filter", lambda: newest),
        Call("filter newest 25, tag", "POST", "/flow_runs/filter", lambda: {**newest, "flow_runs": tag}),
        Call(
            "filter newest 25, search", "POST", "/flow_runs/filter", lambda: {**newest, "flow_runs": search}
        ),
        Call("UI flow_runs/count", "POST", "/flow_runs/count", lambda: {}),
        Call(
            "UI paginate 100, past week",
            "POST",
            "/flow_runs/paginate",
            lambda: {**page, "flow_runs": past_week()},
        ),
        Call(
            "UI history 1000, past week",
            "POST",
            "/ui/flow_runs/history",
            lambda: {**history, "flow_runs": past_week()},
        ),
        Call("UI task_runs/count", "POST", "/task_runs/count", lambda: {}),
        Call(
            "UI task_runs paginate 100",
            "POST",
            "/task_runs/paginate",
            lambda: {"page": 1, "limit": 100, "sort": "EXPECTED_START_TIME_DESC"},
        ),
        Call(
            "UI count-task-runs 100",
            "POST",
            "/ui/flow_runs/count-task-runs",
            lambda: {"flow_run_ids": first_page_ids},
        ),
        Call("UI paginate 100, all dates", "POST", "/flow_runs/paginate", lambda: page),
        Call("UI history 1000, all dates", "POST", "/ui/flow_runs/history", lambda: history),
        Call("UI paginate 100, tag", "POST", "/flow_runs/paginate", lambda: {**page, "flow_runs": tag}),
        Call("UI paginate 100, search", "POST", "/flow_runs/paginate", lambda: {**page, "flow_runs": search}),
    ]


def time_calls(api: Api, calls: list[Call], repeat: int) -> dict[str, list[float]]:
    """Each call once to warm up, then `repeat` rounds, every call once per round."""
    times: dict[str, list[float]] = {call.name: [] for call in calls}
    for attempt in range(repeat + 1):
        for call in calls:
            started = time.perf_counter()
            api(call.method, call.path, call.body() if call.body else None)
            if attempt:
                times[call.name].append(time.perf_counter() - started)
    return times


def browser_missing() -> str:
    from tests.support.browser import CHROMIUM

    try:
        import playwright  # noqa: F401
    except ImportError:
        return "the playwright package is not installed"
    return "" if CHROMIUM.is_file() else f"no Chromium at {CHROMIUM}"


def page_loads(urls: dict[str, str], loads: int) -> dict[str, list[float]]:
    """For each page, alternating, `loads` times in a fresh browser profile (a new context of one
    headless Chromium, launched as tests/support/browser.py launches it): seconds from navigation
    to the UI's first API request (its script loaded and started) and to the first run row."""
    from playwright.sync_api import Request, sync_playwright

    from tests.support.browser import CHROMIUM, LAUNCH_ARGS, LOOPBACK_HOSTS

    times: dict[str, list[float]] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=list(LAUNCH_ARGS)
        )
        try:
            for _ in range(loads):
                for name, url in urls.items():
                    context = browser.new_context(
                        viewport={"width": 1400, "height": 1000}, timezone_id="Europe/London"
                    )
                    try:
                        # The v2 UI fetches analytics from the internet: refused before any lookup.
                        context.route(
                            lambda url: urlsplit(url).hostname not in LOOPBACK_HOSTS,
                            lambda route: route.abort(),
                        )
                        context.set_default_timeout(120_000)
                        page = context.new_page()
                        first_call: list[float] = []

                        def note(request: Request, first_call: list[float] = first_call) -> None:
                            if "/api/" in request.url and not first_call:
                                first_call.append(time.perf_counter())

                        page.on("request", note)
                        started = time.perf_counter()
                        page.goto(url)
                        page.locator('a[href*="/runs/flow-run/"]').first.wait_for(state="visible")
                        shown = time.perf_counter()
                        times.setdefault(f"{name}: UI started, s", []).append(first_call[0] - started)
                        times.setdefault(f"{name}: first row, s", []).append(shown - started)
                    finally:
                        context.close()
        finally:
            browser.close()
    return times


def idle_cpu(server: PrefectServer, seconds: float) -> float:
    """Share of one core the idle server (and its database) used over `seconds`."""
    before = cpu_seconds(server.processes())
    time.sleep(seconds)
    return (cpu_seconds(server.processes()) - before) / seconds


def quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def slow_plans(server: PrefectServer, top: int = 4) -> list[str]:
    """The slowest distinct queries auto_explain wrote to PostgreSQL's log, with their plans."""
    assert server.postgres is not None
    log = (server.postgres.root / "log").read_text(errors="replace")
    found: dict[str, tuple[float, str]] = {}
    for block in re.split(r"\n(?=\S.*LOG:  duration: )", log):
        match = re.search(r"duration: ([\d.]+) ms\s+plan:\s*\n\s*Query Text: (.*?)\n(.*)", block, re.S)
        if match:
            duration, query, plan = float(match.group(1)), match.group(2), match.group(3)
            key = re.sub(r"\$\d+|'[^']*'", "?", query)[:200]
            if key not in found or found[key][0] < duration:
                # The plan's lines are indented; the log's next entries are not.
                lines = [line[:160] for line in plan.splitlines() if line[:1] in ("\t", " ")][:14]
                found[key] = (duration, f"{duration:.0f} ms: {query[:300]}\n" + "\n".join(lines))
    return [text for _, text in sorted(found.values(), reverse=True)[:top]]


# --- the run ----------------------------------------------------------------------------------


@dataclass
class Figures:
    calls: dict[int, dict[str, list[float]]] = field(default_factory=dict)
    pages: dict[int, dict[str, list[float]]] = field(default_factory=dict)
    idle: dict[int, float] = field(default_factory=dict)


def seed_through_api(api: Api, year: int) -> list[str]:
    """The baseline's runs, through the API; prints their rate."""
    flow = api("POST", "/flows/", {"name": "ehc-request"})
    deployment = api("POST", "/deployments/", {"name": "ehc-request", "flow_id": flow["id"]})
    calls, started = api.calls, time.perf_counter()
    run_ids = [create_through_api(api, deployment["id"], n, year) for n in range(1, BASELINE_RUNS + 1)]
    seconds, calls = time.perf_counter() - started, api.calls - calls
    print(
        f"  {BASELINE_RUNS} runs through the API: {seconds:.1f} s, {BASELINE_RUNS / seconds:.1f} runs/s "
        f"({calls / BASELINE_RUNS:.0f} calls a run, {seconds / calls * 1000:.1f} ms a call, "
        f"{api.busy} answers 503 tried again)",
        flush=True,
    )
    return run_ids


def measure_database(dialect: str, args: argparse.Namespace) -> None:
    year = datetime.now(UTC).year
    figures = Figures()
    missing = browser_missing()
    with tempfile.TemporaryDirectory(prefix="ehcp-bench-prefect-") as folder:
        started = time.perf_counter()
        explain = args.explain and dialect == "postgresql"
        with prefect_server(dialect, Path(folder), explain, dict(args.server_setting)) as server:
            print(
                f"\n{server.label}: Prefect server ready in {time.perf_counter() - started:.0f} s", flush=True
            )
            api = Api(server.api)
            run_ids = seed_through_api(api, year)
            store = Store(server)
            try:
                templates = {
                    completed: read_template(store, run_ids[n - 1], f"EHC-{year}-{n:06d}")
                    for completed, n in ((False, 1), (True, COMPLETED_EVERY))
                }
            finally:
                store.close()
            rows = sum(len(rows) for rows in templates[False].rows.values())
            total = BASELINE_RUNS
            for size in [BASELINE_RUNS, *args.sizes]:
                if size > total:
                    seconds, inserted = bulk_fill(server, templates, total + 1, size + 1)
                    print(
                        f"  {size - total:,} runs by bulk insert: {seconds:.1f} s, "
                        f"{(size - total) / seconds:,.0f} runs/s ({inserted:,} rows; {rows} a suspended run)",
                        flush=True,
                    )
                    total = size
                count = api("POST", "/flow_runs/count", {})
                assert count == total, f"Prefect counts {count} runs, expected {total}"
                figures.idle[size] = idle_cpu(server, args.idle)
                figures.calls[size] = time_calls(api, ui_calls(api, year), args.calls)
                if not missing:
                    figures.pages[size] = page_loads(
                        {
                            "Runs page": f"{server.ui}/v2/runs",
                            "Runs page, tag": f"{server.ui}/v2/runs?tab=flow-runs&tags=stage:assessing",
                        },
                        args.loads,
                    )
                print(f"  measured at {size:,} runs", flush=True)
            plans = slow_plans(server) if args.explain and server.postgres is not None else []
            label = server.label
    print_table(label, figures, args, missing)
    for plan in plans:
        print("\n" + plan)


def short(size: int) -> str:
    return f"{size // 1000}k" if size >= 1000 and size % 1000 == 0 else f"{size:,}"


def print_table(label: str, figures: Figures, args: argparse.Namespace, missing: str) -> None:
    sizes = list(figures.calls)
    base = sizes[0]
    print(f"\n{label}: ms, p50 (p90) of {args.calls} calls each; page loads in s, p50 (max) of {args.loads}")
    print(
        f"{'call':<30}"
        + "".join(f"{short(size) + ' runs':>16}" for size in sizes)
        + "".join(f"{short(size) + '/' + short(base):>10}" for size in sizes[1:])
    )

    def row(name: str, values: dict[int, list[float]], scale: float, high: Callable, digits: int) -> None:
        p50 = {size: statistics.median(values[size]) for size in sizes}
        cells = "".join(
            f"{f'{p50[s] * scale:.{digits}f} ({high(values[s]) * scale:.{max(digits - 1, 0)}f})':>16}"
            for s in sizes
        )
        ratios = "".join(f"{p50[s] / p50[base]:>10.1f}" for s in sizes[1:])
        print(f"{name:<30}{cells}{ratios}")

    for name in figures.calls[base]:
        row(name, {s: figures.calls[s][name] for s in sizes}, 1000, lambda v: quantile(v, 0.9), 1)
    if missing:
        print(f"(no page loads: {missing})")
    for name in figures.pages.get(base, {}):
        row(name, {s: figures.pages[s][name] for s in sizes}, 1, max, 2)
    cells = "".join(f"{f'{figures.idle[s] * 100:.1f} %':>16}" for s in sizes)
    ratios = "".join(
        f"{figures.idle[s] / figures.idle[base] if figures.idle[base] else float('nan'):>10.1f}"
        for s in sizes[1:]
    )
    print(f"{f'idle CPU over {args.idle:g} s, a core':<30}{cells}{ratios}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 50_000])
    parser.add_argument("--calls", type=int, default=20)
    parser.add_argument("--loads", type=int, default=5)
    parser.add_argument("--idle", type=float, default=20, help="seconds of idle server CPU at each size")
    parser.add_argument("--databases", nargs="+", choices=("postgresql", "sqlite"), default=["postgresql"])
    parser.add_argument(
        "--explain", action="store_true", help="print PostgreSQL's plans of the slowest queries"
    )
    parser.add_argument(
        "--server-setting",
        action="append",
        default=[],
        type=lambda text: tuple(text.split("=", 1)),
        metavar="NAME=VALUE",
        help="a Prefect setting for the server, e.g. PREFECT_SERVER_SERVICES_PAUSE_EXPIRATIONS_ENABLED=false",
    )
    args = parser.parse_args()
    args.sizes = sorted(size for size in args.sizes if size > BASELINE_RUNS)
    # A SIGTERM (make, a CI timeout) unwinds like Ctrl-C, so every server started is stopped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for dialect in args.databases:
        measure_database(dialect, args)
    print(f"\nload average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
