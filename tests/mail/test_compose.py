"""A composed message's headers read back as they were written, from the file the local
SMTP server saves: no subject starts with a space because the folder moved it off the
"Subject:" line.

Messages go through the real path: ehcp.mail.compose, the SmtpTransport delivery uses
(aiosmtplib, which flattens with its own policy), the development server of `make run`
(ehcp.mail.local_server), then the saved .eml parsed as a mail program would, with the
modern policy and with compat32.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import re
from datetime import UTC, datetime
from email.message import Message
from pathlib import Path

import pytest

from ehcp.council.config import Contact
from ehcp.db.models import OutboundMessage
from ehcp.mail.compose import compose
from ehcp.mail.local_server import file_name, local_mail_server
from ehcp.mail.transport import SmtpTransport
from ehcp.rendering import template_names
from ehcp.settings import Settings
from tests.mail.scenarios import written
from tests.support.postgres import free_port

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
SENDER = Contact(organisation="Example Borough Council SEND Team", email="send.team@example-borough.gov.uk")
ACKNOWLEDGEMENT = "We have received your request for an EHC needs assessment (EHC-2026-000001)"


def row(subject: str, n: int = 0) -> OutboundMessage:
    return OutboundMessage(
        key=f"EHC-2026-000001:test:{n}",
        case_id=1,
        purpose="acknowledgement",
        recipient_role="family",
        recipient_address="parent.testfamily@example.org",
        subject=subject,
        body_text="Dear Pat Example,\n\nA test.\n",
        body_html="<p>Dear Pat Example,</p><p>A test.</p>",
        smtp_message_id=f"<test-{n}@example-borough.gov.uk>",
        queued_at=NOW,
    )


def saved(tmp_path: Path, rows: list[OutboundMessage], sender: Contact = SENDER) -> list[bytes]:
    """Each row composed, sent through the local SMTP server and read back from its file."""
    settings = Settings(var_dir=tmp_path / "var", smtp_port=free_port())
    transport = SmtpTransport(settings)

    async def send_all() -> None:
        for each in rows:
            await transport.send(compose(each, sender=sender, attachments=[], now=NOW))

    with local_mail_server(settings):
        asyncio.run(send_all())
    return [(settings.mail_dir / file_name(each.smtp_message_id)).read_bytes() for each in rows]


def unfolded(value: str) -> str:
    """RFC 5322 unfolding: a line break followed by white space is the white space."""
    return re.sub(r"\r?\n(?=[ \t])", "", value)


def header_lines(raw: bytes) -> list[bytes]:
    return raw.split(b"\r\n\r\n", 1)[0].split(b"\r\n")


def test_a_subject_that_fits_a_line_of_its_own_stays_on_the_subject_line():
    # 75 characters: with "Subject: " more than 78, so the folder used to put all of it on
    # the next line ("Subject:" CRLF " We have ..."), which parsers read with a space first.
    assert len(ACKNOWLEDGEMENT) == 75
    raw = bytes(compose(row(ACKNOWLEDGEMENT), sender=SENDER, attachments=[], now=NOW))
    assert f"Subject: {ACKNOWLEDGEMENT}\n".encode() in raw


def test_the_acknowledgements_subject_reads_back_from_the_saved_file_without_a_leading_space(tmp_path):
    [raw] = saved(tmp_path, [row(ACKNOWLEDGEMENT)])
    assert email.message_from_bytes(raw, policy=email.policy.default)["Subject"] == ACKNOWLEDGEMENT
    assert email.message_from_bytes(raw, policy=email.policy.compat32)["Subject"] == ACKNOWLEDGEMENT


def test_every_purposes_subject_reads_back_whole_from_the_saved_file(tmp_path):
    subjects = sorted({each.subject for each in written()})
    assert {each.purpose for each in written()} == set(template_names("email"))
    files = saved(tmp_path, [row(subject, n) for n, subject in enumerate(subjects)])
    for subject, raw in zip(subjects, files, strict=True):
        modern = email.message_from_bytes(raw, policy=email.policy.default)["Subject"]
        assert modern == subject
        old: Message = email.message_from_bytes(raw, policy=email.policy.compat32)
        assert not old["Subject"][:1].isspace(), old["Subject"]
        assert unfolded(old["Subject"]) == subject
        assert all(len(line) <= 998 for line in header_lines(raw))


def test_a_long_subject_folds_between_words_at_78_columns_and_reads_back_whole(tmp_path):
    subject = "Your views for your child's EHC needs assessment (EHC-2026-000001), by 24 March 2026"
    [raw] = saved(tmp_path, [row(subject)])
    folded = [line for line in header_lines(raw) if line.startswith(b"Subject:")]
    assert folded == [b"Subject: Your views for your child's EHC needs assessment (EHC-2026-000001),"]
    assert b"\r\n by 24 March 2026\r\n" in raw
    assert email.message_from_bytes(raw, policy=email.policy.default)["Subject"] == subject


@pytest.mark.parametrize(
    "subject",
    [
        "Cyngor Sir Ynys Môn: we have received your request (EHC-2026-000001)",
        "Penderfyniad: byddwn yn cynnal asesiad o anghenion AIG ar gyfer eich plentyn (EHC-2026-000001)",
    ],
)
def test_a_subject_with_letters_beyond_ascii_reads_back_whole(tmp_path, subject):
    [raw] = saved(tmp_path, [row(subject)])
    assert email.message_from_bytes(raw, policy=email.policy.default)["Subject"] == subject
    assert not re.search(rb"^Subject:\r\n", raw, re.M)


def test_no_header_is_left_alone_on_its_line(tmp_path):
    # A long sender name must not leave "From:" alone on its line either.
    sender = Contact(
        organisation="Example Borough Council Special Educational Needs and Disabilities Team",
        email="send.team@example-borough.gov.uk",
    )
    [raw] = saved(tmp_path, [row(ACKNOWLEDGEMENT)], sender=sender)
    assert not [line for line in header_lines(raw) if line.endswith(b":")]
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert parsed["From"].addresses[0].display_name == sender.organisation
