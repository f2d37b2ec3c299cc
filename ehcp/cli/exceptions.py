"""`ehcp exception record|end`: the coordinator's judgement that a ground made one limit
impractical to meet (Regs 5(4), 8(2), 10(4), 13(3)). The family is told in plain words."""

from __future__ import annotations

import hashlib
import shutil
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError

from ehcp.cli.cases import On, Ref, _record
from ehcp.cli.common import DATE_FORMATS, checked_text, fail, settings
from ehcp.db import crud
from ehcp.db.inputs import ExceptionIn
from ehcp.domain.grounds import ExceptionGround
from ehcp.errors import InvalidInput
from ehcp.limits import LIMIT_KEY

app = typer.Typer(help="Exceptions to the time limits, recorded against one limit.", no_args_is_help=True)
Limit = Annotated[
    str, typer.Option("--limit", help="decision_to_assess, decision_not_to_issue, final_plan, advice:<key>")
]
MAX_EVIDENCE_BYTES = 10 * 1024 * 1024


@app.command("record")
def record(
    ref: Ref,
    ground: Annotated[ExceptionGround, typer.Argument(help="The ground, as the regulation lists it.")],
    limit: Limit,
    starts_on: Annotated[datetime, typer.Option("--from", formats=DATE_FORMATS, help="The day it began.")],
    ends_on: Annotated[
        datetime | None, typer.Option("--to", formats=DATE_FORMATS, help="The day it ended (omit: ongoing).")
    ] = None,
    evidence_file: Annotated[
        Path | None, typer.Option(help="A file evidencing it (kept in the case's documents, internal).")
    ] = None,
) -> None:
    """Record that GROUND made LIMIT impractical to meet. Refused, naming the field, if the
    limit's regulation does not list the ground or the dates fall outside the limit's run."""
    try:
        entry = ExceptionIn(
            ground=ground,
            limit_key=limit,
            starts_on=starts_on.date(),
            ends_on=ends_on.date() if ends_on else None,
            evidence_note=f"evidence file: {evidence_file.name}" if evidence_file else None,
        )
    except ValidationError as error:
        fail(str(InvalidInput.from_validation(error)))
    kept = _keep_evidence(ref, evidence_file) if evidence_file else None
    _record(
        ref,
        lambda session, **kw: crud.record_exception(session, exception=entry, evidence_path=kept, **kw),
        f"exception against {limit}",
    )


@app.command("end")
def end(ref: Ref, ground: Annotated[ExceptionGround, typer.Argument()], limit: Limit, on: On) -> None:
    """Record the day a continuing ground ended (the council then acts as soon as practicable)."""
    checked_text("--limit", limit, max_length=LIMIT_KEY)
    _record(
        ref,
        lambda session, **kw: crud.end_exception(
            session, ground=ground, limit_key=limit, ends_on=on.date(), **kw
        ),
        f"exception against {limit} ended",
    )


def _keep_evidence(ref: str, path: Path) -> str:
    """Copy the evidence into the case's internal folder of the document store, named by
    its content hash (nothing from the file's name decides where it goes)."""
    if not path.is_file():
        fail(f"evidence_file: {path} is not a file")
    if path.stat().st_size > MAX_EVIDENCE_BYTES:
        fail(f"evidence_file: larger than {MAX_EVIDENCE_BYTES // (1024 * 1024)} MiB")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    folder = settings().document_store / ref / "evidence"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{digest}{path.suffix.lower()[:10]}"
    shutil.copyfile(path, target)
    return str(target)
