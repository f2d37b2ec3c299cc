"""The one way to reach the case database (SQLite by default, PostgreSQL in production).

`database()` is what tasks, the web app and the CLI use: a session on this process's
engine for the configured URL (one engine per URL per process, created on first use).
`make_engine` is for the few callers that manage an engine's life themselves
(migrations, tests)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any, cast

from sqlalchemy import event
from sqlalchemy.engine import CursorResult, Engine, make_url
from sqlalchemy.sql.dml import Update
from sqlmodel import Session, create_engine

from ehcp.settings import get_settings


def normalise_url(url: str) -> str:
    """Accept plain postgresql:// URLs and use the psycopg 3 driver for them."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def make_engine(url: str) -> Engine:
    """Every engine of the project (the app's, migrations', the tests'). SQLAlchemy's
    errors quote a statement's parameters (a child's name, date of birth, NHS number) and
    those errors reach logs: hide_parameters keeps them out."""
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, hide_parameters=True
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, hide_parameters=True)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # Foreign keys are off by default in SQLite; WAL lets readers and a writer overlap.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def session_for(engine: Engine) -> Session:
    return Session(engine, expire_on_commit=False)


@lru_cache
def engine_for(url: str) -> Engine:
    """This process's engine for `url`: its connection pool is shared by every session."""
    return make_engine(url)


@contextmanager
def database() -> Iterator[Session]:
    """A session on the configured case database."""
    with session_for(engine_for(get_settings().effective_database_url)) as session:
        yield session


def rows_updated(session: Session, statement: Update) -> int:
    """Run an UPDATE and say how many rows it changed: what a compare-and-set reads."""
    return cast(CursorResult[Any], session.execute(statement)).rowcount
