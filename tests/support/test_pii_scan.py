"""The personal-data scanner finds what is planted, in every form it is stored in, and nothing else."""

from __future__ import annotations

import contextlib
import json
import sqlite3
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.db import factories
from tests.support.pii_scan import find_personal_data, personal_values_of

NOW = datetime(2026, 1, 6, 9, 0, tzinfo=UTC)
NAME = "Zoë O'Planted-Testchild"  # non-ASCII and a quote: JSON and SQL escape it
EMAIL = "planted.parent@example.org"


@pytest.fixture
def scratch_postgres(postgres_admin_url) -> Iterator[str]:
    """A throwaway database on the suite's PostgreSQL server; its URL as Prefect's would be."""
    name = f"pii_scan_{uuid.uuid4().hex[:12]}"
    admin = create_engine(postgres_admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(postgres_admin_url).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


def fill(url: str, rows: list[tuple[str, str]]) -> None:
    """Two tables like Prefect's: JSONB (normalised, as Prefect's parameters) and JSON (kept as written)."""
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE flow_run (id serial PRIMARY KEY, parameters jsonb NOT NULL)"))
        connection.execute(text("CREATE TABLE log (id serial PRIMARY KEY, message text, extra json)"))
        for table, value in rows:
            column = "parameters" if table == "flow_run" else "extra"
            connection.execute(
                text(f"INSERT INTO {table} ({column}) VALUES (CAST(:v AS json))"), {"v": value}
            )
    engine.dispose()


@pytest.mark.postgres
def test_a_value_planted_in_a_postgresql_json_column_is_found_with_its_table(scratch_postgres):
    fill(
        scratch_postgres,
        [
            ("flow_run", json.dumps({"case": "EHC-2026-000001", "child": NAME})),
            ("log", json.dumps({"to": EMAIL.upper(), "child": NAME})),  # ensure_ascii: "Zo\u00eb O'..."
            ("log", json.dumps({"note": "nothing personal"})),
        ],
    )
    hits = find_personal_data([NAME, EMAIL], postgres_url=scratch_postgres)
    assert sorted((hit.where, hit.value) for hit in hits) == sorted(
        [("public.flow_run", NAME), ("public.log", EMAIL), ("public.log", NAME)]
    )
    assert {hit.source for hit in hits} == {"postgresql"}
    # What a failing test prints never repeats the value itself.
    for hit in hits:
        assert hit.value.lower() not in (repr(hit) + str(hit)).lower()
        assert "planted" not in hit.context.lower()


@pytest.mark.postgres
def test_a_clean_postgresql_database_has_no_hits(scratch_postgres):
    fill(scratch_postgres, [("flow_run", json.dumps({"case": "EHC-2026-000001", "child": "Zoë O'Other"}))])
    assert find_personal_data([NAME, EMAIL], postgres_url=scratch_postgres) == []


def test_the_case_databases_values_are_found_in_a_log_and_a_folder_in_other_forms(session, council, tmp_path):
    case = factories.open_case(session, council, now=NOW)  # postcode ZZ1 1ZZ, born 14 March 2017
    values = personal_values_of(session, [case.ref])
    assert {"ZZ1 1ZZ", "ZZ11ZZ", "2017-03-14", "14/03/2017", "14 March 2017"} <= set(values)
    assert {factories.CHILD_NAME, f"{factories.CHILD_NAME} Example", factories.PARENT_EMAIL} <= set(values)
    log = tmp_path / "worker-a.log"
    log.write_text(f"09:00 INFO sending to {factories.PARENT_EMAIL.upper()}\n09:01 INFO done\n")
    folder = tmp_path / "worker-home"
    (folder / "storage").mkdir(parents=True)
    (folder / "storage" / "result.json").write_text('{"where": "zz11zz", "born": "14 march 2017"}')
    (folder / "clean.txt").write_text("EHC-2026-000001 waits for advice")
    hits = find_personal_data(values, log_paths=[log], directories=[folder])
    assert sorted((hit.source, hit.where, hit.value) for hit in hits) == [
        ("file", str(folder / "storage" / "result.json"), "14 March 2017"),
        ("file", str(folder / "storage" / "result.json"), "ZZ11ZZ"),
        ("log", str(log), factories.PARENT_EMAIL),
    ]


def test_near_misses_and_clean_files_are_not_hits(tmp_path):
    values = ["ZZ11ZZ", "ZZ1 1ZZ", "2017-03-14", "Sam", EMAIL]
    clean = tmp_path / "clean.log"
    clean.write_text(
        "Sample text. XZZ11ZZ and ZZ11ZZ9 are other codes; 2017-03-145 is no date (aged 14 in 2017, 03);"
        " Planted.parent is not an address."
    )
    assert find_personal_data(values, log_paths=[clean], directories=[tmp_path]) == []


def test_a_sqlite_database_is_read_with_its_unmerged_wal(tmp_path):
    path = tmp_path / "prefect.db"
    with contextlib.closing(sqlite3.connect(path)) as writer:
        writer.execute("PRAGMA journal_mode=WAL")
        writer.execute("PRAGMA wal_autocheckpoint=0")  # the row stays in the -wal file
        writer.execute("CREATE TABLE artifact (id INTEGER PRIMARY KEY, data TEXT)")
        with writer:
            writer.execute("INSERT INTO artifact (data) VALUES (?)", (json.dumps({"child": NAME}),))
        assert (tmp_path / "prefect.db-wal").stat().st_size > 0
        hits = find_personal_data([NAME, EMAIL], sqlite_path=path)
    assert ("sqlite", "artifact") in {(hit.source, hit.where) for hit in hits}
    assert {hit.value for hit in hits} == {NAME}


def test_a_missing_log_is_an_error_not_a_clean_scan(tmp_path):
    with pytest.raises(FileNotFoundError):
        find_personal_data(["Sam"], log_paths=[tmp_path / "never-written.log"])
