"""`ehcp post list|print|mark-posted`: the post tray, for letters to people with no email
address or who prefer post. A letter in the tray has not been sent: the limit it meets
waits until it is marked posted (then its deemed day of delivery counts)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from ehcp import timesource
from ehcp.cli.cases import wake
from ehcp.cli.common import DATE_FORMATS, council, fail, stdout, table
from ehcp.db import crud
from ehcp.db.engine import database
from ehcp.domain.postal import deemed_delivered_on
from ehcp.errors import InvalidInput
from ehcp.mail import post_tray
from ehcp.text import words

app = typer.Typer(help="The post tray: letters to print, post and mark posted.", no_args_is_help=True)
CaseOption = Annotated[str | None, typer.Option("--case", help="Only this case's letters.")]


@app.command("list")
def list_letters(case: CaseOption = None) -> None:
    """Letters waiting to be printed and posted, oldest first."""
    with database() as session:
        rows = post_tray.waiting(session, case_ref=case)
        listing = table("Letters to post, oldest first")
        # What the post room types or matches by eye is never cut or folded; addresses
        # and enclosures wrap.
        for heading in ("id", "case", "letter", "queued"):
            listing.add_column(heading, no_wrap=True)
        for heading in ("to", "encloses"):
            listing.add_column(heading, overflow="fold")
        for row in rows:
            listing.add_row(
                str(row.id),
                crud.case_by_id(session, case_id=row.case_id).ref,
                words(row.purpose),
                f"{timesource.london_date(row.queued_at)}",
                f"{row.recipient_address} ({row.recipient_role})",
                (row.attach_document or "").replace(",", ", "),
            )
    if not rows:
        stdout.print("The post tray is empty.")
        return
    stdout.print(listing)


@app.command("print")
def print_batch(
    out: Annotated[Path, typer.Option("--out", help="Folder to write the day's batch into.")],
    case: CaseOption = None,
) -> None:
    """Write the day's batch: one PDF of every waiting letter (cover page with the address
    for a window envelope, then its enclosures), plus any Word enclosure as its own file."""
    now = timesource.now()
    with database() as session:
        rows = post_tray.waiting(session, case_ref=case)
        made = post_tray.batch(session, rows=rows, council_name=council().name, now=now)
    if not made.items:
        stdout.print("Nothing to print: the post tray is empty (or its enclosures are still being drafted).")
        return
    out.mkdir(parents=True, exist_ok=True)
    day = timesource.london_date(now)
    pdf = out / f"post-{day}.pdf"
    pdf.write_bytes(made.pdf)
    for name, content in made.separate:
        (out / name).write_bytes(content)
    stdout.print(f"Wrote {pdf} ({len(made.items)} letter(s)).")
    for name, _content in made.separate:
        stdout.print(f"Print and enclose: {out / name}")
    ids = " ".join(str(item.id) for item in made.items)
    stdout.print(f"When posted: ehcp post mark-posted {ids} --on {day}")


@app.command("mark-posted")
def mark_posted(
    ids: Annotated[list[int], typer.Argument(help="The post tray ids of the letters posted.")],
    on: Annotated[
        datetime | None, typer.Option("--on", formats=DATE_FORMATS, help="The day posted (default today).")
    ] = None,
) -> None:
    """Record letters as posted first class; each is deemed delivered on the second working
    day after (Interpretation Act 1978 s.7), which is when the family is told."""
    now = timesource.now()
    posted_on = on.date() if on else timesource.london_date(now)
    with database() as session:
        try:
            rows = post_tray.mark_posted(session, ids=ids, posted_on=posted_on, now=now)
        except InvalidInput as refused:
            fail(str(refused))
        refs = sorted({crud.case_by_id(session, case_id=row.case_id).ref for row in rows})
    delivered = deemed_delivered_on(posted_on)
    stdout.print(f"Marked {len(rows)} letter(s) posted on {posted_on}; deemed delivered {delivered}.")
    for ref in refs:
        wake(ref)
