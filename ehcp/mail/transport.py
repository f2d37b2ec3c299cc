"""The SMTP seam: one `send` that says whether a failure is worth retrying.

As in GOV.UK Notify, a failure is transient (SMTP 4xx, a dropped or refused
connection, a timeout: try again later) or permanent (5xx: the relay will never
take this message). Error text names the SMTP code and the server's words, never
the recipient, because it may reach Prefect's logs.
"""

from __future__ import annotations

from email.message import EmailMessage
from typing import Protocol

import aiosmtplib

from ehcp.settings import Settings


class SendError(RuntimeError):
    def __init__(self, code: int | None, reason: str) -> None:
        self.code = code
        super().__init__(f"{code} {reason}".strip() if code else reason)


class TransientSendError(SendError):
    """Try again later."""


class PermanentSendError(SendError):
    """Never try this message again."""


class Transport(Protocol):
    async def send(self, message: EmailMessage) -> None: ...


class SmtpTransport:
    """aiosmtplib against the configured relay (or the local development server)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def send(self, message: EmailMessage) -> None:
        settings = self.settings
        try:
            await aiosmtplib.send(
                message,
                hostname=settings.smtp_host,
                port=settings.smtp_port,
                use_tls=settings.smtp_security == "tls",
                # False, not None: None lets aiosmtplib upgrade on its own when offered.
                start_tls=settings.smtp_security == "starttls",
                username=settings.smtp_username,
                password=settings.smtp_password.get_secret_value() if settings.smtp_password else None,
                timeout=settings.smtp_timeout_seconds,
            )
        except aiosmtplib.SMTPRecipientsRefused as error:
            codes = [refusal.code for refusal in error.recipients]
            raise _classified(max(codes, default=None), "recipient refused") from None
        except aiosmtplib.SMTPResponseException as error:
            raise _classified(error.code, _reason(error.message)) from None
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as error:
            # Connection refused or dropped, timeouts, TLS trouble: the relay may come back.
            raise TransientSendError(None, type(error).__name__) from None


def _classified(code: int | None, reason: str) -> SendError:
    if code is not None and 500 <= code < 600:
        return PermanentSendError(code, reason)
    return TransientSendError(code, reason)


def _reason(message: str) -> str:
    # A relay may quote the address it refused ("<a@b> mailbox unavailable"): drop it.
    return " ".join(word for word in message.split() if "@" not in word)[:200]
