"""`ehcp timeline` as a coordinator uses it: dates, states, stable JSON, clear refusals."""

from __future__ import annotations

import json
from datetime import date

import pytest
from typer.testing import CliRunner

from ehcp.cli.main import app
from ehcp.db import crud
from ehcp.db.inputs import DecisionIn
from ehcp.settings import get_settings
from tests.db import factories

runner = CliRunner()

LIMIT_KEYS = {
    "key",
    "title",
    "basis",
    "duty",
    "statutory",
    "starts_on",
    "due_on",
    "done_on",
    "state",
    "days_remaining",
    "days_late",
    "exceptions",
}


def run(*args: str):
    return runner.invoke(app, ["timeline", *args])


def as_json(*args: str) -> dict:
    result = run(*args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_every_due_date_is_printed_from_the_received_date():
    document = as_json("--received", "2026-01-05", "--today", "2026-01-05")
    due = {limit["key"]: limit["due_on"] for limit in document["limits"]}
    assert due["decision_to_assess"] == "2026-02-16"
    assert due["decision_not_to_issue"] == "2026-04-27"
    assert due["draft_plan_target"] == "2026-04-13"
    assert due["final_plan"] == "2026-05-25"


def test_the_json_document_has_stable_documented_keys():
    document = as_json(
        "--received", "2026-01-05", "--advice-requested", "2026-02-11", "--today", "2026-03-01"
    )
    assert set(document) == {
        "schema",
        "case_ref",
        "today",
        "received_on",
        "day_counting",
        "next_due_on",
        "limits",
        "notes",
    }
    assert document["schema"] == "ehcp.timeline/1"
    for limit in document["limits"]:
        assert set(limit) == LIMIT_KEYS
    advice = next(limit for limit in document["limits"] if limit["key"].startswith("advice"))
    assert (advice["due_on"], advice["state"], advice["days_remaining"]) == (
        "2026-03-25",
        "due",
        24,
    )


def test_the_draft_served_starts_the_familys_fifteen_days():
    document = as_json(
        "--received",
        "2026-01-05",
        "--decided-to-assess",
        "2026-02-10",
        "--draft-served",
        "2026-04-01",
        "--today",
        "2026-04-02",
    )
    family = next(limit for limit in document["limits"] if limit["key"] == "family_comments")
    assert (family["due_on"], family["state"]) == ("2026-04-15", "due")


def test_the_table_shows_dates_and_states():
    result = run("--received", "2026-01-05", "--today", "2026-03-01")
    assert result.exit_code == 0
    assert "2026-02-16" in result.stdout and "breached" in result.stdout and "2026-05-25" in result.stdout


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--received", "2026-13-05"], "--received"),
        (["--received", "5/1/2026"], "--received"),
        (["--received", "2026-01-05", "--today", "yesterday"], "--today"),
        (["--received", "2026-01-05", "--decided-to-assess", "2026-01-04"], "--decided-to-assess"),
        (
            [
                "--received",
                "2026-01-05",
                "--decided-to-assess",
                "2026-02-10",
                "--draft-served",
                "2026-02-09",
            ],
            "--draft-served",
        ),
        (["--received", "2026-01-05", "--advice-requested", "2026-01-01"], "--advice-requested"),
        (["--advice-requested", "2026-02-01"], "--received"),
    ],
)
def test_bad_input_exits_2_naming_the_flag(args, named):
    result = run(*args)
    assert result.exit_code == 2
    assert named in result.output


@pytest.fixture
def stored_case(migrated_url, engine, council, now, monkeypatch):
    monkeypatch.setenv("EHC_DATABASE_URL", migrated_url)
    get_settings.cache_clear()
    from ehcp.db.engine import session_for

    with session_for(engine) as session:
        case = factories.open_case(session, council, now=now)
        crud.record_decision(
            session,
            case=case,
            decision=DecisionIn(kind="assessment", outcome="assess", decided_on=date(2026, 2, 20)),
            council=council,
            now=now,
            actor="test",
        )
        factories.tell_family(session, case, purpose="decision_to_assess", on=date(2026, 2, 20))
        return case.ref


def test_a_stored_case_is_read_by_its_reference(stored_case):
    document = as_json("--case", stored_case, "--today", "2026-03-01")
    assert document["case_ref"] == stored_case
    assess = next(limit for limit in document["limits"] if limit["key"] == "decision_to_assess")
    assert (assess["done_on"], assess["state"], assess["days_late"]) == (
        "2026-02-20",
        "breached",
        4,
    )


def test_an_unknown_case_reference_exits_2(stored_case):
    result = run("--case", "EHC-2026-999999")
    assert result.exit_code == 2
    assert "no case with reference" in result.output


def test_a_case_reference_is_not_mixed_with_fact_flags(stored_case):
    result = run("--case", stored_case, "--received", "2026-01-05")
    assert result.exit_code == 2
    assert "--received" in result.output


def test_db_upgrade_creates_the_case_database_under_var(tmp_path):
    result = runner.invoke(app, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "var" / "ehcp.sqlite3").exists()
    assert runner.invoke(app, ["db", "current"]).exit_code == 0


def test_db_current_says_when_an_upgrade_is_needed():
    result = runner.invoke(app, ["db", "current"])
    assert result.exit_code == 1
    assert "ehcp db upgrade" in result.output


def test_a_malformed_council_config_stops_the_command_naming_the_file(tmp_path, monkeypatch):
    council_dir = tmp_path / "broken"
    council_dir.mkdir()
    (council_dir / "council.yaml").write_text("name: Broken\nclock:\n  day_counting: sometimes\n")
    (council_dir / "term-dates.yaml").write_text("calendars: {}\n")
    monkeypatch.setenv("EHC_COUNCIL_DIR", str(council_dir))
    get_settings.cache_clear()
    result = runner.invoke(app, ["config", "check"])
    assert result.exit_code == 2
    assert "council.yaml:3" in result.output.replace("\n", "")
    assert "clock.day_counting" in result.output
