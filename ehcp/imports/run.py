"""One import of one file: read, check, store, and write the rejects beside it."""

from __future__ import annotations

import csv
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TextIO

from sqlmodel import Session

from ehcp.council.config import Council
from ehcp.imports.columns import read_rows
from ehcp.imports.load import Loader, Outcome, imported_refs
from ehcp.imports.validate import REFERENCE, Imported, Reject, validate
from ehcp.timesource import london_date

REJECTS_HEADER = ("line", "reference", "column", "reason")


def import_rows(
    stream: TextIO,
    *,
    session: Session,
    council: Council,
    now: datetime,
    check: bool = False,
    on_row: Callable[[], None] | None = None,
) -> Outcome:
    """Import every good row of `stream` (with `check`, only validate: nothing is written).
    A reference already in the store is skipped ("already imported"); one given twice in
    the file is refused on its second line. Raises columns.FileError for a file that cannot
    be read at all (before anything is written)."""
    today = london_date(now)
    stored = imported_refs(session)
    loader = Loader(session, council=council, now=now)
    outcome = loader.outcome
    first_line: dict[str, int] = {}
    for row in read_rows(stream):
        if on_row is not None:
            on_row()
        reference = row.text("reference") or ""
        if REFERENCE.fullmatch(reference):
            if reference in first_line:
                outcome.rejects.append(
                    Reject(
                        row.line,
                        reference,
                        "reference",
                        f"repeats the reference of line {first_line[reference]}: each case once",
                    )
                )
                continue
            first_line[reference] = row.line
            if reference in stored:
                outcome.already_imported += 1
                continue
        result = validate(row, council=council, today=today)
        if not isinstance(result, Imported):
            outcome.rejects.extend(result)
        elif check:
            if result.is_open:
                outcome.imported_open += 1
            else:
                outcome.imported_closed += 1
        else:
            loader.add(result)
    if not check:
        loader.finish()
    outcome.rejects.sort(key=lambda reject: reject.line)
    return outcome


def rejects_path(path: Path) -> Path:
    """`caseload.csv` -> `caseload.rejects.csv`, beside it."""
    return path.with_name(f"{path.stem}.rejects.csv")


def write_rejects(path: Path, rejects: list[Reject]) -> None:
    """Line, reference, column and reason of every refusal; never what a cell said."""
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(REJECTS_HEADER)
        for reject in rejects:
            writer.writerow((reject.line, reject.reference, reject.column, reject.reason))
