"""Queue messages in the outbox: one row per message key, so nothing is sent twice.

The key is (case, purpose, recipient, due date[, what it is about, ladder day]);
the SMTP Message-ID derives from it and carries no personal data. Rows are
queued with their final text and HTML; ehcp.mail.delivery sends them.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from ehcp.db.models import Case, OutboundMessage, id_of
from ehcp.domain.planner import Message
from ehcp.mail.messages import Address
from ehcp.rendering import render_email, render_email_html


def message_id(key: str, domain: str) -> str:
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:40]}@{domain}>"


def queued_keys(session: Session, *, case: Case) -> frozenset[str]:
    return frozenset(session.exec(select(OutboundMessage.key).where(OutboundMessage.case_id == case.id)))


def queue(
    session: Session,
    *,
    case: Case,
    message: Message,
    address: Address,
    context: dict,
    domain: str,
    now: datetime,
) -> bool:
    """Queue one message; False if its key was queued before (by us or a concurrent run)."""
    key = message.key(case.ref)
    context = {**context, "recipient_name": address.name}
    subject, body = render_email(message.purpose, context)
    html = render_email_html(message.purpose, context, subject=subject, text=body)
    session.add(
        OutboundMessage(
            key=key,
            case_id=id_of(case),
            purpose=message.purpose,
            recipient_role=address.role,
            recipient_address=address.email,
            due_on=message.due_on,
            subject=subject,
            body_text=body,
            body_html=html,
            attach_document=",".join(message.attach) or None,
            smtp_message_id=message_id(key, domain),
            queued_at=now,
        )
    )
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        return False
    return True
