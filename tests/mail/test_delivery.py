"""Sending the outbox through a real SMTP server (aiosmtpd on loopback), on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import threading
from datetime import date, timedelta
from pathlib import Path

from sqlmodel import Session, select

from ehcp.db import runs
from ehcp.db.models import OutboundMessage
from ehcp.mail.delivery import DeliveryCounts
from ehcp.mail.local_server import local_mail_server
from ehcp.settings import get_settings
from tests.db.factories import PARENT_EMAIL, open_case
from tests.mail.conftest import point_smtp_at
from tests.mail.rows import NOW, SEND_TEAM, deliver, draft_letter, events, queue_one
from tests.support.documents import pdf_text
from tests.support.postgres import free_port
from tests.support.smtp import SmtpSink


def test_a_queued_message_is_sent_once_from_the_send_team_with_html_and_its_letter(
    session, council, case, sink, tmp_path
):
    draft_letter(session, case, council, tmp_path / "documents")
    row = queue_one(session, case, attach=("acknowledgement_letter",))

    report = deliver(session, council)

    assert report.sent == [row.key] and report.counts.sent == 1
    [message] = sink.messages
    assert message["Message-ID"] == row.smtp_message_id
    assert message["To"] == PARENT_EMAIL
    assert message["From"] == f"Example Borough Council SEND Team <{SEND_TEAM}>"
    # strip(): policy.SMTP folds a long subject right after "Subject:", which is valid and which
    # mail programs unfold away; Python's parser keeps the leading space.
    assert message["Subject"].strip() == row.subject and message["Date"]
    assert message.get_body(("plain",)).get_content().replace("\r\n", "\n").strip() == row.body_text.strip()
    html = message.get_body(("html",))
    assert html is not None and "<p" in html.get_content()
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == f"{case.ref}-acknowledgement-letter.pdf"
    assert attachment.get_content_type() == "application/pdf"
    assert "Your request for an EHC needs assessment" in pdf_text(attachment.get_content())
    session.refresh(row)
    assert row.state == "sent" and row.sent_at == NOW and row.attempts == 1
    [sent] = events(session, "message_sent")
    assert sent.summary == "Acknowledgement sent to family."
    assert sent.detail == {"key": row.key, "purpose": "acknowledgement", "recipient": "family"}
    assert deliver(session, council, now=NOW + timedelta(days=1)).sent == []  # never twice
    assert len(sink.messages) == 1


def test_a_message_waits_unclaimed_for_the_letter_it_must_carry(session, council, case, sink, tmp_path):
    row = queue_one(session, case, attach=("acknowledgement_letter",))
    report = deliver(session, council)
    assert report.waiting == [row.key] and sink.messages == []
    session.refresh(row)
    assert row.state == "queued" and row.attempts == 0 and row.claimed_at is None

    draft_letter(session, case, council, tmp_path / "documents")
    assert deliver(session, council).sent == [row.key]
    [message] = sink.messages
    assert [part.get_filename() for part in message.iter_attachments()] == [
        f"{case.ref}-acknowledgement-letter.pdf"
    ]


def test_an_email_carries_every_document_it_names_in_order_and_waits_for_the_last(
    session, council, case, sink, tmp_path
):
    store = tmp_path / "documents"
    draft_letter(session, case, council, store, kind="considering_notice_letter")
    row = queue_one(session, case, attach=("considering_notice_letter", "acknowledgement_letter"))
    assert deliver(session, council).waiting == [row.key] and sink.messages == []

    draft_letter(session, case, council, store)
    assert deliver(session, council).sent == [row.key]
    [message] = sink.messages
    assert [part.get_filename() for part in message.iter_attachments()] == [
        f"{case.ref}-considering-notice-letter.pdf",
        f"{case.ref}-acknowledgement-letter.pdf",
    ]


def test_a_letter_whose_file_is_gone_holds_its_message_but_not_the_others(
    session, council, case, sink, tmp_path
):
    draft_letter(session, case, council, tmp_path / "documents").unlink()
    held = queue_one(session, case, attach=("acknowledgement_letter",))
    other = queue_one(session, case, purpose="considering_notice")
    report = deliver(session, council)
    assert report.waiting == [held.key] and report.sent == [other.key]
    session.refresh(held)
    assert held.state == "queued"


def test_a_relay_that_answers_421_then_recovers_gets_the_message_exactly_once(session, council, case, sink):
    sink.answer_next("421 4.3.2 Service not available, try later", "451 4.3.0 Temporary failure")
    row = queue_one(session, case)
    assert deliver(session, council).sent == [row.key]
    assert len(sink.messages) == 1 and sink.data.seen == 3
    session.refresh(row)
    assert row.state == "sent" and row.attempts == 1  # one claim, three SMTP tries inside it


def test_a_recipient_deferred_with_4xx_then_accepted_gets_the_message_once(session, council, case, sink):
    sink.rcpt.next.append("450 4.2.1 Mailbox busy, try later")
    row = queue_one(session, case)
    assert deliver(session, council).sent == [row.key]
    assert [message["Message-ID"] for message in sink.messages] == [row.smtp_message_id]


def test_a_550_marks_the_message_failed_tells_the_chronology_and_wakes_the_case(session, council, case, sink):
    sink.always = f"550 5.1.1 <{PARENT_EMAIL}>: mailbox unavailable"
    row = queue_one(session, case)
    later = NOW + timedelta(hours=1)
    version = case.version

    report = deliver(session, council, now=later)

    assert report.failed == [row.key]
    assert sink.data.seen == 1  # a 5xx is not retried
    session.refresh(row)
    assert row.state == "failed" and row.failed_at == later
    assert row.last_error == "550 5.1.1 mailbox unavailable"
    [failed] = events(session, "message_failed")
    assert failed.summary == (
        "Acknowledgement to family could not be delivered: "
        "the mail relay refused it for good (SMTP 550 5.1.1)."
    )
    assert failed.detail["smtp"] == "SMTP 550 5.1.1" and failed.detail["recipient"] == "family"
    assert PARENT_EMAIL not in json.dumps(failed.detail) + failed.summary + report.errors[row.key]
    session.refresh(case)
    # Woken, and marked changed, so a look under way now looks again before it suspends.
    assert case.wake_at == later and case.version == version + 1 and case.stage == "considering"
    # A look that read the case before the failure cannot suspend on what it saw.
    assert not runs.mark_looked(session, case_id=case.id, seen_version=version, wake_at=None, now=later)

    sink.always = None
    assert deliver(session, council, now=later + timedelta(days=1)).counts == DeliveryCounts()
    assert sink.messages == [] and sink.data.seen == 1  # never retried


def test_a_recipient_refused_with_550_fails_the_message(session, council, case, sink):
    sink.rcpt.always = f"550 5.1.1 <{PARENT_EMAIL}>: Recipient address rejected"
    row = queue_one(session, case)
    assert deliver(session, council).failed == [row.key]
    session.refresh(row)
    assert row.state == "failed" and row.last_error.startswith("550") and PARENT_EMAIL not in row.last_error
    assert sink.data.seen == 0


def test_a_relay_in_trouble_for_the_whole_pass_defers_the_message_with_growing_backoff(
    session, council, case, sink, monkeypatch
):
    point_smtp_at(monkeypatch, sink.port, smtp_attempts="3")
    sink.always = "421 4.3.2 Try again later"
    row = queue_one(session, case)

    assert deliver(session, council).deferred == [row.key]
    assert sink.data.seen == 3  # EHC_SMTP_ATTEMPTS tries in the pass
    session.refresh(row)
    assert row.state == "queued" and row.attempts == 1 and row.last_error.startswith("421")
    assert row.next_attempt_at == NOW + timedelta(minutes=15)

    assert deliver(session, council, now=row.next_attempt_at).deferred == [row.key]
    session.refresh(row)
    assert row.attempts == 2 and row.next_attempt_at == NOW + timedelta(minutes=45)  # +15 min x 2


def test_no_relay_leaves_the_message_queued_until_its_next_attempt(session, council, case, monkeypatch):
    point_smtp_at(monkeypatch, free_port())  # nothing listens there
    row = queue_one(session, case)
    report = deliver(session, council)
    assert report.deferred == [row.key] and "ConnectError" in report.errors[row.key]
    session.refresh(row)
    assert row.state == "queued" and row.next_attempt_at > NOW
    assert deliver(session, council, now=NOW + timedelta(minutes=1)).deferred == []  # not yet
    with SmtpSink() as sink:
        point_smtp_at(monkeypatch, sink.port)
        assert deliver(session, council, now=NOW + timedelta(minutes=1)).sent == []
        assert deliver(session, council, now=row.next_attempt_at).sent == [row.key]
        assert len(sink.messages) == 1


def test_three_deliverers_at_once_send_each_message_once(engine, council, case, sink, session):
    rows = [queue_one(session, case, due=date(2026, 2, day)) for day in range(1, 9)]
    start = threading.Barrier(3)

    def run() -> None:
        with Session(engine) as own:
            start.wait()
            deliver(own, council)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ids = [message["Message-ID"] for message in sink.messages]
    assert sorted(ids) == sorted(row.smtp_message_id for row in rows)
    session.expire_all()
    assert {(row.state, row.attempts) for row in session.exec(select(OutboundMessage))} == {("sent", 1)}
    assert len(events(session, "message_sent")) == len(rows)


def test_a_dead_workers_claim_is_sent_again_with_the_same_message_id(session, council, case, sink):
    row = queue_one(session, case)
    row.state, row.claimed_at, row.attempts = "sending", NOW - timedelta(hours=1), 1
    session.add(row)
    session.commit()
    assert deliver(session, council).sent == [row.key]
    assert [message["Message-ID"] for message in sink.messages] == [row.smtp_message_id]
    session.refresh(row)
    assert row.state == "sent" and row.attempts == 2


def test_a_fresh_claim_is_left_to_its_worker(session, council, case, sink):
    row = queue_one(session, case)
    row.state, row.claimed_at = "sending", NOW - timedelta(seconds=10)
    session.add(row)
    session.commit()
    assert deliver(session, council).sent == [] and sink.messages == []
    session.refresh(row)
    assert row.state == "sending" and row.claimed_at == NOW - timedelta(seconds=10)


def test_a_copy_resent_after_a_worker_died_past_the_relays_250_is_one_file_locally(
    session, council, case, monkeypatch
):
    point_smtp_at(monkeypatch, free_port())
    settings = get_settings()
    row = queue_one(session, case)
    with local_mail_server(settings):
        assert deliver(session, council).sent == [row.key]
        # The worker "died" after the relay's 250 and before its commit: the row still shows its claim.
        row.state, row.sent_at, row.claimed_at = "sending", None, NOW
        session.add(row)
        session.commit()
        later = NOW + timedelta(seconds=settings.smtp_claim_stale_seconds + 1)
        assert deliver(session, council, now=later).sent == [row.key]
    files = list(Path(settings.mail_dir).glob("*.eml"))
    assert len(files) == 1 and row.smtp_message_id.encode() in files[0].read_bytes()


def test_delivery_for_one_case_sends_only_that_cases_messages(session, council, case, sink):
    other = open_case(session, council, now=NOW)
    mine, theirs = queue_one(session, case), queue_one(session, other)
    assert deliver(session, council, case_id=case.id).sent == [mine.key]
    session.refresh(theirs)
    assert theirs.state == "queued" and len(sink.messages) == 1
