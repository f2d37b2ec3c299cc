"""`ehcp documents`: a case's letters and plans, and regenerating one on request."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from ehcp import timesource
from ehcp.cli.cases import Ref
from ehcp.cli.common import case_or_exit, council, fail, settings, stdout
from ehcp.db import crud
from ehcp.db.engine import database
from ehcp.documents import UnknownDocumentKind, documents_of, parse, produce, regenerate
from ehcp.documents.context import MissingSubject
from ehcp.timesource import london_date, london_time

ACTOR = "coordinator:cli"
app = typer.Typer(help="Letters and EHC plans drafted for a case.", no_args_is_help=True)


@app.command("list")
def list_documents(
    ref: Ref, as_json: Annotated[bool, typer.Option("--json", help="Print JSON lines.")] = False
) -> None:
    """The case's documents: kind, audience, when drafted, file."""
    with database() as session:
        case = case_or_exit(session, ref)
        rows = documents_of(session, case=case)
    if as_json:
        for row in rows:
            line = {
                "kind": row.kind,
                "audience": row.audience,
                "media_type": row.media_type,
                "created_at": row.created_at.isoformat(),
                "sha256": row.sha256,
                "path": row.storage_path,
            }
            stdout.print(json.dumps(line), soft_wrap=True)
        return
    if not rows:
        stdout.print(f"No documents drafted for {ref} yet.")
        return
    table = Table(title=f"Documents of {ref}", title_justify="left")
    for column in ("Kind", "For", "Drafted", "File"):
        table.add_column(column)
    for row in rows:
        when = london_time(row.created_at)
        table.add_row(row.kind, row.audience, f"{when:%Y-%m-%d %H:%M}", row.storage_path)
    stdout.print(table)


@app.command("render")
def render_document(
    ref: Ref,
    kind: Annotated[
        str,
        typer.Argument(
            help="The document, as `ehcp documents list` names it (e.g. decision_not_to_assess_letter, "
            "draft_plan, advice_request_letter:health)."
        ),
    ],
    out: Annotated[Path | None, typer.Option(help="Also copy the result to this file.")] = None,
) -> None:
    """Render a document again from the case as it is now (a letter keeps its original date).

    A document the case has not reached yet is rendered as a preview, not stored: the
    service drafts it itself at its step."""
    try:
        found, _ = parse(kind)
    except UnknownDocumentKind as error:
        fail(f"KIND: {error}")
    rules = council()
    now = timesource.now()
    with database() as session:
        case = case_or_exit(session, ref)
        drafted = {row.kind for row in documents_of(session, case=case)}
        try:
            if kind in drafted:
                row = regenerate(
                    session,
                    case=case,
                    kind=kind,
                    council=rules,
                    store=settings().document_store,
                    now=now,
                    actor=ACTOR,
                )
                path = Path(row.storage_path)
                stdout.print(f"Regenerated {kind} for {ref}: {path}", soft_wrap=True)
            else:
                today = london_date(now)
                content = produce(
                    session,
                    case=case,
                    kind=kind,
                    council=rules,
                    timeline=crud.case_timeline(session, case=case, council=rules, today=today),
                    dated_on=today,
                )
                path = (
                    settings().document_store / ref / "previews" / f"{kind.replace(':', '--')}{found.suffix}"
                )
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(content)
                stdout.print(
                    f"{ref} has no {kind} yet (it is drafted at its step); preview written to {path}",
                    soft_wrap=True,
                )
        except MissingSubject as error:
            fail(f"KIND: {error}")
    if out is not None:
        try:
            shutil.copyfile(path, out)
        except OSError as error:
            fail(f"--out: cannot write {out}: {error.strerror}")
        stdout.print(f"Copied to {out}", soft_wrap=True)
