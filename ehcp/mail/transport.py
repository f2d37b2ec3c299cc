"""The SMTP seam: one `send` that says whether a failure is worth retrying.

As in GOV.UK Notify, a failure is transient (try again later) or permanent (this
message will never be taken). The rule here:

- permanent: the relay refuses *this message* with a 5xx reply, at MAIL FROM
  (e.g. 552, too big), RCPT TO (no such mailbox) or DATA (content refused);
- transient: everything else. A 4xx reply; a refused, dropped or silent
  connection; a timeout; and also a 5xx that is about *our session* rather than
  the message (greeting, EHLO, STARTTLS, AUTH, "530 authentication required").
  Those are the same for every message, so failing each one for good would throw
  the whole outbox away over one wrong password; deferred, everything goes out
  once the setting is fixed.

Error text names the SMTP code and the server's words with any address removed,
because it may reach logs; the recipient is never in it.

`Transport` is the protocol delivery depends on, so tests or other callers can
pass another transport (as with httpx's transports); `SmtpTransport` is the real one.
"""

from __future__ import annotations

from email.message import EmailMessage
from typing import Protocol

import aiosmtplib

from ehcp.settings import Settings

REASON_MAX_CHARS = 200
# MAIL FROM replies that are about our session, not the message: retry once fixed.
SESSION_LEVEL_CODES = frozenset({530, 534, 535, 538})


class SendError(RuntimeError):
    """`code` is the SMTP reply code, None when there was no reply (connection trouble)."""

    def __init__(self, code: int | None, reason: str) -> None:
        self.code = code
        self.reason = reason
        super().__init__(f"{code} {reason}".strip() if code else reason)


class TransientSendError(SendError):
    """Try again later."""


class PermanentSendError(SendError):
    """Never try this message again."""


class Transport(Protocol):
    async def send(self, message: EmailMessage) -> None:
        """Hand the message to the relay; raise TransientSendError or PermanentSendError."""
        ...


class SmtpTransport:
    """aiosmtplib against the configured relay (or the local development server).

    One connection per message: delivery sends a handful at a time, and a fresh
    connection means one message's trouble never leaves the next in a broken session.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def send(self, message: EmailMessage) -> None:
        settings = self.settings
        password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
        try:
            await aiosmtplib.send(
                message,
                hostname=settings.smtp_host,
                port=settings.smtp_port,
                use_tls=settings.smtp_security == "tls",
                # False, not None: None lets aiosmtplib upgrade on its own when offered,
                # and "none" should mean what it says (the local server has no certificate).
                start_tls=settings.smtp_security == "starttls",
                username=settings.smtp_username,
                password=password,
                timeout=settings.smtp_timeout_seconds,
            )
        except aiosmtplib.SMTPRecipientsRefused as error:
            # One recipient per message, so this is the whole message refused at RCPT.
            codes = [refusal.code for refusal in error.recipients]
            code = max(codes, default=None)
            raise _about_the_message(code, "recipient refused") from None
        except (aiosmtplib.SMTPRecipientRefused, aiosmtplib.SMTPDataError) as error:
            raise _about_the_message(error.code, _reason(error.message)) from None
        except aiosmtplib.SMTPSenderRefused as error:
            if error.code in SESSION_LEVEL_CODES:
                raise TransientSendError(error.code, _reason(error.message)) from None
            raise _about_the_message(error.code, _reason(error.message)) from None
        except aiosmtplib.SMTPResponseException as error:
            # Greeting, EHLO, STARTTLS, AUTH: the relay or our settings, not this message.
            raise TransientSendError(error.code, _reason(error.message)) from None
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as error:
            # Connection refused or dropped, timeouts, TLS trouble: the relay may come back.
            raise TransientSendError(None, type(error).__name__) from None


def _about_the_message(code: int | None, reason: str) -> SendError:
    if code is not None and 500 <= code < 600:
        return PermanentSendError(code, reason)
    return TransientSendError(code, reason)


def _reason(message: str) -> str:
    """The server's words without anything that looks like an address.

    A relay may quote what it refused ("<a@b>: mailbox unavailable", "user <pat> unknown")."""
    words = (word for word in message.split() if "@" not in word and not word.startswith("<"))
    return " ".join(words)[:REASON_MAX_CHARS]
