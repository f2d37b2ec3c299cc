"""Consent means something (issue 13). A family who said no at intake to their request
being shared with the professionals asked for advice: the Regs 4(2) notices still go (the
law requires them, and they carry none of the request's text), but nobody but the family
is asked for advice until a coordinator records what the council may share (Regs 6(2):
advisers "must" be given "copies of (or, if appropriate, extracts from)" the family's
representations). The decision is the coordinator's, in the chronology with its date and
their role; then the requests go. The statutory clock is not paused."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from ehcp.cli.main import app
from ehcp.db import crud
from ehcp.db.models import AdviceRequest, Document, OutboundMessage
from ehcp.errors import InvalidInput
from ehcp.runtime.case_runner import reconcile
from ehcp.settings import get_settings
from ehcp.views.run_status import state_message
from tests.db.factories import INTAKE_PROFESSIONAL_EMAIL, add_advice, decide, open_case_by_intake
from tests.support.documents import document_text
from tests.support.postgres import free_port

runner = CliRunner()
NO = {"share_with_professionals": False, "information_is_true": True}
PROFESSIONAL = {
    "role": "speech and language therapist",
    "organisation": "Example NHS Trust",
    "email": INTAKE_PROFESSIONAL_EMAIL,
}


def at(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=10)


def look(session, council, tmp_path, case, day: date):
    return reconcile(session, ref=case.ref, council=council, now=at(day), document_store=tmp_path / "docs")


def letter(session, tmp_path, kind: str) -> str:
    row = session.exec(select(Document).where(Document.kind == kind)).one()
    return " ".join(document_text(tmp_path / "docs" / row.storage_path).split())


def cli(monkeypatch, migrated_url, day: date, *args: str):
    monkeypatch.setenv("EHC_DATABASE_URL", migrated_url)
    monkeypatch.setenv("EHC_FROZEN_NOW", at(day).isoformat())
    monkeypatch.setenv("EHC_PREFECT_PORT", str(free_port()))  # nobody listens: the sweep would wake it
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    get_settings.cache_clear()
    return runner.invoke(app, list(args))


@pytest.fixture
def refused(session, council):
    return open_case_by_intake(
        session, council, now=at(date(2026, 1, 5)), consent=NO, professionals=[PROFESSIONAL]
    )


def test_without_consent_only_the_family_is_asked_until_the_coordinator_decides(
    session, council, tmp_path, monkeypatch, migrated_url, refused
):
    case = refused
    first = look(session, council, tmp_path, case, date(2026, 1, 5))
    # Regs 4(2): the notices go, and carry nothing of what the family wrote.
    notices = session.exec(
        select(OutboundMessage).where(OutboundMessage.purpose == "considering_notice")
    ).all()
    assert {row.recipient_role for row in notices} == {"notice:health", "notice:social_care", "setting"}
    notice = letter(session, tmp_path, "considering_notice_letter")
    assert "Testreason" not in notice and "Testneeds" not in notice
    # The coordinator is asked from the first day, first in the run's state message.
    assert first.waiting_for[0].startswith("the coordinator to record what of the family's request")
    assert state_message(first).startswith(
        "Waiting for the coordinator to record what of the family's request"
    )

    decide(session, council, case, decision="assess", now=at(date(2026, 2, 10)))
    assessing = look(session, council, tmp_path, case, date(2026, 2, 10))
    assert {row.key for row in session.exec(select(AdviceRequest))} == {"family"}
    sent_to = {row.recipient_role for row in session.exec(select(OutboundMessage))}
    assert not any(
        role.startswith("adviser:") and role != "adviser:parent_or_young_person" for role in sent_to
    )
    assert not session.exec(
        select(OutboundMessage).where(OutboundMessage.recipient_address == INTAKE_PROFESSIONAL_EMAIL)
    ).all()
    assert any("no one but the family is asked" in wait for wait in assessing.waiting_for)
    # The statutory clock runs on: 20 weeks from receipt (Regs 13(2)).
    assert assessing.timeline.limit("final_plan").due_on == date(2026, 5, 25)
    with pytest.raises(InvalidInput, match="ehcp advice share"):
        add_advice(session, council, case, email="ot@example.org", now=at(date(2026, 2, 11)))

    # "family-agreed" needs the day the coordinator spoke with the family.
    result = cli(monkeypatch, migrated_url, date(2026, 2, 12), "advice", "share", case.ref, "family-agreed")
    assert result.exit_code == 2 and "spoke_on" in result.output
    result = cli(
        monkeypatch,
        migrated_url,
        date(2026, 2, 12),
        *("advice", "share", case.ref, "family-agreed", "--spoke-on", "2026-02-11"),
    )
    assert result.exit_code == 0, result.output

    decided = look(session, council, tmp_path, case, date(2026, 2, 12))
    assert not any("family's request" in wait for wait in decided.waiting_for)
    asked = {row.key: row.requested_on for row in session.exec(select(AdviceRequest))}
    assert set(asked) == {"family", "setting", "health", "psychological", "social-care", "professional-1"}
    assert asked["health"] == date(2026, 2, 12)  # its 6 weeks (Regs 8(1)) from the day it was asked
    text = letter(session, tmp_path, "advice_request_letter:health")
    assert "Testreason" in text and "Testneeds" in text  # copies, as the family agreed (Regs 6(2))
    [event] = [e for e in crud.chronology(session, case=case) if e.kind == "share_decision_recorded"]
    assert event.actor == "coordinator:cli" and event.occurred_on == date(2026, 2, 12)
    assert "spoke with the family on 2026-02-11" in event.summary and "coordinator:cli" in event.summary


def test_there_is_nothing_to_decide_when_the_family_consented(session, council):
    from ehcp.domain.advice_plan import ShareDecision

    case = open_case_by_intake(session, council, now=at(date(2026, 1, 5)))
    with pytest.raises(InvalidInput, match="nothing to decide"):
        crud.record_share_decision(
            session,
            case=case,
            decision=ShareDecision.EXTRACTS_ONLY,
            spoke_on=None,
            council=council,
            now=at(date(2026, 1, 6)),
            actor="coordinator:test",
        )
