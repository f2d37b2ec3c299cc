"""Real SMTP servers on loopback for tests, able to answer as a relay in trouble would.

`SmtpSink` is aiosmtpd recording every message it accepts; it can be scripted to
answer the next RCPT or DATA commands otherwise ("421 ..." then 250 again), or
every one ("550 ..."), to speak STARTTLS or implicit TLS with a throwaway
certificate, and to refuse logins. `hanging_up_server` and `silent_server` are the
relays that no SMTP library can talk to: one closes every connection at once, the
other accepts connections and never says a word.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import socket
import ssl
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from tests.support.postgres import free_port


class _Script:
    """Replies for one SMTP command: the scripted ones first, then `always`, then accept."""

    def __init__(self) -> None:
        self.next: deque[str] = deque()
        self.always: str | None = None
        self.seen = 0  # how many times the command was sent, whatever the answer

    def reply(self) -> str | None:
        self.seen += 1
        if self.next:
            return self.next.popleft()
        return self.always


class _Recorder:
    def __init__(self, sink: SmtpSink) -> None:
        self.sink = sink

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:  # noqa: N802
        refusal = self.sink.rcpt.reply()
        if refusal:
            return refusal
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802
        refusal = self.sink.data.reply()
        if refusal:
            return refusal
        if self.sink.before_accepting is not None:
            self.sink.before_accepting()
        content = envelope.original_content or envelope.content
        self.sink.messages.append(message_from_bytes(content, policy=policy.default))
        self.sink.recipients.append(list(envelope.rcpt_tos))
        self.sink.tls_used.append(server.transport.get_extra_info("ssl_object") is not None)
        return "250 OK"


def _refuse_every_login(server, session, envelope, mechanism, auth_data) -> AuthResult:
    return AuthResult(success=False, handled=False)


class SmtpSink:
    """`messages` holds what was accepted (and `tls_used`, whether each came over TLS).

    `answer_next(...)` / `always` script DATA replies; `rcpt.next` / `rcpt.always` script
    RCPT replies the same way. `security` is "none", "starttls" (required before MAIL)
    or "tls" (implicit), with `certificate`'s throwaway key; `refuse_logins` offers AUTH
    (without TLS) and refuses every login with 535."""

    def __init__(
        self,
        *,
        security: str = "none",
        certificate: TestCertificate | None = None,
        refuse_logins: bool = False,
    ) -> None:
        self.port = free_port()
        self.messages: list[EmailMessage] = []
        self.recipients: list[list[str]] = []  # each accepted message's envelope recipients
        self.tls_used: list[bool] = []
        self.data = _Script()
        self.rcpt = _Script()
        # Called as each message's DATA is accepted, before the "250" goes back.
        self.before_accepting: Callable[[], None] | None = None
        options: dict = {}
        if security != "none":
            assert certificate is not None, "TLS needs a certificate"
            context = certificate.server_context()
            if security == "starttls":
                options.update(tls_context=context, require_starttls=True)
            else:
                options.update(ssl_context=context)
        if refuse_logins:
            options.update(authenticator=_refuse_every_login, auth_require_tls=False)
        self._options = options
        self.controller = self._controller()

    def _controller(self) -> Controller:
        return Controller(_Recorder(self), hostname="127.0.0.1", port=self.port, **self._options)

    def down(self) -> None:
        """The relay goes away: connections are refused until `up()`."""
        self.controller.stop()

    def up(self) -> None:
        """Back on the same port (a stopped controller's event loop cannot be reused)."""
        self.controller = self._controller()
        self.controller.start()

    # DATA scripting, kept as attributes for the tests that already use them.
    def answer_next(self, *replies: str) -> None:
        self.data.next.extend(replies)

    @property
    def always(self) -> str | None:
        return self.data.always

    @always.setter
    def always(self, reply: str | None) -> None:
        self.data.always = reply

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


@dataclass
class TestCertificate:
    """A self-signed certificate for 127.0.0.1. Point SSL_CERT_FILE at `cert_path` and the
    client's default context trusts it, so the code under test keeps verifying certificates."""

    __test__ = False  # not a test class, whatever its name says

    cert_path: Path
    key_path: Path

    @classmethod
    def make(cls, folder: Path) -> TestCertificate:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID

        key = ec.generate_private_key(ec.SECP256R1())  # fast, unlike RSA
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ehcp test relay")])
        now = dt.datetime.now(dt.UTC)
        public = key.public_key()
        certificate = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(public)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(hours=1))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(
                x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False
            )
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(public), critical=False)
            .sign(key, hashes.SHA256())
        )
        folder.mkdir(parents=True, exist_ok=True)
        cert_path, key_path = folder / "relay.pem", folder / "relay.key"
        cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
        key_path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        return cls(cert_path=cert_path, key_path=key_path)

    def server_context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert_path, self.key_path)
        return context


@contextmanager
def _listener(serve_connection) -> Iterator[int]:
    """A bare TCP server on loopback; `serve_connection(conn)` runs for each connection."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    server.settimeout(0.2)
    stop = threading.Event()
    held: list[socket.socket] = []

    def loop() -> None:
        while not stop.is_set():
            try:
                connection, _ = server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            serve_connection(connection, held)

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1]
    finally:
        stop.set()
        thread.join(timeout=5)
        for connection in held:
            connection.close()
        server.close()


@contextmanager
def hanging_up_server() -> Iterator[int]:
    """Accepts each connection and closes it before the greeting: yields its port."""
    with _listener(lambda connection, held: connection.close()) as port:
        yield port


@contextmanager
def silent_server() -> Iterator[int]:
    """Accepts each connection and never answers (a relay stuck under load): yields its port."""
    with _listener(lambda connection, held: held.append(connection)) as port:
        yield port
