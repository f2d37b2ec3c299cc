"""`ehcp plan`: a coordinator uploads the caseworker's Word plan and lists its versions;
a file that is still a working draft exits 2 naming the section and stores nothing."""

from __future__ import annotations

import json
from datetime import date

import pytest
from typer.testing import CliRunner

from ehcp import timesource
from ehcp.cli.main import app
from ehcp.db import crud
from ehcp.db.engine import session_for
from ehcp.db.plan_versions import plan_versions
from ehcp.settings import get_settings
from tests.db.factories import decide, open_case
from tests.support.plan_files import finished, working_draft
from tests.support.postgres import free_port

runner = CliRunner()
NOW = "2026-04-01T09:00:00+00:00"
AT_NOW = timesource.parse_instant(NOW)


@pytest.fixture
def ref(migrated_url, engine, council, monkeypatch, tmp_path) -> str:
    monkeypatch.setenv("EHC_DATABASE_URL", migrated_url)
    monkeypatch.setenv("EHC_FROZEN_NOW", NOW)
    monkeypatch.setenv("EHC_DOCUMENT_DIR", str(tmp_path / "store"))
    monkeypatch.setenv("EHC_PREFECT_PORT", str(free_port()))  # nobody listens: the wake must not matter
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    get_settings.cache_clear()
    with session_for(engine) as session:
        case = open_case(session, council, now=AT_NOW)
        decide(session, council, case, decision="assess", now=AT_NOW, on=date(2026, 2, 9))
        decide(session, council, case, decision="issue", now=AT_NOW, on=date(2026, 3, 30))
        return case.ref


@pytest.fixture(scope="module")
def draft(council) -> bytes:
    return working_draft(council)


def versions(engine, ref):
    with session_for(engine) as session:
        return plan_versions(session, case=crud.require_case(session, ref=ref))


def test_an_upload_stores_the_next_version_and_the_list_shows_it(engine, ref, draft, tmp_path):
    file = tmp_path / "Robin plan.docx"
    file.write_bytes(finished(draft))
    result = runner.invoke(app, ["plan", "upload", ref, str(file)])
    assert result.exit_code == 0, result.output
    assert f"Plan version 1 of {ref} stored" in result.output
    assert "Sections with text: A, B, C, D, E, F, G, H1, H2, J, K." in result.output
    assert "sweep will wake it" in result.output  # Prefect is down: the version still stands

    file.write_bytes(finished(draft, {"F": "Weekly speech and language therapy, 30 minutes."}))
    result = runner.invoke(app, ["plan", "upload", ref, str(file)])
    assert result.exit_code == 0, result.output
    assert "Changed since version 1: F." in result.output

    result = runner.invoke(app, ["plan", "versions", ref, "--json"])
    assert result.exit_code == 0, result.output
    listed = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert [item["number"] for item in listed] == [1, 2]
    assert listed[0]["uploaded_by"] == "coordinator:cli" and listed[0]["served_on"] is None
    assert listed[1]["sections"] == ["A", "B", "C", "D", "E", "F", "G", "H1", "H2", "J", "K"]


def test_a_working_draft_is_refused_naming_the_section_and_nothing_is_stored(engine, ref, draft, tmp_path):
    file = tmp_path / "draft.docx"
    file.write_bytes(finished(draft, {"B": ""}))
    result = runner.invoke(app, ["plan", "upload", ref, str(file)])
    assert result.exit_code == 2
    assert "sections.B: section B is empty" in " ".join(result.output.split())
    assert versions(engine, ref) == []

    result = runner.invoke(app, ["plan", "versions", ref])
    assert result.exit_code == 0 and "No plan version uploaded" in result.output


def test_a_missing_file_or_case_exits_2(ref, tmp_path):
    result = runner.invoke(app, ["plan", "upload", ref, str(tmp_path / "nowhere.docx")])
    assert result.exit_code == 2 and "cannot read" in result.output
    result = runner.invoke(app, ["plan", "versions", "EHC-2026-999999"])
    assert result.exit_code == 2 and "no case with reference" in result.output
