"""Queue messages in the outbox: one row per message key, so nothing is sent twice.

The key is (case, purpose, recipient, due date[, what it is about, ladder day]);
the SMTP Message-ID derives from it and carries no personal data. Rows are
queued with their final text and HTML; ehcp.mail.delivery sends them.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from ehcp.db.models import Case, OutboundMessage, id_of
from ehcp.domain.planner import Message
from ehcp.mail.messages import Address
from ehcp.rendering import render_email, render_email_html
from ehcp.timesource import london_date

# The council's own people: the family's contact needs are added to what they read.
STAFF_ROLES = ("send_team", "officer:", "contact:", "manager:")


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
    context = {
        **context,
        "recipient_name": address.name,
        "recipient_role": address.role,
        "by_post": address.by_post,
    }
    if message.purpose == "draft_plan":
        # The family's 15 days begin with the day the draft reaches them (Regs 13(1)(a)):
        # an email goes today, so it can name the last day; a letter's posting day is not
        # known yet, so it says "15 days beginning with the day you receive it".
        context["due_on"] = None if address.by_post else london_date(now) + timedelta(days=14)
    subject, body = render_email(message.purpose, context)
    needs = context.get("family_contact_needs")
    if needs and address.role.startswith(STAFF_ROLES):
        # Whoever acts on the case must see, in every message about it, how to reach the family.
        body += f"\n\nThe family's contact needs: {needs}.\n"
    html = render_email_html(message.purpose, context, subject=subject, text=body)
    session.add(
        OutboundMessage(
            key=key,
            case_id=id_of(case),
            purpose=message.purpose,
            recipient_role=address.role,
            channel=address.channel,
            recipient_address=address.email if not address.by_post else address.name[:320],
            postal_address=address.postal_address,
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
