"""`ehcp plan`: the EHC plan as the caseworker wrote it, uploaded as Word, and its versions.

The caseworker drafts each section in the council's words from the working draft
(`ehcp documents render CASE draft_plan`), then uploads the file. A file that is
still a working draft (banner, extracts, gaps or drafting notes left in), or with a
section missing or renamed, is refused naming the section, exit status 2, and
nothing is stored.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from ehcp import timesource
from ehcp.cli.cases import Ref, wake
from ehcp.cli.common import case_or_exit, fail, settings, stdout
from ehcp.db.engine import database
from ehcp.db.plan_versions import plan_versions, substantive_change, upload_plan_version
from ehcp.documents.plan_reading import MAX_FILE_BYTES
from ehcp.errors import InvalidInput
from ehcp.timesource import london_time

ACTOR = "coordinator:cli"
app = typer.Typer(
    help="The EHC plan as the caseworker wrote it: upload a version, list versions.", no_args_is_help=True
)


@app.command("upload")
def upload(
    ref: Ref,
    file: Annotated[Path, typer.Argument(help="The caseworker's plan, a Word file (.docx).")],
) -> None:
    """Read the caseworker's Word plan section by section and keep it as the next version."""
    try:
        with file.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        fail(f"FILE: cannot read {file}: {error.strerror}")
    with database() as session:
        case = case_or_exit(session, ref)
        before = plan_versions(session, case=case)
        try:
            row = upload_plan_version(
                session,
                case=case,
                data=data,
                filename=file.name,
                store=settings().document_store,
                now=timesource.now(),
                actor=ACTOR,
            )
        except InvalidInput as refused:
            fail(str(refused))
        number, sections, path = row.number, dict(row.sections), row.storage_path
    filled = ", ".join(code for code, text in sections.items() if text) or "none"
    stdout.print(f"Plan version {number} of {ref} stored: {path}", soft_wrap=True)
    stdout.print(f"Sections with text: {filled}.")
    if before:
        changed = substantive_change(before[-1].sections, sections)
        stdout.print(
            f"Changed since version {before[-1].number}: {', '.join(changed) if changed else 'no section'}."
        )
    wake(ref)


@app.command("versions")
def versions(
    ref: Ref, as_json: Annotated[bool, typer.Option("--json", help="Print JSON lines.")] = False
) -> None:
    """The case's plan versions: number, when and by whom uploaded, when served, file."""
    with database() as session:
        case = case_or_exit(session, ref)
        rows = plan_versions(session, case=case)
    if as_json:
        for row in rows:
            line = {
                "number": row.number,
                "uploaded_at": row.uploaded_at.isoformat(),
                "uploaded_by": row.uploaded_by,
                "served_on": row.served_on.isoformat() if row.served_on else None,
                "sections": [code for code, text in row.sections.items() if text],
                "sha256": row.sha256,
                "path": row.storage_path,
            }
            stdout.print(json.dumps(line), soft_wrap=True)
        return
    if not rows:
        stdout.print(f"No plan version uploaded for {ref} yet.")
        return
    table = Table(title=f"Plan versions of {ref}", title_justify="left")
    for column in ("Version", "Uploaded", "By", "Served", "File"):
        table.add_column(column)
    for row in rows:
        when = london_time(row.uploaded_at)
        served = row.served_on.isoformat() if row.served_on else "-"
        table.add_row(str(row.number), f"{when:%Y-%m-%d %H:%M}", row.uploaded_by, served, row.storage_path)
    stdout.print(table)
