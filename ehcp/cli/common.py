"""What every command shares: settings, the council, the database, and how errors end."""

from __future__ import annotations

from datetime import date, datetime
from typing import NoReturn

import typer
from rich.console import Console
from sqlmodel import Session

from ehcp.council.config import Council, load_council
from ehcp.council.yamlfile import ConfigError
from ehcp.db import crud
from ehcp.db.models import Case
from ehcp.errors import InvalidInput
from ehcp.settings import Settings, get_settings

stderr = Console(stderr=True, highlight=False)
stdout = Console(highlight=False)

# Bad input exits 2, like click's own usage errors, so scripts can tell it from a crash.
EXIT_BAD_INPUT = 2

DATE_FORMATS = ["%Y-%m-%d"]


def as_date(value: datetime | None) -> date | None:
    return value.date() if value is not None else None


def fail(message: str) -> NoReturn:
    stderr.print(f"[bold red]Error:[/] {message}")
    raise typer.Exit(EXIT_BAD_INPUT)


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
