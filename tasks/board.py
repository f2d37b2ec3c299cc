"""The caseload board: published by the sweep, every 15 minutes, as table artifacts.

`caseload` holds every open case; `caseload-<key>` each coordinator's own, published for
every configured coordinator even with no cases, so a bookmark to it always opens.
Artifacts are made here, in a task: one made in a flow's body is made again on every
replay. What reaches Prefect is built by ehcp.views.caseload: references, stages, roles,
dates, counts and coordinator keys, never a name.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from prefect import task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NO_CACHE

from ehcp import timesource
from ehcp.db.engine import database
from ehcp.views import caseload
from tasks.common import council, no_personal_data_in_errors

BOARD = "caseload-board"


@dataclass(frozen=True)
class BoardCounts:
    cases: int  # open cases on the board
    boards: int  # artifacts published: the whole board and one per coordinator


@task(name="publish-caseload", cache_policy=NO_CACHE)
def publish_caseload() -> BoardCounts:
    with no_personal_data_in_errors("publish-caseload", BOARD):
        today = timesource.today()
        rules = council()
        with database() as session:
            rows = caseload.read_caseload(session, council=rules, today=today)
        _publish(rows, today=today)
        # A key removed from council.yaml still has cases until they are reassigned.
        officers = sorted(set(rules.coordinators) | {row.officer for row in rows if row.officer})
        for officer in officers:
            _publish(caseload.for_officer(rows, officer), today=today, officer=officer)
    return BoardCounts(cases=len(rows), boards=1 + len(officers))


def _publish(rows: list[caseload.CaseloadRow], *, today: date, officer: str | None = None) -> None:
    create_table_artifact(
        key=caseload.artifact_key(officer),
        table=caseload.table(rows),
        description=caseload.description(rows, today=today, officer=officer),
    )
