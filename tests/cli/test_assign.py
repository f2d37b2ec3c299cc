"""`ehcp assign CASE --to KEY | --none`: a configured coordinator by key, or nobody."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from ehcp import timesource
from ehcp.cli.main import app
from ehcp.db import crud
from ehcp.db.engine import session_for
from ehcp.settings import get_settings
from tests.db.factories import open_case, withdraw
from tests.support.postgres import free_port

runner = CliRunner()
NOW = "2026-03-02T09:00:00+00:00"
AT_NOW = timesource.parse_instant(NOW)


@pytest.fixture
def ref(migrated_url, engine, council, monkeypatch) -> str:
    monkeypatch.setenv("EHC_DATABASE_URL", migrated_url)
    monkeypatch.setenv("EHC_FROZEN_NOW", NOW)
    monkeypatch.setenv("EHC_PREFECT_PORT", str(free_port()))  # nobody listens: the wake must not matter
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    get_settings.cache_clear()
    with session_for(engine) as session:
        return open_case(session, council, now=AT_NOW).ref


def stored(engine, ref):
    with session_for(engine) as session:
        case = crud.require_case(session, ref=ref)
        return case, crud.chronology(session, case=case)


def test_assigning_a_coordinator_records_their_key_and_makes_the_run_look_again(engine, ref):
    before, _ = stored(engine, ref)
    result = runner.invoke(app, ["assign", ref, "--to", "coord-a"])
    assert result.exit_code == 0, result.output
    assert "sweep will wake it" in result.output
    case, events = stored(engine, ref)
    assert case.officer == "coord-a"
    assert case.version == before.version + 1 and case.wake_at is not None
    assert events[-1].kind == "officer_assigned"
    assert events[-1].actor == "coordinator:cli"
    assert events[-1].detail == {"officer": "coord-a", "previous": None, "assigned_by": "coordinator:cli"}
    # The chronology names the key, never the coordinator (council.yaml: Alex Morgan).
    assert "coord-a" in events[-1].summary and "Alex" not in events[-1].summary


def test_reassigning_and_unassigning_are_each_in_the_chronology(engine, ref):
    runner.invoke(app, ["assign", ref, "--to", "coord-a"])
    assert runner.invoke(app, ["assign", ref, "--to", "coord-b"]).exit_code == 0
    case, events = stored(engine, ref)
    assert case.officer == "coord-b" and events[-1].detail["previous"] == "coord-a"
    assert runner.invoke(app, ["assign", ref, "--none"]).exit_code == 0
    case, events = stored(engine, ref)
    assert case.officer is None
    assert events[-1].summary == "Unassigned from coordinator coord-b by coordinator:cli."


def test_an_unknown_coordinator_exits_2_listing_the_valid_keys_and_changes_nothing(engine, ref):
    before, events_before = stored(engine, ref)
    result = runner.invoke(app, ["assign", ref, "--to", "coord-z"])
    assert result.exit_code == 2
    assert "officer" in result.output and "coord-a, coord-b" in result.output
    after, events_after = stored(engine, ref)
    assert (after.officer, after.version, len(events_after)) == (None, before.version, len(events_before))


@pytest.mark.parametrize("args", [[], ["--to", "coord-a", "--none"]])
def test_assign_needs_exactly_one_of_to_and_none(engine, ref, args):
    result = runner.invoke(app, ["assign", ref, *args])
    assert result.exit_code == 2 and "--to" in result.output
    assert stored(engine, ref)[0].officer is None


def test_a_closed_case_cannot_be_assigned(engine, council, ref):
    with session_for(engine) as session:
        withdraw(session, council, crud.require_case(session, ref=ref), now=AT_NOW)
    result = runner.invoke(app, ["assign", ref, "--to", "coord-a"])
    assert result.exit_code == 2 and "closed" in result.output
    assert stored(engine, ref)[0].officer is None


def test_the_caseload_shows_each_cases_coordinator(engine, ref):
    runner.invoke(app, ["assign", ref, "--to", "coord-b"])
    result = runner.invoke(app, ["cases"])
    assert result.exit_code == 0, result.output
    assert "Officer" in result.output
    line = next(line for line in result.output.splitlines() if ref in line)
    assert "coord-b" in line
