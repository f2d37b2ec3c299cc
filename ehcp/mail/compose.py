"""Turn one outbox row into an RFC 5322 message.

The Message-ID comes from the row (it derives from the outbox key), so every copy of
a message, however often a crashed worker re-sends it, is recognisably the same one.
Headers carry no personal data beyond To: From is the SEND team's shared inbox, the
Subject was written by the templates (reference and purpose, never a name), and the
Date is the injected clock's, so a composed message is a pure function of its inputs.
"""

from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr

from ehcp.council.config import Contact
from ehcp.db.models import OutboundMessage


def compose(
    row: OutboundMessage,
    *,
    sender: Contact,
    attachments: list[tuple[str, str, bytes]],
    now: datetime,
) -> EmailMessage:
    """Plain text, an HTML alternative when the row has one, then the attachments,
    each (file name, media type, content)."""
    message = EmailMessage()
    message["From"] = formataddr((sender.organisation, str(sender.email)))
    message["To"] = row.recipient_address
    message["Subject"] = row.subject
    message["Message-ID"] = row.smtp_message_id
    message["Date"] = format_datetime(now)
    message.set_content(row.body_text)
    if row.body_html:
        message.add_alternative(row.body_html, subtype="html")
    for name, media_type, content in attachments:
        maintype, _, subtype = media_type.partition("/")
        message.add_attachment(content, maintype=maintype, subtype=subtype or "octet-stream", filename=name)
    return message
