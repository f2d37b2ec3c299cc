"""Outbox rows for the mail tests, queued the way a case's look queues them."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from sqlmodel import Session, select

from ehcp.council.config import Council
from ehcp.db import crud
from ehcp.db.models import Case, CaseEvent, Document, OutboundMessage
from ehcp.documents.store import draft
from ehcp.domain.planner import Message
from ehcp.mail.delivery import DeliveryReport, deliver_sync
from ehcp.mail.messages import Address
from ehcp.mail.outbox import queue
from ehcp.mail.transport import SmtpTransport
from ehcp.settings import get_settings
from ehcp.timesource import london_date
from tests.db.factories import PARENT_EMAIL

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
SEND_TEAM = "send.team@example-borough.gov.uk"


def queue_one(
    session: Session,
    case: Case,
    *,
    purpose: str = "acknowledgement",
    attach: tuple[str, ...] = (),
    due: date = date(2026, 2, 16),
) -> OutboundMessage:
    context = {
        "case_ref": case.ref,
        "council": "Example Borough Council",
        "send_team_email": SEND_TEAM,
        "received_on": date(2026, 1, 5),
        "decide_by": date(2026, 2, 16),
        "decide_issue_by": date(2026, 4, 27),
        "final_by": date(2026, 5, 25),
        "due_on": due,
    }
    assert queue(
        session,
        case=case,
        message=Message(purpose, "family:1", due, attach=attach),
        address=Address(PARENT_EMAIL, "Pat Example", "family"),
        context=context,
        domain="example-borough.gov.uk",
        now=NOW,
    )
    return session.exec(
        select(OutboundMessage).where(OutboundMessage.case_id == case.id).order_by(OutboundMessage.id.desc())
    ).first()


def draft_letter(
    session: Session, case: Case, council: Council, store: Path, kind: str = "acknowledgement_letter"
) -> Path:
    """Draft a document of `kind` for the case, as the case's look does (a real PDF)."""
    assert draft(
        session,
        case=case,
        kind=kind,
        council=council,
        timeline=crud.case_timeline(session, case=case, council=council, today=london_date(NOW)),
        store=store,
        now=NOW,
    )
    row = session.exec(select(Document).where(Document.case_id == case.id, Document.kind == kind)).one()
    return Path(row.storage_path)


def deliver(session: Session, council: Council, now: datetime = NOW, **kwargs) -> DeliveryReport:
    """One delivery pass against the SMTP server the environment names (EHC_SMTP_*)."""
    settings = get_settings()
    return deliver_sync(
        session, transport=SmtpTransport(settings), council=council, settings=settings, now=now, **kwargs
    )


def events(session: Session, kind: str) -> list[CaseEvent]:
    return list(session.exec(select(CaseEvent).where(CaseEvent.kind == kind).order_by(CaseEvent.id)))
