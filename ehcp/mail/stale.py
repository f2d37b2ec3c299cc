"""Withdraw unsent messages a later fact has made untrue.

A notice queued while it was true can wait: for the relay (deferred) or, by post, for a
coordinator to print it. If in the meantime the fact it announces has moved on (the
family would read "we are considering your request" beside the decision itself), it is
withdrawn: never sent, kept on record as withdrawn. Only queued rows are touched, in one
conditional update, so a message already being sent is left to finish.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col

from ehcp.db import crud
from ehcp.db.models import Case, OutboundMessage, OutboxState
from ehcp.text import words
from ehcp.timesource import london_date

ACTOR = "system:request-flow"


def withdraw_stale(session: Session, *, case: Case, purposes: tuple[str, ...], now: datetime) -> list[str]:
    """Withdraw the case's queued messages of these purposes, each with a line in the
    chronology; returns "<purpose> to <role>" of each (roles only: it may reach Prefect)."""
    if not purposes:
        return []
    withdrawn = session.execute(
        update(OutboundMessage)
        .where(
            col(OutboundMessage.case_id) == case.id,
            col(OutboundMessage.purpose).in_(purposes),
            col(OutboundMessage.state) == OutboxState.QUEUED,
        )
        .values(state=OutboxState.WITHDRAWN)
        .returning(
            col(OutboundMessage.purpose), col(OutboundMessage.recipient_role), col(OutboundMessage.key)
        )
    ).all()
    for purpose, role, key in withdrawn:
        crud.record_event(
            session,
            case=case,
            kind="message_withdrawn",
            occurred_on=london_date(now),
            actor=ACTOR,
            now=now,
            summary=f"{words(purpose).capitalize()} to {role} withdrawn unsent: the decision is on record.",
            detail={"purpose": purpose, "recipient": role, "key": key},
        )
    session.commit()
    return [f"{purpose} to {role}" for purpose, role, _ in withdrawn]
