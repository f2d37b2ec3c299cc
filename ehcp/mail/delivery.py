"""Send the outbox: claim each due row, send it, record what happened.

Exactly one copy, as far as the outbox can promise it: a row is claimed
(queued -> sending, attempts + 1) by a compare-and-set UPDATE before any SMTP is
spoken, so two deliverers (a case's run and the sweep, say) never both send it,
and a sent or failed row is never sent again.

The one gap no outbox can close is a worker dying after the relay said "250" but
before the row was marked sent. Once that claim is older than
EHC_SMTP_CLAIM_STALE_SECONDS the row is sent again, with the same Message-ID (it
derives from the outbox key), so the copy is recognisably the same message: on the
wire this is at-least-once, deduplicable by Message-ID (the local development
server keeps one file per Message-ID). The stale limit must stay longer than one
row's worst send (attempts x timeout + waits; about 2 minutes on the defaults), or
a slow but living worker's claim would be taken over.

Transient failures (4xx, connection trouble) are retried with backoff inside one
pass (tenacity), then the row goes back to the queue with a later next_attempt_at
for a later pass (the sweep's). A permanent failure (5xx) marks the row failed,
writes the chronology, and sets the case's wake_at so its run looks again; that
look's planner tells the coordinator from the failed row (nothing is queued here).

A message whose attachment is not drafted yet is left queued, unclaimed, for a
later pass: a letter the family must receive is never silently dropped from its
email. (Documents are drafted in the same look that queues the email, so this is
a moment's wait, not a real one.)

`now` is injected; nothing here reads the wall clock. Nothing written here (events,
errors, log lines) carries an address or a name: roles, purposes, keys and codes only.
"""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

from sqlalchemy import ColumnElement, and_
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, col, select
from tenacity import (
    AsyncRetrying,
    retry_if_exception_type,
    stop_after_attempt,
    stop_after_delay,
    wait_exponential,
    wait_fixed,
)

from ehcp.council.config import Council
from ehcp.db import crud, runs
from ehcp.db.models import Channel, Document, OutboundMessage, OutboxState
from ehcp.documents.kinds import parse
from ehcp.documents.store import attachment_name, separate_advice_files
from ehcp.error_log import record_failure
from ehcp.mail.claims import claim, queued_or_stale
from ehcp.mail.compose import compose
from ehcp.mail.transport import PermanentSendError, SendError, TransientSendError, Transport
from ehcp.settings import Settings
from ehcp.text import words
from ehcp.timesource import london_date

log = logging.getLogger("ehcp.mail.delivery")

ACTOR = "system:mail"
# After a pass's retries, a transient failure waits 15 minutes per attempt so far, at most 6 hours.
DEFER_STEP = timedelta(minutes=15)
DEFER_MAX = timedelta(hours=6)
# How long a sent message's record waits for the database to come back.
RECORD_SENT_PATIENCE_SECONDS = 120
ENHANCED_STATUS = re.compile(r"^[245]\.\d{1,3}\.\d{1,3}\b")


@dataclass(frozen=True)
class DeliveryCounts:
    """How many messages a pass sent, deferred, failed and held: what a flow logs and returns."""

    sent: int = 0
    deferred: int = 0
    failed: int = 0
    waiting: int = 0
    # Of those sent, how many told the family something that moves the statutory clock.
    told_family: int = 0


@dataclass
class DeliveryReport:
    """Outbox keys (no personal data in them) by what happened to each."""

    sent: list[str] = field(default_factory=list)
    deferred: list[str] = field(default_factory=list)  # transient failure: queued for a later pass
    failed: list[str] = field(default_factory=list)  # permanent failure: never retried
    waiting: list[str] = field(default_factory=list)  # the document it carries is not ready
    told_family: list[str] = field(default_factory=list)  # sent, and it moves the clock
    errors: dict[str, str] = field(default_factory=dict)  # key -> SMTP code and reason, no address

    @property
    def counts(self) -> DeliveryCounts:
        return DeliveryCounts(
            sent=len(self.sent),
            deferred=len(self.deferred),
            failed=len(self.failed),
            waiting=len(self.waiting),
            told_family=len(self.told_family),
        )


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
    """Send every due row (or only one case's), one at a time, and say what happened to each."""
    report = DeliveryReport()
    for row in due_rows(session, now=now, settings=settings, case_id=case_id, limit=limit):
        attachments = _attachments(session, row)
        if attachments is None:
            report.waiting.append(row.key)
            continue
        # Composed before the claim, so a message that cannot be built never holds one.
        try:
            message = compose(row, sender=council.send_team, attachments=attachments, now=now)
        except ValueError:
            # A header value with a line break (the email library refuses it: it would add
            # a header) or the like. Entry points refuse such text, so this is a bug or a
            # hand edit: fail this message, tell the coordinator, and send the others.
            error_id = record_failure("composing an email", row.key.split(":", 1)[0])
            unbuildable = PermanentSendError(None, f"the message could not be composed (error id {error_id})")
            _failed(session, row=row, now=now, error=unbuildable)
            report.failed.append(row.key)
            report.errors[row.key] = str(unbuildable)
            continue
        if not claim(session, OutboundMessage, row=row, due=_is_due(now=now, settings=settings), now=now):
            continue  # another deliverer took it first
        try:
            await send_with_retries(transport, message, settings=settings)
        except TransientSendError as error:
            _deferred(session, row=row, now=now, error=error)
            report.deferred.append(row.key)
            report.errors[row.key] = str(error)
        except PermanentSendError as error:
            _failed(session, row=row, now=now, error=error)
            report.failed.append(row.key)
            report.errors[row.key] = str(error)
        else:
            if await _record_sent(session, row=row, now=now):
                report.told_family.append(row.key)
            report.sent.append(row.key)
    return report


async def _record_sent(session: Session, *, row: OutboundMessage, now: datetime) -> bool:
    """`_sent`, tried again while the database is unreachable. The relay has the message
    now: if this were given up, the claim would go stale and the message be sent again.
    A database restart (a failover, an upgrade) takes seconds; a worker that dies here is
    the one gap left (the module's docstring)."""
    async for attempt in AsyncRetrying(
        retry=retry_if_exception_type(OperationalError),
        stop=stop_after_delay(RECORD_SENT_PATIENCE_SECONDS),
        wait=wait_fixed(1),
        before_sleep=lambda _: session.rollback(),
        reraise=True,
    ):
        with attempt:
            return _sent(session, row=row, now=now)
    raise AssertionError("unreachable")  # AsyncRetrying either returns or reraises


def deliver_sync(
    session: Session,
    *,
    transport: Transport,
    council: Council,
    settings: Settings,
    now: datetime,
    case_id: int | None = None,
    limit: int = 200,
) -> DeliveryReport:
    """`deliver` for synchronous callers (Prefect tasks, the CLI): runs it in its own event loop."""
    return asyncio.run(
        deliver(
            session,
            transport=transport,
            council=council,
            settings=settings,
            now=now,
            case_id=case_id,
            limit=limit,
        )
    )


def due_rows(
    session: Session, *, now: datetime, settings: Settings, case_id: int | None = None, limit: int = 200
) -> list[OutboundMessage]:
    query = select(OutboundMessage).where(_is_due(now=now, settings=settings))
    if case_id is not None:
        query = query.where(OutboundMessage.case_id == case_id)
    return list(session.exec(query.order_by(col(OutboundMessage.id)).limit(limit)))


def _is_due(*, now: datetime, settings: Settings) -> ColumnElement[bool]:
    """An email queued and due, or claimed by a worker that has since died."""
    # Letters by post are never the relay's: they wait in the post tray (post_tray.py).
    return and_(
        col(OutboundMessage.channel) == Channel.EMAIL,
        queued_or_stale(OutboundMessage, now=now, settings=settings),
    )


async def send_with_retries(transport: Transport, message: EmailMessage, *, settings: Settings) -> None:
    """Transient failures are tried again within this pass; the last one is raised.
    Tests set EHC_SMTP_RETRY_WAIT_SECONDS=0 so retries do not wait."""
    async for attempt in AsyncRetrying(
        retry=retry_if_exception_type(TransientSendError),
        stop=stop_after_attempt(settings.smtp_attempts),
        wait=wait_exponential(
            multiplier=settings.smtp_retry_wait_seconds,
            min=settings.smtp_retry_wait_seconds,
            max=settings.smtp_retry_wait_max_seconds,
        ),
        reraise=True,
    ):
        with attempt:
            await transport.send(message)


@dataclass(frozen=True)
class Enclosure:
    """One file a message carries: an email's attachment, a posted letter's enclosure."""

    file_name: str
    media_type: str
    content: bytes
    title: str  # what the letter calls it
    ours: bool = True  # a document the council drafted (False: a file an adviser sent)


def enclosures(session: Session, row: OutboundMessage) -> list[Enclosure] | None:
    """Each document the row carries, in order; None while any is not drafted or cannot be
    read (the message waits: it never goes without them). The final plan also carries the
    advisers' files it could not set out as pages (Regs 12(1)(k): its section K says so)."""
    if not row.attach_document:
        return []
    case = crud.case_by_id(session, case_id=row.case_id)
    kinds = row.attach_document.split(",")
    out = []
    for kind in kinds:
        document = session.exec(
            select(Document).where(Document.case_id == row.case_id, Document.kind == kind)
        ).first()
        if document is None:
            return None
        try:
            content = Path(document.storage_path).read_bytes()
        except OSError as error:
            # A missing file is our fault, not the relay's: keep the message, keep the pass going.
            log.warning("%s: its %s cannot be read (%s)", row.key, kind, type(error).__name__)
            return None
        title = parse(kind)[0].title
        out.append(Enclosure(attachment_name(case.ref, kind), document.media_type, content, title))
    if row.purpose == "final_plan" and "final_plan" in kinds:
        out += [
            Enclosure(name, media_type, data, f"Advice: {name}", ours=False)
            for name, media_type, data in separate_advice_files(session, case=case)
        ]
    return out


def _attachments(session: Session, row: OutboundMessage) -> list[tuple[str, str, bytes]] | None:
    found = enclosures(session, row)
    return None if found is None else [(item.file_name, item.media_type, item.content) for item in found]


# Sending these to the family meets a limit or starts the family's 15 days: the case's
# run must look again (ehcp.db.crud.case_facts reads them from the outbox).
CHANGES_THE_CLOCK = frozenset((*crud.TELLS_THE_FAMILY, "draft_plan"))


def _sent(session: Session, *, row: OutboundMessage, now: datetime) -> bool:
    """Mark the row sent; True if sending it moved the case's clock (the case is woken)."""
    row.state, row.sent_at, row.last_error, row.next_attempt_at = OutboxState.SENT, now, None, None
    session.add(row)
    moves_clock = row.purpose in CHANGES_THE_CLOCK and row.recipient_role == "family"
    if moves_clock:
        runs.wake_for_change(session, case_id=row.case_id, now=now)
    crud.record_event(  # commits the row and the event together
        session,
        case=crud.case_by_id(session, case_id=row.case_id),
        kind="message_sent",
        occurred_on=london_date(now),
        actor=ACTOR,
        now=now,
        summary=f"{words(row.purpose).capitalize()} sent to {row.recipient_role}.",
        detail={"key": row.key, "purpose": row.purpose, "recipient": row.recipient_role},
    )
    return moves_clock


def _deferred(session: Session, *, row: OutboundMessage, now: datetime, error: TransientSendError) -> None:
    row.state, row.last_error = OutboxState.QUEUED, str(error)
    row.next_attempt_at = now + min(DEFER_STEP * max(row.attempts, 1), DEFER_MAX)
    session.add(row)
    session.commit()
    log.warning("%s deferred until %s: %s", row.key, row.next_attempt_at.isoformat(), error)


def _failed(session: Session, *, row: OutboundMessage, now: datetime, error: PermanentSendError) -> None:
    row.state, row.failed_at, row.last_error = OutboxState.FAILED, now, str(error)
    session.add(row)
    # The case changed: its run must look again and tell the coordinator. Bumping the
    # version (in SQL, so a concurrent writer's bump is not lost) also makes a look that
    # is under way now fail its compare-and-set and look again, instead of suspending
    # until its planned wake with the failure unseen.
    runs.wake_for_change(session, case_id=row.case_id, now=now)
    case = crud.case_by_id(session, case_id=row.case_id)
    # No reply code: it never reached the relay (it could not be composed).
    refusal = _code_words(error) if error.code else "not composed"
    why = f"the mail relay refused it for good ({refusal})" if error.code else "it could not be composed"
    crud.record_event(  # commits the row, the wake and the event together
        session,
        case=case,
        kind="message_failed",
        occurred_on=london_date(now),
        actor=ACTOR,
        now=now,
        # The code, not the server's words: they are the relay's, and may name someone.
        summary=f"{words(row.purpose).capitalize()} to {row.recipient_role} could not be delivered: {why}.",
        detail={"key": row.key, "purpose": row.purpose, "recipient": row.recipient_role, "smtp": refusal},
    )
    log.warning("%s failed for good: %s", row.key, refusal)


def _code_words(error: SendError) -> str:
    """ "SMTP 550 5.1.1": the reply code and the enhanced status code when the relay gave one."""
    enhanced = ENHANCED_STATUS.match(error.reason)
    return " ".join(filter(None, ["SMTP", str(error.code), enhanced.group(0) if enhanced else None]))
