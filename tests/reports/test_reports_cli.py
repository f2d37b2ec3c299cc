"""`ehcp kpi` and `ehcp sen2`, on a small app made of the two command functions."""

from __future__ import annotations

import json
from datetime import date

import pytest
import typer
from typer.testing import CliRunner

from ehcp.cli import reports
from ehcp.db.engine import session_for
from ehcp.reports.kpi import figures, figures_document
from ehcp.reports.sen2 import read_sen2
from ehcp.settings import get_settings
from tests.reports.store import build_year

runner = CliRunner()
app = typer.Typer()
app.command()(reports.kpi)
app.command()(reports.sen2)


@pytest.fixture
def stored(migrated_url, engine, council, monkeypatch):
    monkeypatch.setenv("EHC_DATABASE_URL", migrated_url)
    monkeypatch.setenv("EHC_FROZEN_NOW", "2027-01-15T09:00:00+00:00")
    get_settings.cache_clear()
    with session_for(engine) as session:
        build_year(session, council)


def test_kpi_json_has_the_documented_figures(stored):
    result = runner.invoke(app, ["kpi", "--year", "2026", "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert document["as_at"] == "2027-01-15" and document["day_counting"] == "start_is_day_zero"
    assert document["timeliness"] == {
        "excluding_exceptions": {"within_20_weeks": 2, "plans": 3, "percent": 66.7},
        "including_exceptions": {"within_20_weeks": 2, "plans": 4, "percent": 50.0},
    }
    assert (document["requests_received"], document["plans_issued"]) == (8, 4)
    assert document["weeks_taken"]["max"] == 22.3  # 156 days


def test_kpi_table_for_people(stored):
    result = runner.invoke(app, ["kpi", "--year", "2026"], env={"COLUMNS": "100"})
    assert result.exit_code == 0, result.output
    assert "2 of 3 (66.7%)" in result.output and "2 of 4 (50.0%)" in result.output
    assert "Requests received" in result.output


def test_sen2_writes_a_file_that_reads_back_to_the_kpi_figures(stored, tmp_path):
    out = tmp_path / "sen2-2026.csv"
    result = runner.invoke(app, ["sen2", "--year", "2026", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "Wrote 9 requests" in result.output
    with out.open(encoding="utf-8", newline="") as stream:
        records = read_sen2(stream)
    kpi = json.loads(runner.invoke(app, ["kpi", "--year", "2026", "--json"]).output)
    assert figures_document(figures(records, year=2026), as_at=date(2027, 1, 15)) == kpi


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["kpi", "--year", "2013"], "--year: 2013 is out of range"),
        (["kpi", "--year", "2028"], "--year: 2028 is out of range"),
        (["sen2", "--year", "1999", "--out", "x.csv"], "--year"),
        (["sen2", "--year", "2026", "--out", "no-such-folder/x.csv"], "--out: there is no folder"),
        (["sen2", "--year", "2026", "--out", "."], "--out: . is a folder"),
    ],
)
def test_bad_input_exits_2_naming_the_option(tmp_path, monkeypatch, args, named):
    monkeypatch.setenv("EHC_FROZEN_NOW", "2027-01-15T09:00:00+00:00")
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert named in " ".join(result.output.split())
