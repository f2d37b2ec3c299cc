"""The weekly report by email: queued once per week and recipient, then sent once.

`queue_weekly_report` writes one `report_message` row per recipient of
`Council.weekly_report_to`, keyed `weekly-report:<ISO week>:<address>` (unique), with its
final text, HTML and the chart (PNG): a second run in the same week finds the keys taken
and queues nothing. `deliver_reports` sends the due rows as ehcp.mail.delivery sends a
case's: a compare-and-set claim (queued -> sending) before any SMTP is spoken, transient
failures retried then deferred, a permanent refusal marked failed and never retried. The
Message-ID derives from the key, so a copy re-sent after a worker died between the relay's
"250" and the commit is recognisably the same message.

These rows are about no case: nothing here writes a case's chronology or wakes a run.
Nothing logged or returned carries an address: keys stay in the database; counts leave.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from email.message import EmailMessage
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from ehcp.council.config import Contact, Council
from ehcp.db.models import OutboxState, ReportMessage
from ehcp.mail.claims import claim, queued_or_stale
from ehcp.mail.compose import compose_report
from ehcp.mail.delivery import DEFER_MAX, DEFER_STEP, DeliveryCounts, send_with_retries
from ehcp.mail.outbox import message_id
from ehcp.mail.transport import PermanentSendError, TransientSendError, Transport
from ehcp.rendering import email_blocks, email_environment
from ehcp.settings import Settings

log = logging.getLogger("ehcp.mail.reports")

WEEKLY_REPORT = "weekly-report"
TEMPLATE = "reports/weekly_report.txt"
CHART_NAME = "weekly-report-{week}.png"


def weekly_key(week: str, address: str) -> str:
    return f"{WEEKLY_REPORT}:{week}:{address.strip().lower()}"


def render(context: dict[str, Any]) -> tuple[str, str, str]:
    """Subject, plain text and HTML of the report's email. The wording is the .txt's alone;
    the HTML is its blocks in the emails' shared layout (ehcp.rendering.email_blocks)."""
    env = email_environment()
    first, _, body = env.get_template(TEMPLATE).render(context).partition("\n")
    if not first.startswith("Subject: "):
        raise ValueError(f"templates/{TEMPLATE} must start with a 'Subject: ' line")
    subject, text = first.removeprefix("Subject: ").strip(), body.lstrip("\n")
    html = env.get_template("email/_layout.html").render(
        subject=subject, blocks=email_blocks(text), links=frozenset()
    )
    return subject, text, html


def queue_weekly_report(
    session: Session,
    *,
    week: str,
    recipients: tuple[Contact, ...],
    context: dict[str, Any],
    chart: bytes,
    domain: str,
    now: datetime,
) -> int:
    """One row per recipient not yet queued for `week`; how many were queued now."""
    queued = 0
    for contact in recipients:
        address = str(contact.email)
        key = weekly_key(week, address)
        if session.exec(select(ReportMessage.id).where(ReportMessage.key == key)).first() is not None:
            continue
        subject, text, html = render({**context, "recipient_name": contact.organisation})
        session.add(
            ReportMessage(
                key=key,
                report=WEEKLY_REPORT,
                period=week,
                recipient_address=address,
                subject=subject,
                body_text=text,
                body_html=html,
                attachment_name=CHART_NAME.format(week=week),
                attachment_media_type="image/png",
                attachment=chart,
                smtp_message_id=message_id(key, domain),
                queued_at=now,
            )
        )
        try:
            session.commit()
        except IntegrityError:  # a concurrent run queued it first
            session.rollback()
            continue
        queued += 1
    return queued


def due(session: Session, *, now: datetime, settings: Settings) -> list[ReportMessage]:
    query = select(ReportMessage).where(queued_or_stale(ReportMessage, now=now, settings=settings))
    return list(session.exec(query.order_by(col(ReportMessage.id))))


async def deliver_reports(
    session: Session, *, transport: Transport, council: Council, settings: Settings, now: datetime
) -> DeliveryCounts:
    """Send every due report email, one at a time; how many were sent, deferred and failed."""
    sent = deferred = failed = 0
    for row in due(session, now=now, settings=settings):
        message = _message(row, council=council, now=now)
        still_due = queued_or_stale(ReportMessage, now=now, settings=settings)
        if not claim(session, ReportMessage, row=row, due=still_due, now=now):
            continue  # another deliverer took it first
        try:
            await send_with_retries(transport, message, settings=settings)
        except TransientSendError as error:
            row.state, row.last_error = OutboxState.QUEUED, str(error)
            row.next_attempt_at = now + min(DEFER_STEP * max(row.attempts, 1), DEFER_MAX)
            deferred += 1
            log.warning("a report email (row %s) deferred: %s", row.id, error)
        except PermanentSendError as error:
            row.state, row.failed_at, row.last_error = OutboxState.FAILED, now, str(error)
            failed += 1
            log.warning("a report email (row %s) failed for good: %s", row.id, error.code)
        else:
            row.state, row.sent_at, row.last_error, row.next_attempt_at = OutboxState.SENT, now, None, None
            sent += 1
        session.add(row)
        session.commit()
    return DeliveryCounts(sent=sent, deferred=deferred, failed=failed)


def deliver_reports_sync(
    session: Session, *, transport: Transport, council: Council, settings: Settings, now: datetime
) -> DeliveryCounts:
    """`deliver_reports` for synchronous callers (Prefect tasks, the CLI)."""
    return asyncio.run(
        deliver_reports(session, transport=transport, council=council, settings=settings, now=now)
    )


def _message(row: ReportMessage, *, council: Council, now: datetime) -> EmailMessage:
    attachments = []
    if row.attachment is not None and row.attachment_name and row.attachment_media_type:
        attachments.append((row.attachment_name, row.attachment_media_type, row.attachment))
    return compose_report(
        to=row.recipient_address,
        subject=row.subject,
        message_id=row.smtp_message_id,
        text=row.body_text,
        html=row.body_html,
        sender=council.send_team,
        attachments=attachments,
        now=now,
    )
