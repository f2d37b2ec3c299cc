"""The sweep's own cost over 1,000 / 10,000 / 100,000 open cases: it must follow the number
of cases due, not the number open.

    .venv/bin/python benchmarks/sweep.py [--sizes 1000 10000 100000] [--repeat 9]

For each size, two pictures on one SQLite case database:
- 1% due (10 / 100 / 1,000 cases due): the issue's figure;
- 10 due whatever the size: the one that tells the two costs apart (flat if the sweep
  reads only what is due, growing with the size if it scans).
Baseline, in the same run: the same "what is due" count by a full scan of `ehc_case`
(`NOT INDEXED`), which is what a sweep that read every open case would pay at least.

What is timed is ours: the due-cases query and the sweep's decisions per case. Prefect's
side (one status read and one resume per due case) is replaced by an in-process recorder,
because it is measured through the real flows by the catch-up benchmark; here it would
only add Prefect's noise to what we can change.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, text
from sqlmodel import Session

from ehcp.db import migrate
from ehcp.db.engine import make_engine
from ehcp.db.models import Case
from ehcp.runtime import orchestration, sweeper
from ehcp.runtime.backoff import RetryPolicy
from ehcp.runtime.orchestration import RunStatus
from ehcp.runtime.signals import Wake

NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
POLICY = RetryPolicy(limit=5, first_wait=timedelta(minutes=15))


def seed(engine, *, open_cases: int, due: int) -> None:
    """`open_cases` open cases with a run each; `due` of them due a look now."""
    received = date(2026, 11, 2)
    rows = [
        {
            "ref": f"EHC-2026-{n:06d}",
            "received_on": received,
            "request_source": "parent",
            "stage": "assessing",
            "decide_to_assess_by": received + timedelta(weeks=6),
            "decide_not_to_issue_by": received + timedelta(weeks=16),
            "draft_target_by": received + timedelta(weeks=14),
            "final_plan_by": received + timedelta(weeks=20),
            "version": 1,
            "created_at": NOW,
            "updated_at": NOW,
            "flow_run_id": str(uuid.UUID(int=n)),
            # Spread the rest over the coming weeks, as real wakes are.
            "wake_at": NOW - timedelta(minutes=1) if n <= due else NOW + timedelta(hours=1 + n % 2000),
        }
        for n in range(1, open_cases + 1)
    ]
    with engine.begin() as connection:
        for start in range(0, len(rows), 5000):
            connection.execute(insert(Case), rows[start : start + 5000])


class FakePrefect:
    """Every due run is waiting and is woken: one read and one resume, counted."""

    def __init__(self) -> None:
        self.calls = 0

    def status(self, flow_run_id: str) -> RunStatus:
        self.calls += 1
        return RunStatus(orchestration.StateType.PAUSED, 60.0)

    def wake(self, flow_run_id: str | None, patience: float = 0) -> Wake:
        self.calls += 1
        return Wake.RESUMED


def time_sweep(engine, prefect: FakePrefect, repeat: int) -> float:
    times = []
    for attempt in range(repeat + 1):  # the first warms SQLite's cache and is not counted
        with Session(engine) as session:
            started = time.perf_counter()
            report = sweeper.sweep(session, now=NOW, limit=100_000, stale_after_seconds=600, policy=POLICY)
            if attempt:
                times.append(time.perf_counter() - started)
        assert report.woken, "nothing was due"
    return statistics.median(times)


def time_scan(engine, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        with engine.connect() as connection:
            started = time.perf_counter()
            connection.execute(
                text("SELECT count(*) FROM ehc_case NOT INDEXED WHERE wake_at <= :now AND closed_on IS NULL"),
                {"now": NOW.isoformat()},
            ).scalar_one()
            times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args()

    prefect = FakePrefect()
    orchestration.status = prefect.status  # type: ignore[assignment]
    orchestration.wake = prefect.wake  # type: ignore[assignment]
    orchestration.stranded_runs = lambda *a, **k: {}  # type: ignore[assignment]

    print(f"{'open':>8} {'due':>6} {'sweep ms':>9} {'ms/due':>7} {'scan ms':>8} {'sweep/scan':>10}")
    results: dict[tuple[str, int], float] = {}
    for picture in ("1%", "10"):
        for size in args.sizes:
            due = max(size // 100, 1) if picture == "1%" else 10
            with tempfile.TemporaryDirectory() as folder:
                url = f"sqlite:///{Path(folder) / 'cases.sqlite3'}"
                migrate.upgrade(url)
                engine = make_engine(url)
                seed(engine, open_cases=size, due=due)
                sweep = time_sweep(engine, prefect, args.repeat)
                scan = time_scan(engine, args.repeat)
                engine.dispose()
            results[(picture, size)] = sweep
            print(
                f"{size:>8,} {due:>6,} {sweep * 1000:>9.1f} {sweep * 1000 / due:>7.2f} "
                f"{scan * 1000:>8.2f} {sweep / scan:>10.1f}"
            )
        small, large = min(args.sizes), max(args.sizes)
        ratio = results[(picture, large)] / results[(picture, small)]
        print(f"  {picture} due: sweep time {large:,} / {small:,} open = {ratio:.2f}x\n")


if __name__ == "__main__":
    main()
