"""`ehcp budget`: a coordinator records the personal budget the family asked for and the
council's decision; an impossible record exits 2 naming the flag and stores nothing; `show`
prints section J's words from the record and what the council's uploaded plan leaves out."""

from __future__ import annotations

import json
from datetime import date

import pytest
from typer.testing import CliRunner

from ehcp import timesource
from ehcp.cli.main import app
from ehcp.db import crud
from ehcp.db.engine import session_for
from ehcp.db.personal_budget import personal_budget
from ehcp.settings import get_settings
from tests.db.factories import decide, open_case, upload_plan
from tests.support.postgres import free_port

runner = CliRunner()
NOW = "2026-04-01T09:00:00+00:00"
AT_NOW = timesource.parse_instant(NOW)


@pytest.fixture
def ref(migrated_url, engine, council, monkeypatch, tmp_path) -> str:
    monkeypatch.setenv("EHC_DATABASE_URL", migrated_url)
    monkeypatch.setenv("EHC_FROZEN_NOW", NOW)
    monkeypatch.setenv("EHC_DOCUMENT_DIR", str(tmp_path / "store"))
    monkeypatch.setenv("EHC_PREFECT_PORT", str(free_port()))
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    get_settings.cache_clear()
    with session_for(engine) as session:
        case = open_case(session, council, now=AT_NOW)
        decide(session, council, case, decision="assess", now=AT_NOW, on=date(2026, 2, 9))
        decide(session, council, case, decision="issue", now=AT_NOW, on=date(2026, 3, 30))
        return case.ref


def stored(engine, ref):
    with session_for(engine) as session:
        return personal_budget(session, case=crud.require_case(session, ref=ref))


def test_a_request_is_recorded_and_shown_with_section_js_words(engine, ref):
    result = runner.invoke(app, ["budget", "record", ref, "--requested-on", "2026-03-31"])
    assert result.exit_code == 0, result.output
    assert f"Recorded: personal budget ({ref}), not decided yet." in result.output
    assert stored(engine, ref).agreed is None

    shown = runner.invoke(app, ["budget", "show", ref])
    assert shown.exit_code == 0, shown.output
    assert "asked for on 2026-03-31, not decided yet" in shown.output
    assert "You asked for a personal budget on 31 March 2026." in shown.output


def test_an_agreed_budget_is_stored_whole(engine, ref):
    result = runner.invoke(
        app,
        [
            "budget",
            "record",
            ref,
            "--requested-on",
            "2026-03-31",
            "--agreed",
            "--decided-on",
            "2026-04-01",
            "--amount",
            "4800",
            "--covers",
            "Speech and language therapy at home.",
            "--direct-payments",
        ],
    )
    assert result.exit_code == 0, result.output
    row = stored(engine, ref)
    assert (row.agreed, row.amount_per_year, row.direct_payments, row.direct_payments_requested) == (
        True,
        4800,
        True,
        True,
    )


@pytest.mark.parametrize(
    ("flags", "named"),
    [
        (["--direct-payments"], "--direct-payments: direct payments are made only once a budget is agreed"),
        (["--refused", "--decided-on", "2026-04-01"], "--reasons:"),
        (["--agreed", "--decided-on", "2026-03-30", "--covers", "Therapy."], "--decided-on:"),
        (
            ["--refused", "--decided-on", "2026-04-02", "--reasons", "No."],
            "--decided-on: 2026-04-02 is in the future",
        ),
    ],
)
def test_an_impossible_record_exits_2_naming_the_flag_and_stores_nothing(engine, ref, flags, named):
    result = runner.invoke(app, ["budget", "record", ref, "--requested-on", "2026-03-31", *flags])
    assert result.exit_code == 2, result.output
    assert named in " ".join(result.output.split())
    assert stored(engine, ref) is None


def test_show_points_at_what_the_councils_section_j_leaves_out(engine, council, ref):
    with session_for(engine) as session:
        upload_plan(session, council, crud.require_case(session, ref=ref), now=AT_NOW)
    runner.invoke(
        app,
        [
            "budget",
            "record",
            ref,
            "--requested-on",
            "2026-03-31",
            "--agreed",
            "--decided-on",
            "2026-04-01",
            "--amount",
            "4800",
            "--covers",
            "Therapy.",
        ],
    )
    shown = runner.invoke(app, ["budget", "show", ref, "--json"])
    assert shown.exit_code == 0, shown.output
    document = json.loads(shown.output)
    assert document["plan_version"] == 1 and document["personal_budget"]["amount_per_year"] == 4800
    assert document["section_j_checks"] == ["the record's amount (£4,800 a year) is not in section J"]
    text = runner.invoke(app, ["budget", "show", ref]).output
    assert "Check section J of plan version 1:" in text and "£4,800" in text
