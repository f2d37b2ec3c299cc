"""SmtpTransport against real servers: TLS both ways, and every failure said as retry or give up.

No database here: the transport takes a composed message and either hands it over
or raises TransientSendError / PermanentSendError, with no address in the text.
"""

from __future__ import annotations

import asyncio
from email.message import EmailMessage

import pytest

from ehcp.mail.transport import PermanentSendError, SmtpTransport, TransientSendError
from ehcp.settings import get_settings
from tests.mail.conftest import point_smtp_at
from tests.support.postgres import free_port
from tests.support.smtp import SmtpSink, TestCertificate, hanging_up_server, silent_server

RECIPIENT = "parent.testfamily@example.org"


def _message() -> EmailMessage:
    message = EmailMessage()
    message["From"] = "Example Borough Council SEND Team <send.team@example-borough.gov.uk>"
    message["To"] = RECIPIENT
    message["Subject"] = "Test"
    message["Message-ID"] = "<0123456789abcdef@example-borough.gov.uk>"
    message.set_content("hello")
    return message


def _send() -> None:
    asyncio.run(SmtpTransport(get_settings()).send(_message()))


def _refusal(kind: type[Exception]) -> Exception:
    with pytest.raises(kind) as caught:
        _send()
    assert RECIPIENT not in str(caught.value) and "parent.testfamily" not in str(caught.value)
    return caught.value


@pytest.fixture
def certificate(tmp_path, monkeypatch) -> TestCertificate:
    """A throwaway certificate the client's default context trusts (it still verifies it)."""
    made = TestCertificate.make(tmp_path / "tls")
    monkeypatch.setenv("SSL_CERT_FILE", str(made.cert_path))
    return made


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_a_relay_that_speaks_tls_gets_the_message_encrypted(security, certificate, monkeypatch):
    with SmtpSink(security=security, certificate=certificate) as relay:
        point_smtp_at(monkeypatch, relay.port, smtp_security=security)
        _send()
    assert relay.tls_used == [True]
    assert relay.messages[0]["Message-ID"] == "<0123456789abcdef@example-borough.gov.uk>"


def test_a_relay_whose_certificate_is_not_trusted_is_never_sent_to(tmp_path, monkeypatch):
    untrusted = TestCertificate.make(tmp_path / "tls")  # SSL_CERT_FILE left alone
    with SmtpSink(security="tls", certificate=untrusted) as relay:
        point_smtp_at(monkeypatch, relay.port, smtp_security="tls")
        error = _refusal(TransientSendError)
    assert error.code is None and relay.messages == []


def test_plain_text_to_a_relay_that_requires_starttls_is_a_setting_to_fix_not_a_bad_message(
    certificate, monkeypatch
):
    with SmtpSink(security="starttls", certificate=certificate) as relay:
        point_smtp_at(monkeypatch, relay.port, smtp_security="none")
        error = _refusal(TransientSendError)  # 530 at MAIL FROM: about our session
    assert error.code == 530 and relay.messages == []


def test_a_wrong_password_defers_rather_than_failing_the_message(monkeypatch):
    with SmtpSink(refuse_logins=True) as relay:
        point_smtp_at(monkeypatch, relay.port, smtp_username="ehcp", smtp_password="wrong")
        error = _refusal(TransientSendError)
    assert error.code == 535 and "wrong" not in str(error) and relay.messages == []


def test_a_550_for_the_message_is_permanent_and_names_no_address(sink):
    sink.always = f"550 5.1.1 <{RECIPIENT}>: mailbox unavailable"
    error = _refusal(PermanentSendError)
    assert error.code == 550 and str(error) == "550 5.1.1 mailbox unavailable"


def test_a_recipient_refused_with_5xx_is_permanent(sink):
    sink.rcpt.always = f"553 5.1.3 <{RECIPIENT}> bad destination mailbox address syntax"
    assert _refusal(PermanentSendError).code == 553


def test_a_4xx_for_the_recipient_is_transient(sink):
    sink.rcpt.always = "452 4.2.2 Mailbox full"
    assert _refusal(TransientSendError).code == 452


def test_no_relay_listening_is_transient(monkeypatch):
    point_smtp_at(monkeypatch, free_port())
    assert _refusal(TransientSendError).code is None


def test_a_relay_that_hangs_up_is_transient(monkeypatch):
    with hanging_up_server() as port:
        point_smtp_at(monkeypatch, port)
        assert _refusal(TransientSendError).code is None


def test_a_relay_that_never_answers_times_out_as_transient(monkeypatch):
    with silent_server() as port:
        point_smtp_at(monkeypatch, port, smtp_timeout_seconds="0.5")
        assert _refusal(TransientSendError).code is None
