"""The post tray: letters for people with no email address, or who prefer post.

A message to such a recipient is queued in the outbox like any other, with
channel "post" (ehcp.mail.messages.address decides). The relay never sends it:
it waits here until a person prints the day's batch (`ehcp post print`), posts
the letters and marks them posted (`ehcp post mark-posted`). Until then the
letter has not been sent, so a limit it meets is not met and the case's run
says it is waiting for the post tray. Marking a letter posted records the
posting day; the family is told on its deemed day of delivery (Interpretation
Act 1978 s.7; ehcp.domain.postal) and the case's run looks again.

Nothing here writes a name or address to a log or to the chronology's summary:
roles, purposes and outbox ids only.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime

from pypdf import PdfReader, PdfWriter
from sqlmodel import Session, col, select

from ehcp.db import crud, runs
from ehcp.db.models import Channel, OutboundMessage, OutboxState
from ehcp.documents.render import html_to_pdf
from ehcp.domain.postal import deemed_delivered_on
from ehcp.errors import FieldError, InvalidInput
from ehcp.mail.delivery import enclosures
from ehcp.rendering import TEMPLATES, environment
from ehcp.text import words
from ehcp.timesource import london_date

ACTOR = "coordinator:post-tray"


@dataclass(frozen=True)
class PrintedItem:
    """One letter in the batch: what the cover page shows."""

    id: int
    case_ref: str
    purpose: str
    recipient_role: str
    name: str
    postal_address: str | None
    subject: str
    body: str
    dated_on: date
    enclosures: tuple[str, ...]  # the documents' titles, in order


@dataclass(frozen=True)
class Batch:
    pdf: bytes
    items: tuple[PrintedItem, ...]
    # Enclosures that cannot be printed from the batch (the Word draft plan): file name and bytes.
    separate: tuple[tuple[str, bytes], ...]


def waiting(session: Session, *, case_ref: str | None = None) -> list[OutboundMessage]:
    """Letters queued by post and not yet posted, oldest first."""
    query = select(OutboundMessage).where(
        OutboundMessage.channel == Channel.POST, OutboundMessage.state == OutboxState.QUEUED
    )
    if case_ref is not None:
        case = crud.require_case(session, ref=case_ref)
        query = query.where(OutboundMessage.case_id == case.id)
    return list(session.exec(query.order_by(col(OutboundMessage.id))))


def awaiting_post(session: Session, *, case_id: int) -> tuple[str, ...]:
    """What of one case waits in the tray, as "<purpose> to <role>" (no names)."""
    rows = session.exec(
        select(OutboundMessage.purpose, OutboundMessage.recipient_role)
        .where(
            OutboundMessage.case_id == case_id,
            OutboundMessage.channel == Channel.POST,
            OutboundMessage.state == OutboxState.QUEUED,
        )
        .order_by(col(OutboundMessage.id))
    )
    return tuple(f"{words(purpose)} to {role}" for purpose, role in rows)


def batch(session: Session, *, rows: list[OutboundMessage], council_name: str, now: datetime) -> Batch:
    """One PDF for the day: each letter's cover page, then its enclosures' pages.

    An enclosure not yet drafted holds its letter back (it is left out of the batch, as
    delivery holds back an email): a letter never goes without what it encloses."""
    writer = PdfWriter()
    items: list[PrintedItem] = []
    separate: list[tuple[str, bytes]] = []
    template = environment(TEMPLATES).get_template("post/cover.html")
    for row in rows:
        enclosed = enclosures(session, row)
        if enclosed is None:
            continue
        case_ref = crud.case_by_id(session, case_id=row.case_id).ref
        item = PrintedItem(
            id=row.id or 0,
            case_ref=case_ref,
            purpose=row.purpose,
            recipient_role=row.recipient_role,
            name=row.recipient_address,
            postal_address=row.postal_address,
            subject=row.subject,
            body=row.body_text,
            dated_on=london_date(now),
            enclosures=tuple(item.title for item in enclosed),
        )
        cover = html_to_pdf(template.render(council=council_name, item=item))
        _append(writer, cover)
        for enclosure in enclosed:
            # Our PDFs are printed in the batch; anything else (the Word draft plan, an
            # adviser's file) is printed from its own file.
            if enclosure.ours and enclosure.media_type == "application/pdf":
                _append(writer, enclosure.content)
            else:
                separate.append((f"item-{item.id}-{enclosure.file_name}", enclosure.content))
        items.append(item)
    out = io.BytesIO()
    writer.write(out)
    return Batch(pdf=out.getvalue() if items else b"", items=tuple(items), separate=tuple(separate))


def mark_posted(
    session: Session, *, ids: list[int], posted_on: date, now: datetime, actor: str = ACTOR
) -> list[OutboundMessage]:
    """Record letters as posted on `posted_on`; all or none. Each case's run looks again."""
    refusals: list[FieldError] = []
    if posted_on > london_date(now):
        refusals.append(FieldError("posted_on", f"{posted_on} is in the future"))
    rows = []
    for item_id in ids:
        row = session.get(OutboundMessage, item_id)
        if row is None or row.channel != Channel.POST:
            refusals.append(FieldError("id", f"{item_id} is not a letter in the post tray"))
        elif row.state != OutboxState.QUEUED:
            refusals.append(FieldError("id", f"{item_id} was already marked posted on {row.posted_on}"))
        elif posted_on < london_date(row.queued_at):
            refusals.append(
                FieldError("posted_on", f"{item_id} was put in the tray on {london_date(row.queued_at)}")
            )
        else:
            rows.append(row)
    if not ids:
        refusals.append(FieldError("id", "give the post tray ids of the letters posted"))
    if refusals:
        raise InvalidInput(refusals)
    for row in rows:
        row.state, row.posted_on, row.sent_at = OutboxState.SENT, posted_on, now
        session.add(row)
        runs.wake_for_change(session, case_id=row.case_id, now=now)
        crud.record_event(  # commits the row, the wake and the event together
            session,
            case=crud.case_by_id(session, case_id=row.case_id),
            kind="letter_posted",
            occurred_on=posted_on,
            actor=actor,
            now=now,
            summary=f"{words(row.purpose).capitalize()} posted to {row.recipient_role} (first class); "
            f"deemed delivered on {deemed_delivered_on(posted_on)}.",
            detail={
                "key": row.key,
                "purpose": row.purpose,
                "recipient": row.recipient_role,
                "deemed_delivered_on": deemed_delivered_on(posted_on).isoformat(),
            },
        )
    return rows


def _append(writer: PdfWriter, pdf: bytes) -> None:
    for page in PdfReader(io.BytesIO(pdf)).pages:
        writer.add_page(page)
