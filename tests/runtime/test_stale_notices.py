"""Notices a later fact has made untrue are not sent (Regs 4 and 5 SEND Regulations 2014).

While the council considers whether to assess it tells the family and the Regs 4(2)
bodies so; once the decision is on record, "we are considering" is no longer true, and
the decision letter (Regs 5(1)-(2)) tells them instead.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import select

from ehcp.db import crud
from ehcp.db.models import OutboundMessage, OutboxState
from ehcp.mail import post_tray
from ehcp.runtime.case_runner import reconcile
from tests.db.factories import decide, open_case, send_queued


def at(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=10)


def look(session, council, tmp_path, day: date):
    return reconcile(
        session, ref="EHC-2026-000001", council=council, now=at(day), document_store=tmp_path / "docs"
    )


def rows(session) -> Counter:
    return Counter((m.purpose, m.recipient_role, m.state) for m in session.exec(select(OutboundMessage)))


def test_a_case_entered_with_its_decision_made_sends_the_decision_and_no_considering_notice(
    session, council, tmp_path
):
    case = open_case(session, council, now=at(date(2026, 1, 5)), setting_email="head@example.sch.uk")
    decide(session, council, case, decision="assess", now=at(date(2026, 1, 5)), on=date(2026, 1, 5))

    look(session, council, tmp_path, date(2026, 1, 5))

    purposes = {purpose for purpose, _, _ in rows(session)}
    assert "decision_to_assess" in purposes
    assert not purposes & {"acknowledgement", "considering_notice"}


def test_a_considering_notice_waiting_in_the_post_tray_is_withdrawn_when_the_decision_is_made(
    session, council, tmp_path
):
    # The setting has no email address: its notice waits in the post tray to be printed.
    case = open_case(session, council, now=at(date(2026, 1, 5)), setting_email=None)
    look(session, council, tmp_path, date(2026, 1, 5))
    send_queued(session, case, on=date(2026, 1, 5))  # the emails went out that morning
    assert ("considering_notice", "setting", OutboxState.QUEUED) in rows(session)
    assert "considering notice to setting" in post_tray.awaiting_post(session, case_id=case.id)

    decide(session, council, case, decision="not_assess", now=at(date(2026, 1, 9)), on=date(2026, 1, 9))
    later = look(session, council, tmp_path, date(2026, 1, 9))

    assert rows(session)[("considering_notice", "setting", OutboxState.WITHDRAWN)] == 1
    assert "considering notice to setting" not in post_tray.awaiting_post(session, case_id=case.id)
    assert "withdrew considering_notice to setting" in later.did
    # What went already stays sent; the decision goes by post in its place.
    assert rows(session)[("considering_notice", "notice:health", OutboxState.SENT)] == 1
    assert rows(session)[("acknowledgement", "family", OutboxState.SENT)] == 1
    assert ("decision_not_to_assess", "setting", OutboxState.QUEUED) in rows(session)
    events = [event for event in crud.chronology(session, case=case) if event.kind == "message_withdrawn"]
    assert [event.occurred_on for event in events] == [date(2026, 1, 9)]


@pytest.mark.parametrize("state", [OutboxState.SENT, OutboxState.SENDING])
def test_a_notice_already_sent_or_being_sent_is_left_as_it_is(session, council, tmp_path, state):
    case = open_case(session, council, now=at(date(2026, 1, 5)), setting_email=None)
    look(session, council, tmp_path, date(2026, 1, 5))
    notice = session.exec(
        select(OutboundMessage).where(
            OutboundMessage.purpose == "considering_notice", OutboundMessage.recipient_role == "setting"
        )
    ).one()
    notice.state = state
    session.add(notice)
    session.commit()

    decide(session, council, case, decision="assess", now=at(date(2026, 1, 9)), on=date(2026, 1, 9))
    look(session, council, tmp_path, date(2026, 1, 9))

    session.refresh(notice)
    assert notice.state == state
