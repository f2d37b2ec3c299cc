"""A database restart between the relay's "250" and the outbox's record of it.

The relay has the message; if the record were given up, the claim would go stale and a
later pass would send the message again. The record waits for the database instead.
Real parts: a PostgreSQL server of this module's own (restarting the session's would cut
every other test's connections) and the SMTP server on loopback."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from ehcp.db import migrate
from ehcp.db.engine import make_engine, session_for
from tests.conftest import own_postgres_server
from tests.db import factories
from tests.mail.rows import NOW, deliver, events, queue_one
from tests.support.postgres import TemporaryPostgres

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def own_postgres() -> Iterator[TemporaryPostgres]:
    with own_postgres_server() as server:
        yield server


@pytest.fixture
def restartable_session(own_postgres):
    admin = create_engine(own_postgres.admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text('DROP DATABASE IF EXISTS "cases" WITH (FORCE)'))
        connection.execute(text('CREATE DATABASE "cases"'))
    admin.dispose()
    url = make_url(own_postgres.admin_url).set(database="cases").render_as_string(hide_password=False)
    migrate.upgrade(url)
    engine = make_engine(url)
    with session_for(engine) as session:
        yield session
    engine.dispose()


def test_a_sent_message_is_recorded_once_the_database_is_back_and_never_sent_again(
    restartable_session, council, sink, own_postgres
):
    session = restartable_session
    case = factories.open_case(session, council, now=NOW)
    row = queue_one(session, case)
    restarted = threading.Event()

    def restart_in_the_background() -> None:
        own_postgres.restart(down_seconds=3)
        restarted.set()

    def database_goes_down_as_the_relay_accepts() -> None:
        sink.before_accepting = None
        threading.Thread(target=restart_in_the_background, daemon=True).start()
        time.sleep(1)  # pg_ctl's immediate stop has cut every connection by now

    sink.before_accepting = database_goes_down_as_the_relay_accepts
    report = deliver(session, council)

    assert restarted.is_set()  # recorded only after the database came back
    assert report.sent == [row.key]
    session.rollback()
    session.refresh(row)
    assert row.state == "sent"
    assert len(events(session, "message_sent")) == 1
    # A pass a day later, when any claim left behind would long be stale, sends nothing.
    assert deliver(session, council, now=NOW + timedelta(days=1)).sent == []
    assert Counter(message["Message-ID"] for message in sink.messages) == {row.smtp_message_id: 1}
