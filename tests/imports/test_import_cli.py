"""`ehcp import` on the command line: the summary, the rejects file, the exit status."""

from __future__ import annotations

import csv

import pytest
import typer
from sqlmodel import func, select
from typer.testing import CliRunner

from ehcp.cli.imports import import_caseload
from ehcp.db.engine import session_for
from ehcp.db.models import Case
from ehcp.settings import get_settings
from tests.imports.files import closed, csv_text, open_assessing

runner = CliRunner()
app = typer.Typer()
app.command("import")(import_caseload)
app.command("other")(lambda: None)


@pytest.fixture
def store(migrated_url, engine, monkeypatch):
    monkeypatch.setenv("EHC_DATABASE_URL", migrated_url)
    monkeypatch.setenv("EHC_FROZEN_NOW", "2026-06-01T09:00:00+00:00")
    get_settings.cache_clear()
    return engine


def cases(engine) -> int:
    with session_for(engine) as session:
        return session.exec(select(func.count()).select_from(Case)).one()


def test_rejected_rows_are_listed_in_a_rejects_file_without_their_values_and_exit_1(store, tmp_path):
    path = tmp_path / "caseload.csv"
    bad = open_assessing("BAD-1", contact_email="secret-word@@example")
    path.write_text(csv_text([closed("OK-1"), bad, closed("OK-2", assess="perhaps")]), encoding="utf-8")
    result = runner.invoke(app, ["import", str(path), "--no-start"])
    assert result.exit_code == 1, result.output
    assert "imported 1 closed and 0 open case(s); 0 already imported; 2 row(s) rejected" in " ".join(
        result.output.split()
    )
    with (tmp_path / "caseload.rejects.csv").open(encoding="utf-8", newline="") as stream:
        rows = list(csv.DictReader(stream))
    assert [(row["line"], row["reference"], row["column"]) for row in rows] == [
        ("3", "BAD-1", "contact_email"),
        ("4", "OK-2", "assess"),
    ]
    assert "secret" not in result.output and "secret" not in (tmp_path / "caseload.rejects.csv").read_text()
    assert cases(store) == 1


def test_a_clean_file_exits_0_and_removes_an_old_rejects_file(store, tmp_path):
    path = tmp_path / "caseload.csv"
    (tmp_path / "caseload.rejects.csv").write_text("line,reference,column,reason\n", encoding="utf-8")
    path.write_text(csv_text([closed("OK-1")]), encoding="utf-8")
    result = runner.invoke(app, ["import", str(path), "--no-start"])
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "caseload.rejects.csv").exists()


def test_check_writes_nothing(store, tmp_path):
    path = tmp_path / "caseload.csv"
    path.write_text(csv_text([closed("OK-1"), open_assessing("OK-2")]), encoding="utf-8")
    result = runner.invoke(app, ["import", "--check", str(path)])
    assert result.exit_code == 0, result.output
    assert "would import 1 closed and 1 open" in " ".join(result.output.split())
    assert cases(store) == 0


def test_a_file_with_an_unknown_column_exits_2_and_imports_nothing(store, tmp_path):
    path = tmp_path / "caseload.csv"
    path.write_text(csv_text([], header=["reference", "nhs_number"]), encoding="utf-8")
    result = runner.invoke(app, ["import", str(path)])
    assert result.exit_code == 2
    assert "unknown column(s): nhs_number" in " ".join(result.output.split())
    assert cases(store) == 0


def test_the_example_file_imports(store, tmp_path):
    from ehcp.settings import PROJECT_ROOT

    result = runner.invoke(app, ["import", "--check", str(PROJECT_ROOT / "examples" / "import-caseload.csv")])
    assert result.exit_code == 0, result.output
    assert "0 row(s) rejected" in " ".join(result.output.split())
