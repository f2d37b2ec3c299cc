"""Free text from the command line is checked as the case store's input models check it:
bounded, no control, invisible or text-direction characters; exit 2 naming the option,
never repeating the value, and nothing written."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from ehcp import timesource
from ehcp.cli.main import app
from ehcp.db import crud
from ehcp.db.engine import session_for
from ehcp.settings import get_settings
from tests.db.factories import open_case
from tests.support.postgres import free_port

runner = CliRunner()
NOW = "2026-03-02T09:00:00+00:00"


@pytest.fixture
def ref(migrated_url, engine, council, monkeypatch) -> str:
    monkeypatch.setenv("EHC_DATABASE_URL", migrated_url)
    monkeypatch.setenv("EHC_FROZEN_NOW", NOW)
    monkeypatch.setenv("EHC_PREFECT_PORT", str(free_port()))
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    get_settings.cache_clear()
    with session_for(engine) as session:
        return open_case(session, council, now=timesource.parse_instant(NOW)).ref


def chronology(engine, ref) -> list[str]:
    with session_for(engine) as session:
        return [event.kind for event in crud.chronology(session, case=crud.require_case(session, ref=ref))]


@pytest.mark.parametrize(
    ("reasons", "words"),
    [
        ("Zebedee needs more. " * 1_100, "at most 20000 characters"),  # 22,000
        ("Zebedee\x00 needs more", "control character"),
        ("Zebedee \u202eneeds more", "text-direction override"),
    ],
)
def test_decision_reasons_from_a_file_are_bounded_and_safe(engine, ref, tmp_path, reasons, words):
    before = chronology(engine, ref)
    path = tmp_path / "reasons.txt"
    path.write_text(reasons, encoding="utf-8")
    result = runner.invoke(app, ["decide", ref, "assess", "--on", "2026-02-10", "--reasons-file", str(path)])
    assert result.exit_code == 2, result.output
    output = " ".join(result.output.split())
    assert "--reasons-file" in output and "reasons" in output and words in output
    assert "Zebedee" not in result.output
    assert chronology(engine, ref) == before


def test_reasons_over_several_paragraphs_are_recorded(engine, ref, tmp_path):
    path = tmp_path / "reasons.txt"
    path.write_text("First.\n\nSecond:\n\t- more\n", encoding="utf-8")
    result = runner.invoke(app, ["decide", ref, "assess", "--on", "2026-02-10", "--reasons-file", str(path)])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (
            [
                "consult",
                "{ref}",
                "oak",
                "--setting",
                "Zebedee\u202e Academy",
                "--email",
                "a@b.org",
                "--on",
                "2026-02-10",
            ],
            "setting_name",
        ),
        (
            ["advice", "add", "{ref}", "--role", "other", "--organisation", "Zebedee\x07 Trust"],
            "organisation",
        ),
        (
            [
                "advice",
                "add",
                "{ref}",
                "--role",
                "other",
                "--organisation",
                "T",
                "--name",
                "Zebedee evil.com",
            ],
            "contact_name",
        ),
        (["requested-school", "{ref}", "Zebedee\u2066 Academy", "--on", "2026-02-10"], "SCHOOL"),
        (["name-setting", "{ref}", "Zebedee\nForged", "--type", "special_school"], "SETTING"),
        (["consult-answer", "{ref}", "oak", "--on", "2026-02-10", "--outcome", "Zebedee" * 10], "--outcome"),
        (
            [
                "advice",
                "record",
                "{ref}",
                "health",
                "--received",
                "2026-02-10",
                "--section",
                "C=Zebedee\x1b[2J",
            ],
            "--section",
        ),
        (
            [
                "budget",
                "record",
                "{ref}",
                "--requested-on",
                "2026-02-10",
                "--agreed",
                "--decided-on",
                "2026-02-20",
            ]
            + ["--covers", "Zebedee\u202e"],
            "--covers",
        ),
    ],
)
def test_free_text_options_are_checked_naming_the_option(engine, ref, args, option):
    before = chronology(engine, ref)
    result = runner.invoke(app, [arg.replace("{ref}", ref) for arg in args])
    assert result.exit_code == 2, result.output
    assert option in result.output and "Zebedee" not in result.output
    output = " ".join(result.output.split())
    assert any(words in output for words in ("contains", "web address", "longer than", "at most")), output
    assert chronology(engine, ref) == before
