"""Send the outbox: claim each due row, send it, record what happened.

Exactly one copy: a row is claimed (queued -> sending) by a compare-and-set
UPDATE before any SMTP is spoken, so two deliverers (a case's run and the sweep)
never both send it, and a sent row is never sent again. The one gap no outbox can
close is a worker dying after the relay accepted a message but before the row is
marked sent: once that claim is older than EHC_SMTP_CLAIM_STALE_SECONDS the row is
sent again, with the same Message-ID (it derives from the outbox key), so the copy
is recognisably the same message; the local development server keeps one file per
Message-ID. On the wire this is at-least-once, deduplicable by Message-ID.

Transient failures (4xx, connection trouble) are retried with backoff inside one
pass (tenacity), then the row goes back to the queue with a later next_attempt_at
for the sweep's delivery. A permanent failure (5xx) marks the row failed, writes
the chronology, and sets the case's wake_at so its run looks again and tells the
coordinator (the planner queues that alert from the failed row).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import and_, or_, update
from sqlmodel import Session, select
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from ehcp.council.config import Council
from ehcp.db import crud
from ehcp.db.models import Case, Document, OutboundMessage
from ehcp.mail.compose import compose
from ehcp.mail.transport import PermanentSendError, TransientSendError, Transport
from ehcp.settings import Settings

ACTOR = "system:mail"
DEFER_STEP = timedelta(minutes=15)
DEFER_MAX = timedelta(hours=6)


@dataclass
class DeliveryReport:
    sent: list[str] = field(default_factory=list)  # outbox keys
    deferred: list[str] = field(default_factory=list)  # transient failure: queued for later
    failed: list[str] = field(default_factory=list)  # permanent failure
    waiting: list[str] = field(default_factory=list)  # its attachment is not drafted yet


def _is_due(*, now: datetime, settings: Settings):
    """Queued and due, or claimed by a worker that has since died."""
    stale = now - timedelta(seconds=settings.smtp_claim_stale_seconds)
    return or_(
        and_(
            OutboundMessage.state == "queued",
            or_(OutboundMessage.next_attempt_at.is_(None), OutboundMessage.next_attempt_at <= now),
        ),
        and_(OutboundMessage.state == "sending", OutboundMessage.claimed_at < stale),
    )


def due_rows(session: Session, *, now: datetime, settings: Settings, case_id: int | None, limit: int):
    query = select(OutboundMessage).where(_is_due(now=now, settings=settings))
    if case_id is not None:
        query = query.where(OutboundMessage.case_id == case_id)
    return list(session.exec(query.order_by(OutboundMessage.id).limit(limit)))


async def deliver(
    session: Session,
    *,
    transport: Transport,
    council: Council,
    settings: Settings,
    now: datetime,
    case_id: int | None = None,
    limit: int = 200,
) -> DeliveryReport:
    report = DeliveryReport()
    for row in due_rows(session, now=now, settings=settings, case_id=case_id, limit=limit):
        attachments = _attachments(session, row)
        if attachments is None:
            report.waiting.append(row.key)
            continue
        if not _claim(session, row, now, settings):
            continue  # another deliverer has it
        message = compose(row, sender=council.send_team, attachments=attachments, now=now)
        try:
            async for attempt in AsyncRetrying(
                retry=retry_if_exception_type(TransientSendError),
                stop=stop_after_attempt(settings.smtp_attempts),
                wait=wait_exponential(
                    multiplier=settings.smtp_retry_wait_seconds, max=settings.smtp_retry_wait_max_seconds
                ),
                reraise=True,
            ):
                with attempt:
                    await transport.send(message)
        except TransientSendError as error:
            _deferred(session, row, now, str(error))
            report.deferred.append(row.key)
        except PermanentSendError as error:
            _failed(session, row, now, str(error))
            report.failed.append(row.key)
        else:
            _sent(session, row, now)
            report.sent.append(row.key)
    return report


def deliver_sync(session: Session, **kwargs) -> DeliveryReport:
    """`deliver` for synchronous callers (Prefect tasks, the CLI)."""
    return asyncio.run(deliver(session, **kwargs))


def _attachments(session: Session, row: OutboundMessage) -> list[tuple[str, str, bytes]] | None:
    """The row's attachment, or None while the document it names is not drafted yet
    (it is drafted in the same look, so this is a moment's wait, never a silent omission)."""
    if row.attach_document is None:
        return []
    document = session.exec(
        select(Document).where(Document.case_id == row.case_id, Document.kind == row.attach_document)
    ).first()
    if document is None:
        return None
    path = Path(document.storage_path)
    return [(path.name, document.media_type, path.read_bytes())]


def _claim(session: Session, row: OutboundMessage, now: datetime, settings: Settings) -> bool:
    """Take the row if it is still due. The condition is checked by the UPDATE itself, not
    against the row as this session last saw it: after any commit the session reloads rows
    lazily, and would then "see" another worker's fresh claim as the state to replace."""
    claimed = session.execute(
        update(OutboundMessage)
        .where(OutboundMessage.id == row.id, _is_due(now=now, settings=settings))
        .values(state="sending", claimed_at=now, attempts=OutboundMessage.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    session.refresh(row)
    return claimed.rowcount == 1


def _sent(session: Session, row: OutboundMessage, now: datetime) -> None:
    row.state, row.sent_at, row.last_error = "sent", now, None
    session.add(row)
    crud.record_event(
        session,
        case=session.get(Case, row.case_id),
        kind="message_sent",
        occurred_on=now.date(),
        actor=ACTOR,
        now=now,
        summary=f"{_words(row.purpose).capitalize()} sent to {row.recipient_role}.",
        detail={"key": row.key, "purpose": row.purpose, "recipient": row.recipient_role},
    )


def _deferred(session: Session, row: OutboundMessage, now: datetime, error: str) -> None:
    row.state, row.last_error = "queued", error
    row.next_attempt_at = now + min(DEFER_STEP * row.attempts, DEFER_MAX)
    session.add(row)
    session.commit()


def _failed(session: Session, row: OutboundMessage, now: datetime, error: str) -> None:
    row.state, row.failed_at, row.last_error = "failed", now, error
    session.add(row)
    case = session.get(Case, row.case_id)
    case.wake_at = now  # its run must look again, and tell the coordinator
    session.add(case)
    crud.record_event(
        session,
        case=case,
        kind="message_failed",
        occurred_on=now.date(),
        actor=ACTOR,
        now=now,
        summary=f"{_words(row.purpose).capitalize()} to {row.recipient_role} "
        f"could not be delivered ({error}).",
        detail={"key": row.key, "purpose": row.purpose, "recipient": row.recipient_role, "error": error},
    )


def _words(value: str) -> str:
    return value.replace("_", " ")
