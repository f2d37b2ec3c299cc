"""`ehcp import FILE.csv`: a council's existing caseload, from the CSV format in README.md
("Importing an existing caseload"). Historical cases arrive closed with their dates; open
cases arrive at their stage and their runs start (now, or at the next sweep)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from ehcp import timesource
from ehcp.cli.common import council, fail, settings, stdout
from ehcp.db.engine import database
from ehcp.imports.columns import FileError
from ehcp.imports.load import Outcome
from ehcp.imports.run import import_rows, rejects_path, write_rejects

# Rows rejected: the rest were imported; exit 1 so a script notices.
EXIT_ROWS_REJECTED = 1
SHOWN_REJECTS = 20


def import_caseload(
    file: Annotated[Path, typer.Argument(help="The CSV file (columns in README.md).", show_default=False)],
    check: Annotated[
        bool, typer.Option("--check", help="Only validate every row: write nothing to the case store.")
    ] = False,
    start: Annotated[
        bool,
        typer.Option(
            "--start/--no-start",
            help="Start the runs of imported open cases now if Prefect answers (else the sweep does).",
        ),
    ] = True,
) -> None:
    """Import an existing caseload. Each row is one case, stored whole or not at all; a
    reference already imported is skipped; every refused row is listed with its line, in
    FILE.rejects.csv too. Exits 1 when any row was refused, 2 when the file cannot be read."""
    if not file.is_file():
        fail(f"FILE: {file} is not a file")
    loaded = council()
    current = settings()
    now = timesource.now()
    rows = _count_rows(file)
    try:
        with file.open(encoding="utf-8-sig", newline="") as stream, database() as session:
            if stdout.is_terminal:
                with Progress(
                    TextColumn("Checking" if check else "Importing"),
                    BarColumn(),
                    MofNCompleteColumn(),
                    TimeElapsedColumn(),
                    console=stdout,
                    transient=True,
                ) as progress:
                    task = progress.add_task("rows", total=rows)
                    outcome = import_rows(
                        stream,
                        session=session,
                        council=loaded,
                        now=now,
                        check=check,
                        on_row=lambda: progress.advance(task),
                    )
            else:
                outcome = import_rows(stream, session=session, council=loaded, now=now, check=check)
    except FileError as error:
        fail(f"{file.name}: {error}; nothing was imported")
    except UnicodeDecodeError:
        fail(f"{file.name}: not UTF-8 text; nothing was imported")
    started = 0
    if outcome.open_refs and start and not check:
        started = _start_runs(outcome.open_refs, limit=current.sweep_limit)
    _report(file, outcome, check=check, started=started)
    if outcome.rejects:
        raise typer.Exit(EXIT_ROWS_REJECTED)


def _count_rows(file: Path) -> int:
    with file.open("rb") as stream:
        return max(sum(1 for _ in stream) - 1, 0)


def _start_runs(refs: list[str], *, limit: int) -> int:
    """Start (at most `limit` of) the imported open cases' runs, as intake does: a case
    whose run does not start now is started by the sweep (its wake_at is now)."""
    from ehcp.runtime.signals import Wake, wake_case

    started = 0
    for ref in refs[:limit]:
        outcome = wake_case(ref)
        if outcome is Wake.UNREACHABLE:
            break
        started += outcome is Wake.STARTED
    return started


def _report(file: Path, outcome: Outcome, *, check: bool, started: int) -> None:
    verb = "would import" if check else "imported"
    stdout.print(
        f"{file.name}: {verb} {outcome.imported_closed} closed and {outcome.imported_open} open case(s); "
        f"{outcome.already_imported} already imported; {outcome.rejected_rows} row(s) rejected."
    )
    if outcome.imported_open and not check:
        waiting = outcome.imported_open - started
        stdout.print(
            f"Runs started for {started} open case(s)"
            + (f"; the sweep starts the other {waiting}." if waiting else ".")
        )
    path = rejects_path(file)
    if outcome.rejects:
        write_rejects(path, outcome.rejects)
        for reject in outcome.rejects[:SHOWN_REJECTS]:
            where = f" {reject.reference}" if reject.reference else ""
            column = f" {reject.column}:" if reject.column else ""
            stdout.print(f"line {reject.line}{where}:{column} {reject.reason}", markup=False)
        more = len(outcome.rejects) - SHOWN_REJECTS
        if more > 0:
            stdout.print(f"... and {more} more.")
        stdout.print(f"Every rejected row, with its line and reason: {path}", markup=False)
    elif path.exists():
        path.unlink()  # an earlier run's list would no longer be true
