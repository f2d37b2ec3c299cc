"""The migrations build exactly the models' schema, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.exc import DBAPIError
from sqlmodel import SQLModel

from ehcp.db import migrate
from ehcp.db.engine import make_engine
from ehcp.db.models import CaseEvent

EXPECTED_TABLES = {
    "advice_request",
    "case_event",
    "case_note",
    "case_ref_counter",
    "child",
    "decision",
    "document",
    "ehc_case",
    "family_contact",
    "intake_submission",
    "outbound_message",
    "plan_version",
    "setting_consultation",
    "statutory_exception",
}


def test_upgrade_creates_every_table_at_head(database_url):
    migrate.upgrade(database_url)
    engine = make_engine(database_url)
    try:
        assert set(inspect(engine).get_table_names()) >= EXPECTED_TABLES
        assert migrate.current_revision(engine) == migrate.head_revision(database_url)
    finally:
        engine.dispose()


def test_migrated_schema_matches_the_models(database_url):
    migrate.upgrade(database_url)
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, SQLModel.metadata)
        assert differences == []
    finally:
        engine.dispose()


def test_downgrade_to_base_removes_everything_and_upgrade_restores_it(database_url):
    migrate.upgrade(database_url)
    migrate.downgrade(database_url, "base")
    engine = make_engine(database_url)
    try:
        assert not EXPECTED_TABLES & set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    migrate.upgrade(database_url)
    assert migrate.is_current(database_url)


def _event(engine) -> int:
    """A case and its first chronology entry, in plain SQL that every revision accepts."""
    moment = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO ehc_case (ref, received_on, request_source, stage, decide_to_assess_by,"
                " decide_not_to_issue_by, draft_target_by, final_plan_by, version, created_at,"
                " updated_at) VALUES ('EHC-2026-000001', :received, 'parent', 'considering',"
                " :d6, :d16, :d14, :d20, 1, :moment, :moment)"
            ),
            {
                "received": date(2026, 1, 5),
                "d6": date(2026, 2, 16),
                "d16": date(2026, 4, 27),
                "d14": date(2026, 4, 13),
                "d20": date(2026, 5, 25),
                "moment": moment,
            },
        )
        case_id = connection.execute(text("SELECT id FROM ehc_case")).scalar_one()
        return connection.execute(
            CaseEvent.__table__.insert().values(
                case_id=case_id,
                kind="request_received",
                occurred_on=date(2026, 1, 5),
                recorded_at=moment,
                actor="test",
                summary="Request received.",
                detail={},
            )
        ).inserted_primary_key[0]


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE case_event SET summary = 'rewritten' WHERE id = :id",
        "DELETE FROM case_event WHERE id = :id",
    ],
    ids=["update", "delete"],
)
def test_the_chronology_refuses_changes_and_deletions(migrated_url, statement):
    engine = make_engine(migrated_url)
    try:
        event_id = _event(engine)
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
            connection.execute(text(statement), {"id": event_id})
        with engine.connect() as connection:
            summary = connection.execute(
                text("SELECT summary FROM case_event WHERE id = :id"), {"id": event_id}
            ).scalar_one()
        assert summary == "Request received."
    finally:
        engine.dispose()


def test_upgrading_a_database_that_holds_cases_keeps_them(database_url):
    migrate.upgrade(database_url, "0001")
    engine = make_engine(database_url)
    try:
        event_id = _event(engine)
        migrate.upgrade(database_url)
        with engine.connect() as connection:
            ref, wake_at, waits = connection.execute(
                text("SELECT ref, wake_at, run_wait_number FROM ehc_case")
            ).one()
            kept = connection.execute(
                text("SELECT count(*) FROM case_event WHERE id = :id"), {"id": event_id}
            ).scalar_one()
            counter = connection.execute(text("SELECT year, last_number FROM case_ref_counter")).one()
        assert (ref, waits, kept) == ("EHC-2026-000001", 0, 1)
        assert tuple(counter) == (2026, 1)  # the next case in 2026 is 000002
        assert wake_at is not None
    finally:
        engine.dispose()
