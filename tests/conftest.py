"""Shared fixtures. Database tests run twice: on SQLite and on a real PostgreSQL."""

from __future__ import annotations

import os
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session

from ehcp.council.config import Council, load_council
from ehcp.db import migrate
from ehcp.db.engine import make_engine, session_for
from ehcp.settings import PROJECT_ROOT, get_settings
from tests.support.postgres import TemporaryPostgres, find_bin_dir

EXAMPLE_COUNCIL_DIR = PROJECT_ROOT / "config" / "example"


def everything_required() -> bool:
    """In CI (or asked to): a missing server or package fails the suite, never skips a test."""
    return bool(os.environ.get("CI") or os.environ.get("EHC_REQUIRE_POSTGRES"))


def pytest_collection_modifyitems(config, items) -> None:
    """Under `make test` (pytest-xdist, two processes, --dist loadgroup) every test that
    starts real services runs on the same process, one after another: they share their
    stacks (a session's Prefect server, a module's production profile). The fault drill
    has a stack of its own and runs on the other process, beside the quick tests: it is
    meant to hold under load, and it is the longest single test."""
    for item in items:
        if item.get_closest_marker("drill"):
            item.add_marker(pytest.mark.xdist_group("drill"))
        elif item.get_closest_marker("slow"):
            item.add_marker(pytest.mark.xdist_group("real-services"))


@pytest.fixture(autouse=True)
def _isolated_settings(tmp_path, monkeypatch) -> Iterator[None]:
    """No test reads a developer's .env or writes under the project's var/."""
    for name in list(os.environ):
        if name.startswith("EHC_") and name not in (
            "EHC_TEST_POSTGRES_URL",
            "EHC_REQUIRE_POSTGRES",
        ):
            monkeypatch.delenv(name)
    monkeypatch.setenv("EHC_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.chdir(tmp_path)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def postgres_admin_url() -> Iterator[str]:
    given = os.environ.get("EHC_TEST_POSTGRES_URL")
    if given:
        yield given
        return
    with own_postgres_server() as server:
        yield server.admin_url


@contextmanager
def own_postgres_server() -> Iterator[TemporaryPostgres]:
    """A PostgreSQL server from the machine's binaries, stopped afterwards. Without them
    the test fails in CI (everything_required) and is skipped elsewhere."""
    bin_dir = find_bin_dir()
    if bin_dir is None:
        message = "no PostgreSQL binaries on this machine (apt-get install postgresql)"
        if everything_required():
            pytest.fail(message)
        pytest.skip(message)
    server = TemporaryPostgres.start(bin_dir)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request, tmp_path) -> Iterator[str]:
    """A new, empty database for one test."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'cases.sqlite3'}"
        return
    admin_url = request.getfixturevalue("postgres_admin_url")
    name = f"ehcp_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def _migrated_sqlite_template(tmp_path_factory) -> Path:
    """One SQLite database migrated to head for the whole session; each test gets a copy.
    Migrating costs about a second a test; copying, under a millisecond. The migrations
    themselves are tested from an empty database in tests/db/test_migrations.py, and the
    result checked against the models there."""
    path = tmp_path_factory.mktemp("migrated") / "template.sqlite3"
    migrate.upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def _migrated_postgres_template(postgres_admin_url: str) -> Iterator[str]:
    """The same for PostgreSQL: a database migrated once, cloned by CREATE DATABASE TEMPLATE."""
    name = f"ehcp_template_{uuid.uuid4().hex[:12]}"
    admin = create_engine(postgres_admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    migrate.upgrade(make_url(postgres_admin_url).set(database=name).render_as_string(hide_password=False))
    try:
        yield name
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def migrated_url(database_url: str, request) -> str:
    """`database_url` at the head revision, as `ehcp db upgrade` leaves it."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        template = request.getfixturevalue("_migrated_sqlite_template")
        with (
            closing(sqlite3.connect(template)) as source,
            closing(sqlite3.connect(str(url.database))) as target,
        ):
            source.backup(target)
        return database_url
    template = request.getfixturevalue("_migrated_postgres_template")
    admin = create_engine(request.getfixturevalue("postgres_admin_url"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{url.database}"'))
            connection.execute(text(f'CREATE DATABASE "{url.database}" TEMPLATE "{template}"'))
    finally:
        admin.dispose()
    return database_url


@pytest.fixture
def engine(migrated_url: str) -> Iterator[Engine]:
    engine = make_engine(migrated_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with session_for(engine) as session:
        yield session


@pytest.fixture(scope="session")
def council() -> Council:
    return load_council(EXAMPLE_COUNCIL_DIR)


@pytest.fixture
def now() -> datetime:
    return datetime(2026, 6, 1, 9, 30, tzinfo=UTC)
