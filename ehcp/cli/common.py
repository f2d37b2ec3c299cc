"""What every command shares: settings, the council, the database, and how errors end."""

from __future__ import annotations

from datetime import date, datetime
from typing import NoReturn

import typer
from rich import box
from rich.console import Console
from rich.table import Table
from sqlmodel import Session

from ehcp.council.config import Council, load_council
from ehcp.council.yamlfile import ConfigError
from ehcp.db import crud
from ehcp.db.models import Case
from ehcp.errors import InvalidInput
from ehcp.limits import has_web_address
from ehcp.safe_text import unsafe_character
from ehcp.settings import Settings, get_settings

stderr = Console(stderr=True, highlight=False)
stdout = Console(highlight=False)


def table(title: str, *, lines: bool = False) -> Table:
    """A table that reads in an 80-column terminal: a rule under the headers, no side
    borders to take up width, a blank line between rows of several lines (`lines`).
    Give text columns `overflow="fold"` so a long word wraps instead of ending in "…"."""
    return Table(
        title=title,
        title_justify="left",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        padding=(0, 1, 0, 0),  # with the box's blank divider: two spaces between columns
        leading=1 if lines else 0,
    )


# Bad input exits 2, like click's own usage errors, so scripts can tell it from a crash.
EXIT_BAD_INPUT = 2

DATE_FORMATS = ["%Y-%m-%d"]


def as_date(value: datetime | None) -> date | None:
    return value.date() if value is not None else None


def fail(message: str) -> NoReturn:
    stderr.print(f"[bold red]Error:[/] {message}")
    raise typer.Exit(EXIT_BAD_INPUT)


def checked_text(
    option: str, value: str | None, *, max_length: int, multiline: bool = False, name: bool = False
) -> str | None:
    """Free text from the command line, checked as the case store's input models check it
    (ehcp.limits, ehcp.safe_text) where the store takes it as a plain string: exit 2 naming
    the option, never repeating the value."""
    if value is None:
        return None
    problem = unsafe_character(value, multiline=multiline)
    if problem is None and len(value.strip()) > max_length:
        problem = f"longer than {max_length:,} characters"
    if problem is None and name and has_web_address(value):
        problem = "a name cannot contain a web address"
    if problem is not None:
        fail(f"{option}: {problem}")
    return value


def settings() -> Settings:
    try:
        return get_settings()
    except ValueError as error:
        fail(str(error))


def council(current: Settings | None = None) -> Council:
    current = current or settings()
    try:
        return load_council(current.council_dir)
    except ConfigError as error:
        fail(str(error))


def case_or_exit(session: Session, ref: str) -> Case:
    """The case with this reference, or exit 2 saying there is none."""
    try:
        return crud.require_case(session, ref=ref)
    except InvalidInput as refused:
        fail(str(refused))
