"""Coordinator commands: write first, then wake; refused input exits 2 and writes nothing."""

from __future__ import annotations

from datetime import date

import pytest
from typer.testing import CliRunner

from ehcp import timesource
from ehcp.cli.main import app
from ehcp.db import crud
from ehcp.db.engine import session_for
from ehcp.settings import get_settings
from tests.db.factories import open_case, request_advice
from tests.portal.conftest import PDF
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


def test_a_decision_is_recorded_even_when_the_run_cannot_be_woken(engine, ref):
    result = runner.invoke(app, ["decide", ref, "assess", "--on", "2026-02-10"])
    assert result.exit_code == 0, result.output
    assert "Recorded: decision assess" in result.output
    assert "sweep will wake it" in result.output
    case, events = stored(engine, ref)
    assert case.stage == "assessing"
    assert events[-1].actor == "coordinator:cli" and events[-1].occurred_on == date(2026, 2, 10)


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["decide", "{ref}", "assess", "--on", "2026-01-04"], "decided_on"),
        (["decide", "{ref}", "assess", "--on", "2026-03-03"], "in the future"),
        (["decide", "{ref}", "maybe", "--on", "2026-02-10"], "maybe"),
        (["decide", "{ref}", "assess", "--on", "10/02/2026"], "--on"),
        (["draft-served", "{ref}", "--on", "2026-02-10"], "served_on"),
        (["advice", "record", "{ref}", "health", "--received", "2026-02-10"], "no advice request"),
        (["withdraw", "{ref}", "--on", "2025-12-01"], "withdrawn_on"),
        (["decide", "EHC-2026-999999", "assess", "--on", "2026-02-10"], "no case with reference"),
        (
            ["consult", "{ref}", "oak", "--setting", "Oak", "--email", "not-an-email", "--on", "2026-02-10"],
            "email",
        ),
    ],
)
def test_refused_input_exits_2_naming_the_field_and_writes_nothing(engine, ref, args, named):
    before, events_before = stored(engine, ref)
    result = runner.invoke(app, [arg.format(ref=ref) for arg in args])
    assert result.exit_code == 2, result.output
    assert named in result.output.replace("\n", " ")
    after, events_after = stored(engine, ref)
    assert (after.version, after.stage, len(events_after)) == (
        before.version,
        before.stage,
        len(events_before),
    )


def test_the_chronology_lists_what_happened_in_order(engine, ref):
    runner.invoke(app, ["decide", ref, "assess", "--on", "2026-02-10"])
    result = runner.invoke(app, ["chronology", ref, "--json"])
    assert result.exit_code == 0
    kinds = [line for line in result.stdout.splitlines() if line.startswith("{")]
    assert '"request_received"' in kinds[0] and '"decision_assessment"' in kinds[1]


def test_the_caseload_lists_open_cases_with_their_next_due_date(ref):
    result = runner.invoke(app, ["cases"])
    assert result.exit_code == 0
    assert ref in result.stdout and "considering" in result.stdout and "2026-02-16" in result.stdout


def _assessing(engine, council, ref) -> None:
    result = runner.invoke(app, ["decide", ref, "assess", "--on", "2026-02-10"])
    assert result.exit_code == 0, result.output
    with session_for(engine) as session:
        case = crud.require_case(session, ref=ref)
        request_advice(session, council, case, key="health", on=date(2026, 2, 10), now=AT_NOW)


def test_advice_received_by_post_is_kept_with_its_document_and_section_text(engine, council, ref, tmp_path):
    from sqlmodel import select

    from ehcp.db.models import AdviceSubmission

    _assessing(engine, council, ref)
    letter = tmp_path / "health-advice.pdf"
    letter.write_bytes(PDF)  # a real PDF: uploads are opened and checked (pypdf)
    result = runner.invoke(
        app,
        [
            "advice",
            "record",
            ref,
            "health",
            "--received",
            "2026-02-27",
            "--file",
            str(letter),
            "--section",
            "C=Hearing loss, both ears.",
            "--section",
            "g=Audiology review yearly.",
        ],
    )
    assert result.exit_code == 0, result.output
    with session_for(engine) as session:
        [submission] = session.exec(select(AdviceSubmission)).all()
        assert submission.submitted_via == "coordinator" and submission.file_media_type == "application/pdf"
        assert submission.sections == {"C": "Hearing loss, both ears.", "G": "Audiology review yearly."}
    case, events = stored(engine, ref)
    assert events[-1].kind == "advice_received" and events[-1].occurred_on == date(2026, 2, 27)


@pytest.mark.parametrize(
    ("extra", "named"),
    [
        (["--section", "D=social care text"], "informs sections C, G, not D"),
        (["--section", "no equals sign"], "--section"),
        (["--file", "{png}"], "must be a PDF or Word document"),
    ],
)
def test_advice_with_a_wrong_section_or_file_is_refused_and_nothing_is_kept(
    engine, council, ref, tmp_path, extra, named
):
    _assessing(engine, council, ref)
    png = tmp_path / "scan.pdf"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 50)
    before = stored(engine, ref)[1]
    args = [
        "advice",
        "record",
        ref,
        "health",
        "--received",
        "2026-02-27",
        *[a.format(png=png) for a in extra],
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 2 and named in result.output.replace("\n", " ")
    assert len(stored(engine, ref)[1]) == len(before)


def test_the_ombudsman_pack_is_written_as_a_pdf(ref, tmp_path):
    runner.invoke(app, ["decide", ref, "assess", "--on", "2026-02-10"])
    out = tmp_path / "pack.pdf"
    result = runner.invoke(app, ["chronology", ref, "--pdf", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"%PDF-")
    assert f"Wrote the Ombudsman pack of {ref}" in result.output


def test_the_ombudsman_pack_into_a_missing_folder_is_refused_naming_the_option(ref, tmp_path):
    result = runner.invoke(app, ["chronology", ref, "--pdf", str(tmp_path / "nowhere" / "pack.pdf")])
    assert result.exit_code == 2
    assert "--pdf" in result.output
