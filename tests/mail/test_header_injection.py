"""Text that reached the store with a line break cannot add an email header.

Every entry point refuses control characters (ehcp.safe_text), so these rows are planted
behind its back, as a bug or a hand edit of the database might: the message still cannot
grow a header, nor reach anyone it was not addressed to."""

from __future__ import annotations

import pytest
from sqlmodel import select

from ehcp.db.models import OutboundMessage
from tests.db.factories import PARENT_EMAIL
from tests.mail.rows import deliver, queue_one

INJECTED = "\r\nBcc: attacker@evil.example\r\nX-Injected: yes"


@pytest.mark.parametrize("field", ["subject", "recipient_address"])
def test_a_line_break_in_a_stored_header_value_adds_no_header_and_reaches_nobody_else(
    session, council, case, sink, field
):
    planted = queue_one(session, case)
    setattr(planted, field, getattr(planted, field) + INJECTED)
    session.add(planted)
    session.commit()

    deliver(session, council)

    for message in sink.messages:
        assert message["Bcc"] is None and message["X-Injected"] is None
    recipients = [address for envelope in sink.recipients for address in envelope]
    assert "attacker@evil.example" not in recipients
    assert set(recipients) <= {PARENT_EMAIL}


def test_one_poisoned_message_does_not_stop_the_others(session, council, case, sink):
    poisoned = queue_one(session, case)
    poisoned.subject += INJECTED
    session.add(poisoned)
    session.commit()
    healthy = queue_one(session, case, purpose="decision_to_assess")

    deliver(session, council)

    session.refresh(healthy)
    assert healthy.state == "sent"
    session.refresh(poisoned)
    assert poisoned.state != "sent"
    assert [
        row.key for row in session.exec(select(OutboundMessage).where(OutboundMessage.state == "sent"))
    ] == [healthy.key]
