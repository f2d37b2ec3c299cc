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
from ehcp.db.models import Case, CaseEvent

EXPECTED_TABLES = {
    "advice_request",
    "case_event",
    "case_note",
    "child",
    "decision",
    "document",
    "ehc_case",
    "family_contact",
    "outbound_message",
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
    moment = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    with engine.begin() as connection:
        case_id = connection.execute(
            Case.__table__.insert().values(
                ref="EHC-2026-000001",
                received_on=date(2026, 1, 5),
                request_source="parent",
                stage="considering",
                decide_to_assess_by=date(2026, 2, 16),
                decide_not_to_issue_by=date(2026, 4, 27),
                draft_target_by=date(2026, 4, 13),
                final_plan_by=date(2026, 5, 25),
                version=1,
                created_at=moment,
                updated_at=moment,
            )
        ).inserted_primary_key[0]
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
