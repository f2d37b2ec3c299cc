"""`ehcp import` throughput: rows per second for a caseload file (100,000 rows by default)
on SQLite, beside two baselines from the same run: reading and parsing the same file with
the csv module alone, and inserting the same number of bare `ehc_case` rows with one
`executemany` (what the database costs before any rule, history or chronology).

    .venv/bin/python benchmarks/import.py [--rows 100000] [--open-every 1000]
"""

from __future__ import annotations

import argparse
import csv
import io
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ehcp.council.config import load_council  # noqa: E402
from ehcp.db import migrate  # noqa: E402
from ehcp.db.engine import make_engine, session_for  # noqa: E402
from ehcp.imports.columns import OPTIONAL, REQUIRED  # noqa: E402
from ehcp.imports.run import import_rows  # noqa: E402
from ehcp.settings import PROJECT_ROOT  # noqa: E402

NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


def caseload(rows: int, open_every: int) -> str:
    """A made-up caseload: plans issued (some late, some with an exception), refusals,
    decisions not to issue, withdrawals, and every `open_every`-th case open (assessing)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=[*REQUIRED, *OPTIONAL], lineterminator="\n")
    writer.writeheader()
    start = date(2015, 1, 5)
    for number in range(rows):
        received = start + timedelta(days=number % 3800)
        row = {"reference": f"OLD-{number:07d}", "received_date": received.isoformat(), "exception": "no"}
        kind = number % 10
        if open_every and number % open_every == open_every - 1:
            received = date(2026, 4, 6)
            row.update(
                received_date=received.isoformat(),
                decision_to_assess_date="2026-05-11",
                assess="yes",
                request_source="parent",
                child_given_names="Testchild",
                child_family_name="Example",
                child_date_of_birth="2016-09-01",
                contact_name="Pat Example",
                contact_email=f"pat{number}@example.org",
                setting_urn="100001",
            )
        elif kind == 7:
            row.update(decision_to_assess_date=(received + timedelta(days=30)).isoformat(), assess="no")
        elif kind == 8:
            row.update(withdrawn_date=(received + timedelta(days=10)).isoformat())
        elif kind == 9:
            row.update(
                decision_to_assess_date=(received + timedelta(days=30)).isoformat(),
                assess="yes",
                issue_decision_date=(received + timedelta(days=100)).isoformat(),
                issue="no",
            )
        else:
            row.update(
                decision_to_assess_date=(received + timedelta(days=35)).isoformat(),
                assess="yes",
                issue_decision_date=(received + timedelta(days=90)).isoformat(),
                issue="yes",
                final_plan_date=(received + timedelta(days=120 + 5 * kind)).isoformat(),
                request_source="parent",
            )
            if kind == 6:
                row.update(exception="yes", exception_ground="exceptional_personal_circumstances")
        writer.writerow(row)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--open-every", type=int, default=1000)
    args = parser.parse_args()
    council = load_council(PROJECT_ROOT / "config" / "example")
    text = caseload(args.rows, args.open_every)
    with tempfile.TemporaryDirectory() as folder:
        # Baseline 1: the csv module reading the same text.
        started = time.perf_counter()
        parsed = sum(1 for _ in csv.DictReader(io.StringIO(text)))
        parse_s = time.perf_counter() - started
        # Baseline 2: bare case rows, one executemany, one commit.
        url = f"sqlite:///{folder}/bare.sqlite3"
        migrate.upgrade(url)
        connection = sqlite3.connect(f"{folder}/bare.sqlite3")
        rows = [
            (
                f"EHC-2020-{n:06d}",
                "2020-01-01",
                "parent",
                "plan_issued",
                "2020-02-12",
                "2020-04-22",
                "2020-04-08",
                "2020-05-20",
                1,
                "2026-06-01 09:00:00",
                "2026-06-01 09:00:00",
                f"OLD-{n}",
            )
            for n in range(args.rows)
        ]
        started = time.perf_counter()
        connection.executemany(
            "INSERT INTO ehc_case (ref, received_on, request_source, stage, decide_to_assess_by,"
            " decide_not_to_issue_by, draft_target_by, final_plan_by, version, created_at, updated_at,"
            " imported_ref) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            rows,
        )
        connection.commit()
        bare_s = time.perf_counter() - started
        connection.close()
        # The import itself.
        url = f"sqlite:///{folder}/import.sqlite3"
        migrate.upgrade(url)
        engine = make_engine(url)
        with session_for(engine) as session:
            started, cpu = time.perf_counter(), time.process_time()
            outcome = import_rows(io.StringIO(text), session=session, council=council, now=NOW)
            import_s, import_cpu = time.perf_counter() - started, time.process_time() - cpu
        engine.dispose()
    print(
        f"{args.rows:,} rows ({outcome.imported_closed:,} closed, {outcome.imported_open:,} open, "
        f"{outcome.rejected_rows} rejected), SQLite, Prefect not involved"
    )
    print(f"{'path':<28}{'seconds':>10}{'rows/s':>12}")
    for name, seconds, count in (
        ("csv parsing alone", parse_s, parsed),
        ("bare ehc_case executemany", bare_s, args.rows),
        ("ehcp import", import_s, args.rows),
    ):
        print(f"{name:<28}{seconds:>10.2f}{count / seconds:>12,.0f}")
    print(f"{'ratio import / bare insert':<28}{import_s / bare_s:>10.1f}x")
    # On a shared machine the wall clock includes waiting for a core: the CPU time says
    # what the import itself costs.
    print(
        f"ehcp import used {import_cpu:.1f} s of CPU in {import_s:.1f} s "
        f"({args.rows / import_cpu:,.0f} rows per CPU second)"
    )


if __name__ == "__main__":
    main()
