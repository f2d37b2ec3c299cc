"""Sending the outbox through a real SMTP server (aiosmtpd on loopback), on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from ehcp.db import crud
from ehcp.db.models import CaseEvent, Document, OutboundMessage
from ehcp.domain.planner import Message
from ehcp.mail.delivery import deliver_sync
from ehcp.mail.local_server import local_mail_server
from ehcp.mail.transport import SmtpTransport
from ehcp.messages import Address
from ehcp.outbox import queue
from ehcp.settings import Settings, get_settings
from tests.db.factories import PARENT_EMAIL, case_open
from tests.support.postgres import free_port
from tests.support.smtp import SmtpSink

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


@pytest.fixture
def sink(monkeypatch):
    with SmtpSink() as server:
        monkeypatch.setenv("EHC_SMTP_PORT", str(server.port))
        monkeypatch.setenv("EHC_SMTP_RETRY_WAIT_SECONDS", "0")
        get_settings.cache_clear()
        yield server


@pytest.fixture
def case(session, council):
    return crud.open_case(session, request=case_open(), council=council, now=NOW, actor="test")


def queue_one(
    session, case, *, purpose="acknowledgement", attach=None, due=date(2026, 2, 16)
) -> OutboundMessage:
    context = {
        "case_ref": case.ref,
        "council": "Example Borough Council",
        "send_team_email": "send.team@example-borough.gov.uk",
        "received_on": date(2026, 1, 5),
        "decide_by": date(2026, 2, 16),
        "final_by": date(2026, 5, 25),
        "due_on": due,
    }
    assert queue(
        session,
        case=case,
        message=Message(purpose, "family:1", due, attach=attach),
        address=Address(PARENT_EMAIL, "Pat Example", "family"),
        context=context,
        domain="example-borough.gov.uk",
        now=NOW,
    )
    return session.exec(
        select(OutboundMessage).where(OutboundMessage.case_id == case.id).order_by(OutboundMessage.id.desc())
    ).first()


def deliver(session, council, now=NOW, **kwargs):
    settings = get_settings()
    return deliver_sync(
        session, transport=SmtpTransport(settings), council=council, settings=settings, now=now, **kwargs
    )


def events(session, kind: str) -> list[CaseEvent]:
    return list(session.exec(select(CaseEvent).where(CaseEvent.kind == kind)))


def test_a_queued_message_is_sent_once_from_the_send_team_with_html_and_its_letter(
    session, council, case, sink, tmp_path
):
    letter = tmp_path / "acknowledgement_letter.txt"
    letter.write_text("Dear family, ...")
    session.add(
        Document(
            case_id=case.id,
            kind="acknowledgement_letter",
            audience="family",
            template="letters/acknowledgement_letter.txt",
            storage_path=str(letter),
            media_type="text/plain",
            sha256="0" * 64,
            created_at=NOW,
        )
    )
    session.commit()
    row = queue_one(session, case, attach="acknowledgement_letter")
    report = deliver(session, council)
    assert report.sent == [row.key]
    [message] = sink.messages
    assert message["Message-ID"] == row.smtp_message_id
    assert message["To"] == PARENT_EMAIL
    assert "send.team@example-borough.gov.uk" in message["From"]
    assert message.get_body(("html",)) is not None and "<p" in message.get_body(("html",)).get_content()
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == "acknowledgement_letter.txt"
    session.refresh(row)
    assert row.state == "sent" and row.sent_at == NOW and row.attempts == 1
    [sent] = events(session, "message_sent")
    assert PARENT_EMAIL not in sent.summary and "family" in sent.summary
    assert deliver(session, council).sent == []  # never twice
    assert len(sink.messages) == 1


def test_a_message_waits_for_the_letter_it_must_carry(session, council, case, sink):
    row = queue_one(session, case, attach="acknowledgement_letter")
    report = deliver(session, council)
    assert report.waiting == [row.key] and sink.messages == []
    session.refresh(row)
    assert row.state == "queued"


def test_a_relay_that_answers_421_then_recovers_gets_the_message_exactly_once(session, council, case, sink):
    sink.answer_next("421 4.3.2 Service not available, try later", "451 4.3.0 Temporary failure")
    row = queue_one(session, case)
    assert deliver(session, council).sent == [row.key]
    assert len(sink.messages) == 1
    session.refresh(row)
    assert row.state == "sent" and row.attempts == 1  # one claim, three SMTP tries inside it


def test_a_550_marks_the_message_failed_tells_the_chronology_and_wakes_the_case(session, council, case, sink):
    sink.always = "550 5.1.1 <parent.testfamily@example.org> mailbox unavailable"
    row = queue_one(session, case)
    later = NOW + timedelta(hours=1)
    assert deliver(session, council, now=later).failed == [row.key]
    session.refresh(row)
    assert row.state == "failed" and row.failed_at == later
    assert row.last_error.startswith("550") and PARENT_EMAIL not in row.last_error
    [failed] = events(session, "message_failed")
    assert PARENT_EMAIL not in failed.summary and "550" in failed.summary
    session.refresh(case)
    assert case.wake_at == later
    sink.always = None
    assert deliver(session, council, now=later + timedelta(days=1)).sent == []  # never retried
    assert sink.messages == []


def test_no_relay_leaves_the_message_queued_until_its_next_attempt(session, council, case, monkeypatch):
    monkeypatch.setenv("EHC_SMTP_PORT", str(free_port()))  # nothing listens there
    monkeypatch.setenv("EHC_SMTP_RETRY_WAIT_SECONDS", "0")
    get_settings.cache_clear()
    row = queue_one(session, case)
    assert deliver(session, council).deferred == [row.key]
    session.refresh(row)
    assert row.state == "queued" and row.next_attempt_at > NOW
    assert deliver(session, council, now=NOW + timedelta(minutes=1)).deferred == []  # not yet
    with SmtpSink() as sink:
        monkeypatch.setenv("EHC_SMTP_PORT", str(sink.port))
        get_settings.cache_clear()
        assert deliver(session, council, now=row.next_attempt_at).sent == [row.key]
        assert len(sink.messages) == 1


def test_two_deliverers_at_once_send_each_message_once(engine, council, case, sink, session):
    rows = [queue_one(session, case, due=date(2026, 2, day)) for day in range(1, 9)]
    from sqlmodel import Session

    def run() -> None:
        with Session(engine) as own:
            deliver(own, council)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ids = [message["Message-ID"] for message in sink.messages]
    assert sorted(ids) == sorted(row.smtp_message_id for row in rows)


def test_a_dead_workers_claim_is_sent_again_with_the_same_message_id(session, council, case, sink, tmp_path):
    row = queue_one(session, case)
    row.state, row.claimed_at, row.attempts = "sending", NOW - timedelta(hours=1), 1
    session.add(row)
    session.commit()
    assert deliver(session, council).sent == [row.key]
    assert [message["Message-ID"] for message in sink.messages] == [row.smtp_message_id]


def test_a_fresh_claim_is_left_to_its_worker(session, council, case, sink):
    row = queue_one(session, case)
    row.state, row.claimed_at = "sending", NOW - timedelta(seconds=10)
    session.add(row)
    session.commit()
    assert deliver(session, council).sent == [] and sink.messages == []


def test_the_local_server_keeps_one_file_per_message_id(tmp_path):
    import smtplib
    from email.message import EmailMessage

    settings = Settings(var_dir=tmp_path / "var", smtp_port=free_port())
    with local_mail_server(settings):
        for _ in range(2):  # a re-send after a crash carries the same Message-ID
            message = EmailMessage()
            message["From"], message["To"], message["Subject"] = "a@example.org", "b@example.org", "Hi"
            message["Message-ID"] = "<same@example.org>"
            message.set_content("hello")
            with smtplib.SMTP("127.0.0.1", settings.smtp_port, timeout=10) as smtp:
                smtp.send_message(message)
    [saved] = list(Path(settings.mail_dir).glob("*.eml"))
    assert b"hello" in saved.read_bytes()


def test_ehcp_mail_send_sends_what_is_due(session, council, case, sink, migrated_url, monkeypatch):
    from ehcp.cli.main import app

    monkeypatch.setenv("EHC_DATABASE_URL", migrated_url)
    monkeypatch.setenv("EHC_FROZEN_NOW", NOW.isoformat())
    get_settings.cache_clear()
    queue_one(session, case)
    result = CliRunner().invoke(app, ["mail", "send"])
    assert result.exit_code == 0, result.output
    assert "Sent 1" in result.output and len(sink.messages) == 1
