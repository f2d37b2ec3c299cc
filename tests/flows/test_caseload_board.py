"""The caseload board and a coordinator's tags, through the real Prefect server: the sweep
publishes `caseload` and `caseload-<key>`, and a case's row moves with the case."""

from __future__ import annotations

import json
from datetime import date

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
from prefect.logging.handlers import APILogHandler

from ehcp.db import crud
from flows.sweep import ehc_sweep
from tests.db.factories import CHILD_NAME, PARENT_EMAIL
from tests.support.stack import read_run, wait_until

pytestmark = pytest.mark.slow
COORDINATOR_NAMES = ("Alex Morgan", "Sam Patel")  # config/example/council.yaml: never in Prefect


def board(key: str) -> dict[str, list[str]]:
    """The newest version of a board artifact, by column."""
    with get_client(sync_client=True) as client:
        [latest] = client.read_latest_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key]))
        )
    assert latest.type == "table"
    text = str(latest.data)
    for personal in (CHILD_NAME, PARENT_EMAIL, *COORDINATOR_NAMES):
        assert personal not in text and personal not in str(latest.description)
    return json.loads(text)


def row(key: str, ref: str) -> dict[str, str] | None:
    columns = board(key)
    if ref not in columns["Case"]:
        return None
    index = columns["Case"].index(ref)
    return {column: values[index] for column, values in columns.items()}


def assign(system, ref: str, officer: str | None) -> None:
    system.write(
        ref,
        lambda session, *, case, council, now, actor: crud.assign_officer(
            session, ref=case.ref, officer=officer, council=council, by=actor, now=now
        ),
    )


def sweep() -> None:
    """Run the sweep flow here, as its cron would, and send its logs before going on: the
    session's Prefect server stops when the tests end."""
    ehc_sweep()
    APILogHandler().flush()


def tags(system, ref: str) -> list[str]:
    return read_run(system.case(ref).flow_run_id).tags


def test_the_board_follows_the_case_and_the_run_is_tagged_with_its_coordinator(system):
    system.today(date(2026, 1, 5))
    ref = system.open_case(received_on=date(2026, 1, 5))
    assert ref in system.sweep().started
    system.settled(ref)

    system.today(date(2026, 2, 5))
    assign(system, ref, "coord-a")
    system.settled(ref)
    assert "officer:coord-a" in tags(system, ref)
    sweep()
    mine = row("caseload", ref)
    assert mine == {
        "Case": ref,
        "Stage": "considering",
        "Next limit": "Decision whether to assess",
        "Due": "2026-02-16",
        "Days": "11 days left",
        "Who owes what": "the panel: decide whether to assess (11 days left)",
        "Coordinator": "coord-a",
    }
    assert row("caseload-coord-a", ref) == mine
    assert row("caseload-coord-b", ref) is None  # published, without this case

    # The limit passes: the sweep wakes the case, its run is tagged overdue, the row says so.
    system.today(date(2026, 2, 18))
    sweep()
    wait_until(lambda: "overdue" in tags(system, ref), timeout=180, what="the run to be tagged overdue")
    system.settled(ref)
    sweep()
    late = row("caseload-coord-a", ref)
    assert (late["Due"], late["Days"]) == ("2026-02-16", "2 days late")

    # The panel decides; the letter goes; the row moves to the next stage and limit.
    system.decide(ref, "assessment", "assess", date(2026, 2, 18))
    case = system.settled(ref)
    assert case.stage == "assessing"
    assert "overdue" not in tags(system, ref) and "stage:assessing" in tags(system, ref)
    sweep()
    moved = row("caseload", ref)
    assert moved["Stage"] == "assessing" and moved["Due"] > "2026-02-16"
    assert moved["Next limit"] != "Decision whether to assess"

    # Reassigned, then unassigned: the tags and the boards follow.
    assign(system, ref, "coord-b")
    system.settled(ref)
    assert "officer:coord-b" in tags(system, ref) and "officer:coord-a" not in tags(system, ref)
    assign(system, ref, None)
    system.settled(ref)
    assert not [tag for tag in tags(system, ref) if tag.startswith("officer:")]
    sweep()
    assert row("caseload", ref)["Coordinator"] == "unassigned"
    assert row("caseload-coord-a", ref) is None and row("caseload-coord-b", ref) is None


def test_every_configured_coordinator_has_a_board_to_bookmark_even_with_no_cases(system):
    sweep()
    for key in ("caseload", "caseload-coord-a", "caseload-coord-b"):
        assert list(board(key)) == [
            "Case",
            "Stage",
            "Next limit",
            "Due",
            "Days",
            "Who owes what",
            "Coordinator",
        ]
