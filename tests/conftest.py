"""Shared fixtures. Database tests run twice: on SQLite and on a real PostgreSQL."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

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
    bin_dir = find_bin_dir()
    if bin_dir is None:
        message = "no PostgreSQL binaries on this machine (apt-get install postgresql)"
        if everything_required():
            pytest.fail(message)
        pytest.skip(message)
    server = TemporaryPostgres.start(bin_dir)
    try:
        yield server.admin_url
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


@pytest.fixture
def migrated_url(database_url: str) -> str:
    migrate.upgrade(database_url)
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
