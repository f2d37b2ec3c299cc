"""`ehcp kpi` over an imported caseload gives the figures worked out by hand, an imported
exception counting with or without its dates."""

from __future__ import annotations

import json

import pytest
import typer
from typer.testing import CliRunner

from ehcp.cli import reports
from ehcp.cli.imports import import_caseload
from ehcp.settings import get_settings
from tests.imports.files import closed, csv_text

runner = CliRunner()
app = typer.Typer()
app.command()(reports.kpi)
app.command("import")(import_caseload)

# Received 6 January 2025 (day 0); the 20 weeks end on day 140, 26 May 2025.
CASELOAD = [
    closed("K-1"),  # day 134: within, no exception
    closed("K-2", final_plan_date="2025-05-26"),  # day 140: within
    closed("K-3", final_plan_date="2025-05-27"),  # day 141: late, no exception
    closed(
        "K-4", final_plan_date="2025-06-16", exception="yes", exception_ground="school_closure"
    ),  # late, no dates
    closed(
        "K-5",
        final_plan_date="2025-07-07",
        exception="yes",
        exception_ground="exceptional_personal_circumstances",
        exception_from="2025-03-01",
        exception_to="2025-04-30",
    ),  # late, dated exception
    closed("K-6", final_plan_date="", issue="no", issue_decision_date="2025-04-01"),  # not issued
    closed("K-7", assess="no", issue="", issue_decision_date="", final_plan_date=""),  # not assessed
    closed(
        "K-8",
        received_date="2025-11-03",
        decision_to_assess_date="",
        assess="",
        issue="",
        issue_decision_date="",
        final_plan_date="",
        withdrawn_date="2025-11-20",
    ),  # withdrawn
]


@pytest.fixture
def imported(migrated_url, tmp_path, monkeypatch):
    monkeypatch.setenv("EHC_DATABASE_URL", migrated_url)
    monkeypatch.setenv("EHC_FROZEN_NOW", "2026-06-01T09:00:00+00:00")
    get_settings.cache_clear()
    path = tmp_path / "caseload.csv"
    path.write_text(csv_text(CASELOAD), encoding="utf-8")
    result = runner.invoke(app, ["import", str(path), "--no-start"])
    assert result.exit_code == 0, result.output


def test_kpi_over_an_imported_caseload_counts_imported_exceptions(imported):
    result = runner.invoke(app, ["kpi", "--year", "2025", "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert (document["requests_received"], document["decisions_to_assess"]) == (8, 6)
    assert (document["decisions_not_to_assess"], document["requests_withdrawn"]) == (1, 1)
    assert (document["plans_issued"], document["decisions_not_to_issue"]) == (5, 1)
    # K-4 (no dates) and K-5 (dated) have exceptions: 2 of the other 3 within 20 weeks.
    assert document["timeliness"] == {
        "excluding_exceptions": {"within_20_weeks": 2, "plans": 3, "percent": 66.7},
        "including_exceptions": {"within_20_weeks": 2, "plans": 5, "percent": 40.0},
    }
    assert document["weeks_taken"]["max"] == 26.0  # K-5: 182 days
