"""Turn one outbox row into an RFC 5322 message.

The Message-ID comes from the row (it derives from the outbox key), so every copy of
a message, however often a crashed worker re-sends it, is recognisably the same one.
Headers carry no personal data beyond To: From is the SEND team's shared inbox, the
Subject was written by the templates (reference and purpose, never a name), and the
Date is the injected clock's, so a composed message is a pure function of its inputs.

Headers are folded at 78 columns, as RFC 5322 asks, but never straight after the
header's name: Python's folder moves a value that fits a line of its own (most of our
subjects) to a continuation line, "Subject:" CRLF " We have received ...", which is
legal, yet parsers (Python's own, both policies) read the subject back with a leading
space. The header objects here fold the first word onto the name's line instead. The
fix is in the headers, not a policy, because aiosmtplib flattens every message with
its own (email.policy.SMTP).
"""

from __future__ import annotations

from datetime import datetime
from email.headerregistry import BaseHeader, HeaderRegistry
from email.message import EmailMessage
from email.policy import Policy, default
from email.utils import format_datetime, formataddr

from ehcp.council.config import Contact
from ehcp.db.models import OutboundMessage


class FirstWordOnTheNameLine(BaseHeader):
    """Every header of a composed message: folded as usual, but when the folder put the
    whole value on a continuation line ("Subject:" CRLF " value"), the value joins its
    name again ("Subject: value"): a line at most the name's length over 78, far below
    the 998 RFC 5322 allows."""

    def fold(self, *, policy: Policy) -> str:
        folded = super().fold(policy=policy)
        bare = f"{self.name}:{policy.linesep}"
        if folded.startswith(bare) and folded[len(bare) : len(bare) + 1] in (" ", "\t"):
            return f"{self.name}: {folded[len(bare) + 1 :]}"
        return folded


POLICY = default.clone(header_factory=HeaderRegistry(base_class=FirstWordOnTheNameLine))


def compose(
    row: OutboundMessage,
    *,
    sender: Contact,
    attachments: list[tuple[str, str, bytes]],
    now: datetime,
) -> EmailMessage:
    """Plain text, an HTML alternative when the row has one, then the attachments,
    each (file name, media type, content)."""
    message = EmailMessage(policy=POLICY)
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


def compose_report(
    *,
    to: str,
    subject: str,
    message_id: str,
    text: str,
    html: str | None,
    sender: Contact,
    attachments: list[tuple[str, str, bytes]],
    now: datetime,
) -> EmailMessage:
    """A report to the council's managers (ehcp.mail.reports), built as `compose` builds a
    case's message: the same headers and folding, text, HTML, then the attachments."""
    message = EmailMessage(policy=POLICY)
    message["From"] = formataddr((sender.organisation, str(sender.email)))
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = message_id
    message["Date"] = format_datetime(now)
    message.set_content(text)
    if html:
        message.add_alternative(html, subtype="html")
    for name, media_type, content in attachments:
        maintype, _, subtype = media_type.partition("/")
        message.add_attachment(content, maintype=maintype, subtype=subtype or "octet-stream", filename=name)
    return message
