"""The case's coordinator gets the case's warnings at their own inbox, once each, besides
the SEND team inbox: through a real look, the outbox and a real SMTP server."""

from __future__ import annotations

import dataclasses
import logging
from collections import Counter
from datetime import UTC, date, datetime, timedelta

from sqlmodel import select

from ehcp.db import crud
from ehcp.db.models import OutboundMessage
from ehcp.runtime.case_runner import reconcile
from tests.db import factories
from tests.mail.rows import SEND_TEAM, deliver

# config/example/council.yaml's coordinators; the warnings come 7 and 2 days before the
# decision whether to assess falls due (16 February 2026: ladder.yaml).
COORD_A, COORD_B = "alex.morgan@example-borough.gov.uk", "sam.patel@example-borough.gov.uk"


def at(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=10)


def look(session, council, tmp_path, case, day: date):
    return reconcile(session, ref=case.ref, council=council, now=at(day), document_store=tmp_path / "docs")


def assign(session, council, case, officer: str | None, day: date) -> None:
    crud.assign_officer(session, ref=case.ref, officer=officer, council=council, by="test", now=at(day))


def queued(session, purpose: str) -> Counter:
    rows = session.exec(select(OutboundMessage).where(OutboundMessage.purpose == purpose)).all()
    return Counter((row.recipient_role, row.recipient_address) for row in rows)


def test_the_coordinator_gets_each_warning_once_at_their_own_inbox_besides_the_team(
    session, council, tmp_path, sink
):
    case = factories.open_case(session, council, now=at(date(2026, 1, 5)))
    assign(session, council, case, "coord-a", date(2026, 1, 5))
    result = look(session, council, tmp_path, case, date(2026, 2, 9))
    assert "queued limit_warning to officer:coord-a" in result.did  # the key, never the name
    assert queued(session, "limit_warning") == {("send_team", SEND_TEAM): 1, ("officer:coord-a", COORD_A): 1}
    deliver(session, council, now=at(date(2026, 2, 9)))
    look(session, council, tmp_path, case, date(2026, 2, 9))
    deliver(session, council, now=at(date(2026, 2, 9)))
    to = Counter(str(message["To"]) for message in sink.messages)
    assert to[COORD_A] == 1 and to[SEND_TEAM] >= 1
    [copy] = [message for message in sink.messages if str(message["To"]) == COORD_A]
    assert case.ref in str(copy["Subject"]) + copy.get_body(("plain",)).get_content()


def test_after_reassignment_new_warnings_go_to_the_new_coordinator_and_nothing_is_sent_again(
    session, council, tmp_path, sink
):
    case = factories.open_case(session, council, now=at(date(2026, 1, 5)))
    assign(session, council, case, "coord-a", date(2026, 1, 5))
    look(session, council, tmp_path, case, date(2026, 2, 9))  # the 7-day warning
    assign(session, council, case, "coord-b", date(2026, 2, 10))
    look(session, council, tmp_path, case, date(2026, 2, 10))
    assert queued(session, "limit_warning") == {("send_team", SEND_TEAM): 1, ("officer:coord-a", COORD_A): 1}
    look(session, council, tmp_path, case, date(2026, 2, 14))  # the 2-day warning
    assert queued(session, "limit_warning") == {
        ("send_team", SEND_TEAM): 2,
        ("officer:coord-a", COORD_A): 1,
        ("officer:coord-b", COORD_B): 1,
    }
    deliver(session, council, now=at(date(2026, 2, 14)))
    to = Counter(str(message["To"]) for message in sink.messages)
    assert (to[COORD_A], to[COORD_B]) == (1, 1)


def test_a_coordinator_removed_from_the_council_file_leaves_the_team_inbox_told_and_a_warning_logged(
    session, council, tmp_path, caplog
):
    case = factories.open_case(session, council, now=at(date(2026, 1, 5)))
    assign(session, council, case, "coord-a", date(2026, 1, 5))
    without = dataclasses.replace(council, coordinators={})
    with caplog.at_level(logging.WARNING):
        result = look(session, without, tmp_path, case, date(2026, 2, 9))
    assert queued(session, "limit_warning") == {("send_team", SEND_TEAM): 1}
    assert any(
        "coord-a" in record.getMessage() and case.ref in record.getMessage() for record in caplog.records
    )
    assert all(
        record.levelno == logging.WARNING for record in caplog.records if "coord-a" in record.getMessage()
    )
    assert result.officer == "coord-a"  # still the case's: the run's tag says so until reassigned


def test_the_coordinators_copy_tells_them_how_to_reach_the_family_as_the_teams_does(
    session, council, tmp_path
):
    case = factories.open_case(session, council, now=at(date(2026, 1, 5)))
    case.interpreter_needed, case.contact_language = True, "Polish"
    session.add(case)
    session.commit()
    assign(session, council, case, "coord-a", date(2026, 1, 5))
    look(session, council, tmp_path, case, date(2026, 2, 9))
    rows = session.exec(select(OutboundMessage).where(OutboundMessage.purpose == "limit_warning")).all()
    bodies = {row.recipient_role: row.body_text for row in rows}
    assert "The family's contact needs: an interpreter (Polish)." in bodies["send_team"]
    assert "The family's contact needs: an interpreter (Polish)." in bodies["officer:coord-a"]


def test_the_chronology_names_the_coordinators_copy_by_role_and_key():
    from ehcp.views.labels import recipient_label

    assert recipient_label("officer:coord-a") == "the case's coordinator (coord-a)"
