"""The development SMTP server `make run` starts: every email the system sends, as a file.

aiosmtpd on loopback saves each message under var/mail/ as an .eml file (open it in
any mail program, or read it as text). The file is named from the Message-ID, so a
copy re-sent after a crashed worker replaces the first instead of sitting beside it.
"""

from __future__ import annotations

import hashlib
import logging
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from email import message_from_bytes
from pathlib import Path

from aiosmtpd.controller import Controller

from ehcp.files import write_whole
from ehcp.settings import Settings

log = logging.getLogger("ehcp.mail.local")


def file_name(message_id: str) -> str:
    """A digest of the Message-ID: safe on any file system, and with no timestamp in it on
    purpose, so a copy re-sent after a dead worker's claim (same Message-ID) overwrites the
    first file instead of sitting beside it, and var/mail/ shows what a recipient would keep."""
    return hashlib.sha256(message_id.strip().encode()).hexdigest()[:32] + ".eml"


class SaveToFolder:
    """aiosmtpd handler: write each message to `folder`, one file per Message-ID."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 (aiosmtpd's name)
        content = envelope.original_content or envelope.content
        message_id = message_from_bytes(content).get("Message-ID") or hashlib.sha256(content).hexdigest()
        path = self.folder / file_name(message_id)
        write_whole(path, content)  # whole files only, for readers watching the folder
        log.info("saved %s", path.name)  # the file name only: the message is personal data
        return "250 Message accepted for delivery"


@contextmanager
def local_mail_server(settings: Settings) -> Iterator[Controller]:
    """The server in a background thread, for as long as the block runs (tests use this)."""
    # aiosmtpd logs every sender and recipient address at INFO on "mail.log": keep it to
    # warnings, so the only line per message is ours, naming the file.
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    # hostname given explicitly: left out, aiosmtpd may bind ::1 only. port=0 does not
    # work with aiosmtpd's controller, so the port is always a real one.
    controller = Controller(
        SaveToFolder(settings.mail_dir), hostname=settings.smtp_host, port=settings.smtp_port
    )
    controller.start()
    try:
        yield controller
    finally:
        controller.stop()


def run_local_mail_server(settings: Settings) -> None:
    """Serve until SIGTERM or SIGINT (how `ehcp up` stops its children)."""
    if not log.handlers:  # one line per message on stderr, which `ehcp up` keeps in var/log/mail.log
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.propagate = False
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    with local_mail_server(settings):
        log.info(
            "local SMTP server on %s:%d saving to %s",
            settings.smtp_host,
            settings.smtp_port,
            settings.mail_dir,
        )
        stop.wait()
