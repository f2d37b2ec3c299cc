"""`ehcp db`: the case database's migrations."""

from __future__ import annotations

import typer
from sqlalchemy.engine import make_url

from ehcp.cli.common import settings, stdout
from ehcp.db import migrate

app = typer.Typer(help="The case database.", no_args_is_help=True)


@app.command()
def upgrade() -> None:
    """Create or migrate the case database to the latest schema."""
    url = settings().effective_database_url
    migrate.upgrade(url)
    stdout.print(f"Case database at {_safe(url)} is at revision {migrate.head_revision(url)}.")


@app.command()
def current() -> None:
    """Say whether the case database is at the latest schema (exit 1 if not)."""
    url = settings().effective_database_url
    if migrate.is_current(url):
        stdout.print(f"Case database at {_safe(url)} is current ({migrate.head_revision(url)}).")
        return
    stdout.print(f"Case database at {_safe(url)} needs `ehcp db upgrade`.")
    raise typer.Exit(1)


def _safe(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)
