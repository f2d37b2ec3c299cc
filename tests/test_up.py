"""`ehcp up` (what `make run` starts) brings up a real Prefect server and the case database."""

from __future__ import annotations

import json
import os
import re
import signal
import smtplib
import stat
import subprocess
import sys
import time
from email.message import EmailMessage
from pathlib import Path

import httpx
import pytest

from ehcp.db import migrate
from ehcp.mail.local_server import local_mail_server as running_mail_server
from ehcp.runtime.supervisor import local_mail_server
from ehcp.settings import Settings
from tests.support.postgres import free_port

pytestmark = pytest.mark.slow
EHCP = str(Path(sys.executable).with_name("ehcp"))


def start_up(tmp_path: Path, port: int, **env: str) -> subprocess.Popen:
    return subprocess.Popen(
        [EHCP, "up"],
        env={
            **os.environ,
            "EHC_VAR_DIR": str(tmp_path / "var"),
            "EHC_PREFECT_PORT": str(port),
            "EHC_WEB_PORT": str(free_port()),
            "EHC_SMTP_PORT": str(free_port()),
            **env,
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def read_until(process: subprocess.Popen, marker: str, timeout: float = 180) -> str:
    seen = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        seen.append(line)
        if marker in line:
            return "".join(seen)
    process.kill()
    pytest.fail(f"`ehcp up` never said {marker!r}; it printed:\n{''.join(seen)}")


def test_up_migrates_the_database_and_serves_prefect_the_flows_and_the_web_app_until_stopped(tmp_path):
    port = free_port()
    smtp_port = free_port()
    process = start_up(tmp_path, port, EHC_SMTP_PORT=str(smtp_port))
    try:
        printed = read_until(process, "Press Ctrl-C")
        assert f"Prefect UI: http://127.0.0.1:{port}" in printed
        assert httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=5).json() is True
        assert httpx.get(f"http://127.0.0.1:{port}/", timeout=5).status_code == 200  # the UI
        assert migrate.is_current(f"sqlite:///{tmp_path / 'var' / 'ehcp.sqlite3'}")
        assert (tmp_path / "var" / "prefect").is_dir()  # Prefect's own SQLite lives apart
        assert "Web app: http://127.0.0.1:" in printed
        assert "flows: sweep requested after start" in printed  # through Prefect's CSRF check
        # A fresh install runs on secrets of its own, readable by its owner only; the
        # development constant that was once in the repository opens nothing.
        secrets_file = tmp_path / "var" / "secrets.json"
        assert stat.S_IMODE(secrets_file.stat().st_mode) == 0o600
        token = json.loads(secrets_file.read_text())["api_token"]
        web = re.search(r"Web app: (http://127\.0\.0\.1:\d+)", printed).group(1)
        assert httpx.get(f"{web}/staff/cases", auth=("coordinator", token), timeout=10).status_code == 200
        refused = httpx.get(f"{web}/staff/cases", auth=("x", "development-only-not-a-secret"), timeout=10)
        assert refused.status_code == 401
        assert {path.name for path in (tmp_path / "var" / "run").iterdir()} == {
            "mail.pid",
            "prefect-server.pid",
            "flows.pid",
            "web.pid",
        }
        # The local SMTP server takes mail and saves it under var/mail/.
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = "a@example.org", "b@example.org", "hello"
        message["Message-ID"] = "<up-test@example.org>"
        message.set_content("hello")
        with smtplib.SMTP("127.0.0.1", smtp_port, timeout=10) as smtp:
            smtp.send_message(message)
        assert len(list((tmp_path / "var" / "mail").glob("*.eml"))) == 1
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 0
    with pytest.raises(httpx.TransportError):
        httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=2)
    assert not list((tmp_path / "var" / "run").iterdir())  # the pid files go with the processes


def test_up_refuses_a_malformed_configuration_before_starting_anything(tmp_path):
    council_dir = tmp_path / "broken"
    council_dir.mkdir()
    (council_dir / "council.yaml").write_text("name: ''\n")
    (council_dir / "term-dates.yaml").write_text("calendars: {}\n")
    process = start_up(tmp_path, free_port(), EHC_COUNCIL_DIR=str(council_dir))
    output, _ = process.communicate(timeout=60)
    assert process.returncode == 2
    assert "council.yaml:1" in output.replace("\n", "") and "name" in output
    assert not (tmp_path / "var" / "ehcp.sqlite3").exists()


def test_the_local_mail_server_is_supervised_as_ehcp_mail_serve_ready_when_its_port_answers(tmp_path):
    settings = Settings(var_dir=tmp_path / "var", smtp_port=free_port())
    service = local_mail_server(settings)
    assert service.name == "mail" and service.argv == [EHCP, "mail", "serve"]
    assert not service.is_ready()  # nothing listens yet
    with running_mail_server(settings):
        assert service.is_ready()
