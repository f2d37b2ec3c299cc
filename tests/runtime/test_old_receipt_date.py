"""A request that arrives more than 4 weeks after the date it says the council received it
opens normally, its limits counted from that date, and the coordinator is shown a flag to
confirm the date of receipt: every statutory limit runs from it (Regs 5(1): 6 weeks to
decide whether to assess; Regs 13(2): 20 weeks to the final plan)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import typer
from typer.testing import CliRunner

from ehcp.cli import cases
from ehcp.db import crud
from ehcp.runtime.case_runner import reconcile
from ehcp.settings import get_settings
from ehcp.views.run_status import state_message
from tests.db.factories import open_case_by_intake
from tests.support.postgres import free_port

RECEIVED = date(2026, 1, 5)


def at(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=10)


def look(session, council, tmp_path, case, day: date):
    return reconcile(session, ref=case.ref, council=council, now=at(day), document_store=tmp_path / "docs")


def flagged(look_result) -> bool:
    return any("confirm the date of receipt" in wait for wait in look_result.waiting_for)


@pytest.mark.parametrize(("days", "flag"), [(0, False), (28, False), (29, True), (55, True)])
def test_a_date_of_receipt_more_than_4_weeks_before_arrival_is_flagged(
    session, council, tmp_path, days, flag
):
    arrived = RECEIVED + timedelta(days=days)
    case = open_case_by_intake(session, council, now=at(arrived))
    result = look(session, council, tmp_path, case, arrived)
    assert flagged(result) is flag
    # It opens normally, every limit counted from the date given.
    assert result.timeline.limit("decision_to_assess").due_on == date(2026, 2, 16)
    assert result.timeline.limit("final_plan").due_on == date(2026, 5, 25)
    events = [e for e in crud.chronology(session, case=case) if e.kind == "received_on_to_confirm"]
    assert len(events) == int(flag)
    if flag:
        assert result.waiting_for[0].startswith("the coordinator to confirm the date of receipt (2026-01-05")
        assert state_message(result).startswith("Waiting for the coordinator to confirm the date of receipt")
        assert "Regs 5(1), 13(2)" in events[0].summary


def test_the_coordinator_confirms_or_corrects_the_date(session, council, tmp_path, monkeypatch, migrated_url):
    arrived = date(2026, 3, 2)
    case = open_case_by_intake(session, council, now=at(arrived))
    assert flagged(look(session, council, tmp_path, case, arrived))

    command = typer.Typer()
    command.command()(cases.confirm_received)
    monkeypatch.setenv("EHC_DATABASE_URL", migrated_url)
    monkeypatch.setenv("EHC_FROZEN_NOW", at(arrived).isoformat())
    monkeypatch.setenv("EHC_PREFECT_PORT", str(free_port()))
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    get_settings.cache_clear()
    result = CliRunner().invoke(command, [case.ref, "--on", "2026-01-12"])
    assert result.exit_code == 0, result.output

    confirmed = look(session, council, tmp_path, case, arrived)
    assert not flagged(confirmed)
    assert confirmed.timeline.limit("decision_to_assess").due_on == date(2026, 2, 23)
    session.refresh(case)
    assert (case.received_on, case.decide_to_assess_by, case.final_plan_by) == (
        date(2026, 1, 12),
        date(2026, 2, 23),
        date(2026, 6, 1),
    )
    [event] = [e for e in crud.chronology(session, case=case) if e.kind == "received_on_confirmed"]
    assert event.actor == "coordinator:cli" and "corrected" in event.summary
    again = CliRunner().invoke(command, [case.ref])
    assert again.exit_code == 2 and "already confirmed" in again.output
