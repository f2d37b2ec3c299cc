"""A real SMTP server (aiosmtpd) on loopback for tests, able to answer as a relay in trouble would."""

from __future__ import annotations

import time
from collections import deque
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller

from tests.support.postgres import free_port


class _Recorder:
    def __init__(self, sink: SmtpSink) -> None:
        self.sink = sink

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802
        if self.sink.scripted:
            return self.sink.scripted.popleft()
        if self.sink.always:
            return self.sink.always
        content = envelope.original_content or envelope.content
        self.sink.messages.append(message_from_bytes(content, policy=policy.default))
        return "250 OK"


class SmtpSink:
    """`messages` holds what was accepted. `answer_next(...)` scripts the next DATA replies
    (e.g. "421 try later"); `always` answers every DATA so (e.g. "550 no such mailbox")."""

    def __init__(self) -> None:
        self.port = free_port()
        self.messages: list[EmailMessage] = []
        self.scripted: deque[str] = deque()
        self.always: str | None = None
        self.controller = Controller(_Recorder(self), hostname="127.0.0.1", port=self.port)

    def answer_next(self, *replies: str) -> None:
        self.scripted.extend(replies)

    def __enter__(self) -> SmtpSink:
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()

    def wait_for(self, count: int, timeout: float = 30) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.1)
        return self.messages
