"""An open case imported with `ehcp import` gets its run at once from the real Prefect
stack, and its run sends only what is due from the day of import: never the letters its
history already sent."""

from __future__ import annotations

from sqlmodel import select
from typer.testing import CliRunner

from ehcp.cli.main import app
from ehcp.db.engine import database
from ehcp.db.models import Case, OutboundMessage
from tests.imports.files import csv_text, open_assessing

runner = CliRunner()


def test_an_imported_open_case_starts_its_run_and_sends_no_letter_twice(system, tmp_path):
    from ehcp import timesource

    today = timesource.london_date(timesource.now())
    row = open_assessing(
        "FLOW-IMPORT-1",
        received_date=str(today.replace(day=1) if today.day > 1 else today),
        decision_to_assess_date=str(today),
        advice_health_requested=str(today),
    )
    path = tmp_path / "caseload.csv"
    path.write_text(csv_text([row]), encoding="utf-8")
    result = runner.invoke(app, ["import", str(path)])
    assert result.exit_code == 0, result.output
    assert "Runs started for 1 open case(s)." in " ".join(result.output.split())
    with database() as session:
        case = session.exec(select(Case).where(Case.imported_ref == "FLOW-IMPORT-1")).one()
    assert case.flow_run_id is not None
    settled = system.settled(case.ref)
    assert settled.stage == "assessing"
    with database() as session:
        rows = session.exec(select(OutboundMessage).where(OutboundMessage.case_id == case.id)).all()
    by_purpose: dict[str, list[OutboundMessage]] = {}
    for item in rows:
        by_purpose.setdefault(item.purpose, []).append(item)
    # The decision letter of the history: recorded as sent on its day, never queued again.
    assert {item.state for item in by_purpose["decision_to_assess"]} == {"sent"}
    assert all(
        item.subject == "Sent before this case was imported" for item in by_purpose["decision_to_assess"]
    )
    assert "acknowledgement" not in by_purpose
    # Health was asked before the import; the rest is asked by the run, once each.
    requests = [
        item for item in by_purpose["advice_request"] if item.subject != "Sent before this case was imported"
    ]
    assert sorted(item.recipient_role for item in requests) == [
        "adviser:educational",
        "adviser:parent_or_young_person",
        "adviser:psychological",
        "adviser:social_care",
    ]
