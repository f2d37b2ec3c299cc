"""`ehcp kpi` and the weekly report over 100,000 historical cases, each as a ratio to one
`SELECT count(*)` over the same table in the same run.

    .venv/bin/python benchmarks/reports.py [--cases 100000] [--open 300] [--repeat 3]

Seeds a temporary SQLite case database (migrated, then bulk inserts: no crud, no
validation) with closed cases received over the ten years to today: 80% with a plan
issued (their decision letter and final plan sent to the family, from 110 to 170 days
after receipt), 10% refused an assessment, 10% withdrawn; and `--open` open cases,
considering whether to assess. Then times, alternating so drift hits all alike:

- baseline: `SELECT count(*) FROM ehc_case`;
- kpi: what `ehcp kpi --year Y` runs (this year's cohort from the store, then its figures);
- weekly: `build_weekly_report` (every cohort the year and the 52 weeks touch, the open
  cases' facts, the forecast, overdue advice, caseloads);
- weekly + chart: the same and its PNG.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path

from sqlalchemy import insert, text
from sqlmodel import Session

from ehcp.council.config import load_council
from ehcp.db import migrate
from ehcp.db.engine import make_engine
from ehcp.db.models import Case, Decision, OutboundMessage
from ehcp.reports.chart import png
from ehcp.reports.cohort import year_cohort
from ehcp.reports.kpi import figures
from ehcp.reports.weekly import build_weekly_report
from ehcp.settings import PROJECT_ROOT

TODAY = date(2026, 11, 30)  # a Monday
BATCH = 20_000


def stamp(day: date) -> datetime:
    return datetime.combine(day, clock_time(9), tzinfo=UTC)


def seed(session: Session, *, cases: int, open_cases: int) -> None:
    """Closed cases first, then open ones; refs EHC-<year>-<n>. Bulk inserts in batches."""
    case_rows, decisions, messages = [], [], []
    span = 10 * 365
    for n in range(cases + open_cases):
        is_open = n >= cases
        received = (
            TODAY - timedelta(days=20 + (n % 40))
            if is_open
            else TODAY - timedelta(days=200 + (n * 7919) % span)
        )
        kind = (
            "open"
            if is_open
            else ("plan", "plan", "plan", "plan", "plan", "plan", "plan", "plan", "refused", "withdrawn")[
                n % 10
            ]
        )
        case_id = n + 1
        decided = received + timedelta(days=35)
        sent = received + timedelta(days=110 + n % 61)
        row = {
            "id": case_id,
            "ref": f"EHC-{received.year}-{n:06d}",
            "received_on": received,
            "request_source": "parent",
            "stage": {
                "plan": "plan_issued",
                "refused": "not_assessed",
                "withdrawn": "withdrawn",
                "open": "considering",
            }[kind],
            "officer": ("coord-a", "coord-b", None)[n % 3] if is_open else None,
            "setting_address_confirmed": True,
            "interpreter_needed": False,
            "hearing_impairment": False,
            "vision_impairment": False,
            "received_on_confirmed": True,
            "decide_to_assess_by": received + timedelta(weeks=6),
            "decide_not_to_issue_by": received + timedelta(weeks=16),
            "draft_target_by": received + timedelta(weeks=14),
            "final_plan_by": received + timedelta(weeks=20),
            "final_issued_on": sent - timedelta(days=1) if kind == "plan" else None,
            "withdrawn_on": received + timedelta(days=20) if kind == "withdrawn" else None,
            "closed_on": None if is_open else (sent if kind == "plan" else decided),
            "version": 1,
            "run_seen_version": 0,
            "run_wait_number": 0,
            "created_at": stamp(received),
            "updated_at": stamp(received),
        }
        case_rows.append(row)
        if kind in ("plan", "refused"):
            outcome = "assess" if kind == "plan" else "not_assess"
            decisions.append(_decision(case_id, "assessment", outcome, decided))
            messages.append(
                _message(case_id, f"decision_{'to' if kind == 'plan' else 'not_to'}_assess", decided)
            )
        if kind == "plan":
            decisions.append(_decision(case_id, "issue", "issue", sent - timedelta(days=30)))
            messages.append(_message(case_id, "final_plan", sent))
        if len(case_rows) >= BATCH:
            _flush(session, case_rows, decisions, messages)
    _flush(session, case_rows, decisions, messages)


def _decision(case_id: int, kind: str, outcome: str, on: date) -> dict:
    return {
        "case_id": case_id,
        "kind": kind,
        "outcome": outcome,
        "decided_on": on,
        "recorded_by": "benchmark",
        "recorded_at": stamp(on),
    }


def _message(case_id: int, purpose: str, on: date) -> dict:
    key = f"{case_id}:{purpose}"
    return {
        "key": key,
        "case_id": case_id,
        "purpose": purpose,
        "recipient_role": "family",
        "channel": "email",
        "recipient_address": "family@example.org",
        "subject": "benchmark",
        "body_text": "benchmark",
        "state": "sent",
        "attempts": 1,
        "smtp_message_id": f"<{key}@benchmark>",
        "queued_at": stamp(on),
        "sent_at": stamp(on),
    }


def _flush(session: Session, cases: list, decisions: list, messages: list) -> None:
    for model, rows in ((Case, cases), (Decision, decisions), (OutboundMessage, messages)):
        if rows:
            session.execute(insert(model), rows)
            rows.clear()
    session.commit()


def timed(function: Callable[[], object]) -> float:
    start = time.perf_counter()
    function()
    return (time.perf_counter() - start) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--open", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    council = load_council(PROJECT_ROOT / "config" / "example")
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'cases.sqlite3'}"
        migrate.upgrade(url)
        engine = make_engine(url)
        with Session(engine) as session:
            started = time.perf_counter()
            seed(session, cases=args.cases, open_cases=args.open)
            seeded = time.perf_counter() - started
            total = session.execute(text("SELECT count(*) FROM ehc_case")).scalar_one()
        print(f"seeded {total:,} cases ({args.cases:,} closed, {args.open:,} open) in {seeded:.1f} s")

        def run(step: Callable[[Session], object]) -> Callable[[], object]:
            def go() -> object:
                with Session(engine) as session:  # a fresh session: nothing cached between runs
                    return step(session)

            return go

        steps = {
            "baseline": run(lambda s: s.execute(text("SELECT count(*) FROM ehc_case")).scalar_one()),
            "kpi": run(
                lambda s: figures(
                    year_cohort(s, year=TODAY.year, as_at=TODAY).records,
                    year=TODAY.year,
                    counting=council.policy.day_counting,
                )
            ),
            "weekly": run(lambda s: build_weekly_report(s, council=council, today=TODAY)),
            "weekly+chart": run(lambda s: png(build_weekly_report(s, council=council, today=TODAY))),
        }
        times: dict[str, list[float]] = {name: [] for name in steps}
        for _ in range(args.repeat):
            for name, step in steps.items():
                times[name].append(timed(step))
        report = run(lambda s: build_weekly_report(s, council=council, today=TODAY))()
        engine.dispose()
    base = statistics.median(times["baseline"])
    print(f"{args.repeat} runs each, alternating; median ms (ratio to the baseline's median)")
    for name, values in times.items():
        median = statistics.median(values)
        print(f"{name:>14} {median:10.1f} ms  min {min(values):10.1f}  x{median / base:,.0f}")
    print(
        f"weekly report: {report.iso_week}, {report.year_to_date.plans_issued:,} plans this year, "
        f"{report.last_12_months.plans_issued:,} in 12 months, {report.open_cases} open, "
        f"{len(report.forecast)} forecast breaches"
    )


if __name__ == "__main__":
    main()
