"""An open case arrives at its stage, its history marked as already sent: its run's first
look sends only what is due from the day of import."""

from __future__ import annotations

import io
from datetime import date

from sqlmodel import select

from ehcp.db import crud
from ehcp.db.models import Case, Decision, OutboundMessage, OutboxState
from ehcp.imports.run import import_rows
from ehcp.runtime.case_runner import reconcile
from tests.imports.files import NOW, csv_text, open_assessing


def imported(session, council, row) -> Case:
    outcome = import_rows(io.StringIO(csv_text([row])), session=session, council=council, now=NOW)
    assert outcome.imported_open == 1, outcome.rejects
    return session.exec(select(Case).where(Case.imported_ref == row["reference"])).one()


def queued(session, case) -> list[OutboundMessage]:
    return list(session.exec(select(OutboundMessage).where(OutboundMessage.case_id == case.id)))


def test_an_open_case_arrives_at_its_stage_due_a_look_with_its_decisions_recorded(session, council):
    case = imported(session, council, open_assessing("OPEN-1", advice_health_requested="2026-05-12"))
    assert (case.stage, case.wake_at, case.closed_on, case.flow_run_id) == ("assessing", NOW, None, None)
    decision = session.exec(select(Decision).where(Decision.case_id == case.id)).one()
    assert (decision.kind, decision.outcome, decision.decided_on, decision.recorded_by) == (
        "assessment",
        "assess",
        date(2026, 5, 10),
        "import",
    )
    facts = crud.case_facts(session, case=case)
    # The decision reached the family on its day: the 6-week limit is met, not breached.
    assert facts.decision_to_assess is not None and facts.decision_to_assess.notified_on == date(2026, 5, 10)
    assert [(a.key, a.requested_on) for a in facts.advice] == [("health", date(2026, 5, 12))]
    assert council.timeline(facts, today=date(2026, 6, 1)).limit("decision_to_assess").state == "met"


def test_an_imported_case_at_assessing_sends_no_acknowledgement_or_decision_letter_again(
    session, council, tmp_path
):
    case = imported(session, council, open_assessing("OPEN-2", advice_health_requested="2026-05-12"))
    before = {row.key for row in queued(session, case)}
    look = reconcile(session, ref=case.ref, council=council, now=NOW, document_store=tmp_path)
    new = [row for row in queued(session, case) if row.key not in before]
    purposes = {row.purpose for row in new}
    assert not purposes & {"acknowledgement", "considering_notice", "decision_to_assess"}
    # What is due from now: advice not yet sought; health, asked before the import, is not asked again.
    assert {(row.purpose, row.recipient_role) for row in new} == {
        ("advice_request", "adviser:parent_or_young_person"),
        ("advice_request", "adviser:educational"),
        ("advice_request", "adviser:psychological"),
        ("advice_request", "adviser:social_care"),
    }
    assert all(row.state == OutboxState.QUEUED for row in new)
    assert look.stage == "assessing"


def test_a_considering_case_is_not_acknowledged_again(session, council, tmp_path):
    row = open_assessing("OPEN-3", received_date="2026-05-18", decision_to_assess_date="", assess="")
    case = imported(session, council, row)
    assert case.stage == "considering"
    history = {row.purpose: row for row in queued(session, case)}
    assert history["acknowledgement"].state == OutboxState.SENT
    assert history["acknowledgement"].sent_at is not None
    before = {row.key for row in queued(session, case)}
    reconcile(session, ref=case.ref, council=council, now=NOW, document_store=tmp_path)
    assert [row.purpose for row in queued(session, case) if row.key not in before] == []


def test_a_breach_before_the_import_is_not_alerted_late(session, council, tmp_path):
    """Received 6 April, decided 10 May... but another case, still considering past its
    6 weeks: the manager's breach alert belongs to the day before the import."""
    row = open_assessing("OPEN-4", decision_to_assess_date="", assess="")
    case = imported(session, council, row)
    reconcile(session, ref=case.ref, council=council, now=NOW, document_store=tmp_path)
    alerts = [row for row in queued(session, case) if row.purpose == "limit_breached"]
    assert alerts and all(row.state == OutboxState.WITHDRAWN for row in alerts)
