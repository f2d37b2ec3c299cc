"""A failure nobody expected is answered with an error id; the data never shows.

SQLAlchemy's errors quote a statement's parameters (a child's name, date of birth, NHS
number) and the probe found them in the log after a NUL in a name reached PostgreSQL."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from ehcp import timesource
from ehcp.db.engine import make_engine, session_for
from ehcp.settings import get_settings
from tests.db.factories import open_case
from tests.support.postgres import free_port
from tests.support.web import served_app

TOKEN = "test-token-" + "f" * 30
NOW = timesource.parse_instant("2026-03-01T09:00:00+00:00")
NAME = "Zebedee Quartermaine"


def test_a_database_error_names_no_statement_parameters(engine):
    with engine.connect() as connection, pytest.raises(SQLAlchemyError) as failed:
        # Both backends refuse this insert (no such column): the error would quote the values.
        connection.execute(text("INSERT INTO ehc_case (no_such_column) VALUES (:name)"), {"name": NAME})
    assert NAME not in str(failed.value)


@pytest.mark.postgres
def test_a_nul_reaching_postgresql_is_not_quoted_in_its_error(postgres_admin_url):
    engine = make_engine(postgres_admin_url)
    try:
        with engine.connect() as connection, pytest.raises(SQLAlchemyError) as failed:
            connection.execute(text("SELECT CAST(:name AS text)"), {"name": "Zebedee\x00Quartermaine"})
        assert "Zebedee" not in str(failed.value)
    finally:
        engine.dispose()


def test_a_route_that_fails_unexpectedly_answers_500_with_an_error_id_and_logs_the_rest(
    migrated_url, council, monkeypatch
):
    monkeypatch.setenv("EHC_DATABASE_URL", migrated_url)
    monkeypatch.setenv("EHC_API_TOKEN", TOKEN)
    monkeypatch.setenv("EHC_PREFECT_PORT", str(free_port()))
    engine = make_engine(migrated_url)
    with session_for(engine) as session:
        ref = open_case(session, council, now=NOW).ref
    with engine.begin() as connection:  # a database in a state no route expects
        connection.execute(text("DROP TABLE statutory_exception"))
    engine.dispose()
    with served_app() as url:
        response = httpx.get(
            f"{url}/api/cases/{ref}/timeline", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30
        )
    assert response.status_code == 500
    error_id = response.json()["error_id"]
    assert error_id in response.json()["detail"]
    assert "statutory_exception" not in response.text and "Traceback" not in response.text
    log = (get_settings().var_dir / "log" / "ehcp.log").read_text()
    assert f"GET /api/cases/{{ref}}/timeline failed (error id {error_id})" in log
    assert ref not in log.splitlines()[0]  # the route's template, not the path typed
