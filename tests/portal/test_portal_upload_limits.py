"""An upload over the size limit is refused with 413 before its body is read: at once when its
Content-Length says so, and as soon as a chunked body passes the limit, so the rest never
reaches the server's disk. Raw sockets, so the test controls what is sent and when."""

from __future__ import annotations

import select
import socket
import time
from urllib.parse import urlsplit

import pytest

from ehcp.web.portal import FORM_ALLOWANCE

SMALL_LIMIT = 64 * 1024
BOUNDARY = "----ehcp-test-boundary"


@pytest.fixture
def small_limit(monkeypatch):
    """A 64 KB upload limit: name it before `assessing`, which serves the app."""
    monkeypatch.setenv("EHC_PORTAL_MAX_UPLOAD_BYTES", str(SMALL_LIMIT))


def connect(url: str) -> socket.socket:
    parts = urlsplit(url)
    sock = socket.create_connection((parts.hostname, parts.port), timeout=10)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 64 * 1024)
    return sock


def read_response(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    """Status, headers and body of the answer, read until the server closes."""
    data = b""
    try:
        while chunk := sock.recv(65536):
            data += chunk
    except (ConnectionResetError, TimeoutError):
        pass
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {name.lower(): value.strip() for name, _, value in (line.partition(":") for line in lines[1:])}
    return int(lines[0].split()[1]), headers, body


def multipart_head(filename: str) -> bytes:
    return (
        f"--{BOUNDARY}\r\n"
        f'Content-Disposition: form-data; name="advice-file"; filename="{filename}"\r\n'
        "Content-Type: application/pdf\r\n\r\n%PDF-1.7\n"
    ).encode()


def request_head(path: str, host: str, **headers: str) -> bytes:
    lines = [
        f"POST {path} HTTP/1.1",
        f"Host: {host}",
        f"Content-Type: multipart/form-data; boundary={BOUNDARY}",
    ]
    lines += [f"{name.replace('_', '-')}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def test_a_declared_300mb_upload_is_refused_before_any_of_it_is_read(assessing):
    host = urlsplit(assessing.url).netloc
    with connect(assessing.url) as sock:
        sock.settimeout(5)  # before the limit the server waited for all 300 MB
        sock.sendall(request_head(assessing.link(), host, Content_Length=str(300 * 1024 * 1024)))
        sock.sendall(multipart_head("secret-name-4b1d.pdf"))
        status, headers, body = read_response(sock)
    assert status == 413
    assert headers["content-type"].startswith("text/html") and headers["connection"] == "close"
    page = body.decode()
    assert "The selected file is too large" in page and "must be smaller than 10MB" in page
    assert "secret-name-4b1d" not in page
    assert headers["content-security-policy"] and headers["x-content-type-options"] == "nosniff"


def test_a_chunked_upload_is_cut_off_when_it_passes_the_limit(small_limit, assessing):
    host = urlsplit(assessing.url).netloc
    total = 256 * 1024 * 1024  # far more than the server may read
    sent = 0
    chunk = b"\0" * 65536
    frame = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
    answered = False
    deadline = time.monotonic() + 60
    with connect(assessing.url) as sock:
        sock.sendall(request_head(assessing.link(), host, Transfer_Encoding="chunked"))
        head = multipart_head("secret-name-4b1d.pdf")
        sock.sendall(f"{len(head):x}\r\n".encode() + head + b"\r\n")
        try:
            while sent < total and time.monotonic() < deadline:
                readable, writable, _ = select.select([sock], [sock], [], 5)
                if readable:
                    answered = True
                    break
                if writable:
                    sock.sendall(frame)
                    sent += len(chunk)
        except (BrokenPipeError, ConnectionResetError):
            answered = True
        status, headers, body = read_response(sock)
    assert answered and status == 413
    assert "must be smaller than 64KB" in body.decode()
    assert "secret-name-4b1d" not in body.decode()
    # The server stopped reading at the limit; what else was sent sat in socket buffers.
    assert sent < 16 * 1024 * 1024, sent
    assert total > SMALL_LIMIT + FORM_ALLOWANCE


def test_an_upload_just_under_the_limit_still_reaches_the_file_check(small_limit, assessing):
    content = b"%PDF-1.7\n" + b"\0" * (SMALL_LIMIT + 10)  # over the upload limit, under the body cap
    response = assessing.client.post(
        assessing.link(), files={"advice-file": ("report.pdf", content, "application/pdf")}
    )
    assert response.status_code == 400 and "must be smaller than" in response.text
