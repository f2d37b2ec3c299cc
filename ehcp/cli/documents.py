"""`ehcp documents`: a case's letters and plans, and regenerating one on request."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from sqlmodel import select

from ehcp import timesource
from ehcp.cli.cases import Ref
from ehcp.cli.common import case_or_exit, council, fail, settings, stdout
from ehcp.cli.common import table as common_table
from ehcp.db import crud
from ehcp.db.engine import database
from ehcp.db.models import AdviceRequest
from ehcp.documents import UnknownDocumentKind, documents_of, parse, produce, regenerate
from ehcp.documents.context import MissingSubject
from ehcp.documents.kinds import audience_of
from ehcp.timesource import london_date, london_time
from ehcp.views.labels import AUDIENCE_WORDS, document_label

ACTOR = "coordinator:cli"
app = typer.Typer(help="Letters and EHC plans drafted for a case.", no_args_is_help=True)


@app.command("list")
def list_documents(
    ref: Ref, as_json: Annotated[bool, typer.Option("--json", help="Print JSON lines.")] = False
) -> None:
    """The case's documents: what each is, whom it is for, when it was drafted, its file."""
    with database() as session:
        case = case_or_exit(session, ref)
        rows = documents_of(session, case=case)
        roles = {
            key: str(role)
            for key, role in session.exec(
                select(AdviceRequest.key, AdviceRequest.role).where(AdviceRequest.case_id == case.id)
            )
        }
    if as_json:
        for row in rows:
            line = {
                "kind": row.kind,
                "audience": _audience(row.kind, roles, stored=row.audience),
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
    folder = settings().document_store / ref
    table = common_table(f"Documents of {ref} (files in {folder})", lines=True)
    table.add_column("Document", ratio=1, min_width=30, overflow="fold")
    table.add_column("For", min_width=8, max_width=14, overflow="fold")
    table.add_column("Drafted", min_width=10, max_width=10)
    for row in rows:
        when = london_time(row.created_at)
        audience = _audience(row.kind, roles, stored=row.audience)
        document = [
            escape(document_label(row.kind, advice_roles=roles)),
            f"[dim]kind: {escape(row.kind)}[/]",
            f"[dim]file: {escape(_in(folder, Path(row.storage_path)))}[/]",
        ]
        table.add_row(
            "\n".join(document),
            AUDIENCE_WORDS.get(audience, audience),
            f"{when:%Y-%m-%d %H:%M}",
        )
    stdout.print(table)


def _audience(kind: str, roles: dict[str, str], *, stored: str) -> str:
    """Who the document is for, from its kind and the advice request it names: the request
    for the family's own advice is the family's, whatever an older row stored."""
    try:
        return audience_of(kind, advice_role=roles.get(kind.partition(":")[2]))
    except UnknownDocumentKind:  # a kind this version no longer knows
        return stored


def _in(folder: Path, path: Path) -> str:
    """The file's name when it is in the case's folder (named in the title), else its path."""
    return path.name if path.parent == folder else str(path)


# One line per paragraph: typer keeps a docstring's line breaks, which break up the help
# in a narrow terminal.
RENDER_HELP = (
    "Render a document again from the case as it is now (a letter keeps its original date).\n\n"
    "A document the case has not reached yet is rendered as a preview, written to the case's "
    "previews/ folder in the document store (and copied to --out if given); the next preview "
    "replaces it. "
    "A preview is not one of the case's documents: it is not listed, sent or put in the "
    "chronology. The service drafts the real one itself at its step."
)


@app.command("render", help=RENDER_HELP)
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
    """Render a drafted document again, or preview one the case has not reached (RENDER_HELP)."""
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
