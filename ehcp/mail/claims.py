"""Which rows of an outbox are due, and claiming one before it is sent: the one rule both
outboxes follow (a case's messages, `outbound_message`; the managers' reports,
`report_message`).

A sender claims a row (queued -> sending) before talking SMTP. A claim older than
EHC_SMTP_CLAIM_STALE_SECONDS belongs to a dead worker and may be taken again; the resend
carries the same Message-ID, so the copy is recognisably the same message.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, or_, update
from sqlmodel import Session, col

from ehcp.db.engine import rows_updated
from ehcp.db.models import OutboundMessage, OutboxState, ReportMessage
from ehcp.settings import Settings

Outbox = type[OutboundMessage] | type[ReportMessage]


def queued_or_stale(table: Outbox, *, now: datetime, settings: Settings) -> ColumnElement[bool]:
    """Queued and due, or claimed by a worker that has since died."""
    stale = now - timedelta(seconds=settings.smtp_claim_stale_seconds)
    return or_(
        and_(
            col(table.state) == OutboxState.QUEUED,
            or_(col(table.next_attempt_at).is_(None), col(table.next_attempt_at) <= now),
        ),
        and_(col(table.state) == OutboxState.SENDING, col(table.claimed_at) < stale),
    )


def claim(
    session: Session,
    table: Outbox,
    *,
    row: OutboundMessage | ReportMessage,
    due: ColumnElement[bool],
    now: datetime,
) -> bool:
    """Take the row if it is still `due`. The condition is checked by the UPDATE itself, not
    against the row as this session last saw it: after any commit the session reloads rows
    lazily, and would then "see" another worker's fresh claim as the state to replace."""
    claimed = rows_updated(
        session,
        update(table)
        .where(col(table.id) == row.id, due)
        .values(state=OutboxState.SENDING, claimed_at=now, attempts=col(table.attempts) + 1)
        .execution_options(synchronize_session=False),
    )
    session.commit()
    session.refresh(row)
    return claimed == 1
