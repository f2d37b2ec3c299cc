"""`ehcp documents`: a coordinator lists a case's documents and regenerates one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from ehcp import timesource
from ehcp.cli.main import app
from ehcp.db import crud
from ehcp.db.engine import session_for
from ehcp.db.models import Document
from ehcp.runtime.case_runner import reconcile
from ehcp.settings import get_settings
from tests.db import factories
from tests.support.documents import document_text
from tests.support.postgres import free_port

runner = CliRunner()
NOW = "2026-01-05T09:00:00+00:00"


@pytest.fixture
def ref(migrated_url, engine, council, monkeypatch, tmp_path) -> str:
    monkeypatch.setenv("EHC_DATABASE_URL", migrated_url)
    monkeypatch.setenv("EHC_FROZEN_NOW", NOW)
    monkeypatch.setenv("EHC_DOCUMENT_DIR", str(tmp_path / "store"))
    monkeypatch.setenv("EHC_PREFECT_PORT", str(free_port()))
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    get_settings.cache_clear()
    with session_for(engine) as session:
        case = factories.open_case(
            session, council, now=timesource.now(), setting_email="senco@example.sch.uk"
        )
        reconcile(
            session, ref=case.ref, council=council, now=timesource.now(), document_store=tmp_path / "store"
        )
        return case.ref


def rows(engine, ref) -> list[Document]:
    with session_for(engine) as session:
        case = crud.require_case(session, ref=ref)
        return list(session.exec(select(Document).where(Document.case_id == case.id).order_by(Document.id)))


def events(engine, ref) -> list[str]:
    with session_for(engine) as session:
        return [event.kind for event in crud.chronology(session, case=crud.require_case(session, ref=ref))]


def test_the_list_names_each_drafted_document_and_its_file(ref, tmp_path):
    result = runner.invoke(app, ["documents", "list", ref, "--json"])
    assert result.exit_code == 0, result.output
    listed = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert [item["kind"] for item in listed] == ["acknowledgement_letter", "considering_notice_letter"]
    assert listed[0]["audience"] == "family" and listed[1]["audience"] == "professional"
    assert all(Path(item["path"]).is_relative_to(tmp_path / "store" / ref) for item in listed)
    assert all(Path(item["path"]).is_file() for item in listed)


def test_regenerating_a_letter_keeps_its_date_and_the_file_that_was_sent(ref, engine, monkeypatch, tmp_path):
    [before, _] = rows(engine, ref)
    monkeypatch.setenv("EHC_FROZEN_NOW", "2026-01-20T09:00:00+00:00")
    get_settings.cache_clear()
    out = tmp_path / "copy.pdf"
    result = runner.invoke(app, ["documents", "render", ref, "acknowledgement_letter", "--out", str(out)])
    assert result.exit_code == 0, result.output
    [after, _] = rows(engine, ref)
    assert after.id == before.id and Path(before.storage_path).is_file()  # the sent version stays
    assert "Date: 5 January 2026" in document_text(Path(after.storage_path))  # not the 20th
    assert document_text(out) == document_text(Path(after.storage_path))
    assert events(engine, ref)[-1] == "document_regenerated"


def test_a_document_the_case_has_not_reached_is_only_previewed(ref, engine, tmp_path):
    result = runner.invoke(app, ["documents", "render", ref, "final_plan"])
    assert result.exit_code == 0, result.output
    assert "preview" in result.output
    preview = tmp_path / "store" / ref / "previews" / "final_plan.pdf"
    assert "Education, Health and Care (EHC) plan" in document_text(preview)
    assert [row.kind for row in rows(engine, ref)] == ["acknowledgement_letter", "considering_notice_letter"]


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["documents", "render", "{ref}", "acknowledgment_letter"], "unknown document kind"),
        (["documents", "render", "{ref}", "advice_request_letter"], "advice_request_letter:<advice>"),
        (["documents", "render", "{ref}", "advice_request_letter:nobody"], "no advice request 'nobody'"),
        (["documents", "render", "EHC-2026-999999", "final_plan"], "no case with reference"),
        (["documents", "list", "EHC-2026-999999"], "no case with reference"),
    ],
)
def test_bad_input_exits_2_naming_what_is_wrong_and_changes_nothing(ref, engine, args, named):
    before = [(row.kind, row.sha256) for row in rows(engine, ref)], events(engine, ref)
    result = runner.invoke(app, [arg.format(ref=ref) for arg in args])
    assert result.exit_code == 2, result.output
    assert named in result.output.replace("\n", " ")
    assert ([(row.kind, row.sha256) for row in rows(engine, ref)], events(engine, ref)) == before
