"""The development SMTP server: one .eml file per Message-ID under var/mail/, one log line naming it."""

from __future__ import annotations

import logging
import os
import signal
import smtplib
import subprocess
import sys
import time
from email.message import EmailMessage
from pathlib import Path

from ehcp.mail.local_server import file_name, local_mail_server
from ehcp.runtime.supervisor import port_accepts
from ehcp.settings import Settings
from tests.support.postgres import free_port

ADDRESS = "parent.testfamily@example.org"
EHCP = str(Path(sys.executable).with_name("ehcp"))


def _send(port: int, message_id: str, body: str = "hello") -> None:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "send.team@example.org", ADDRESS, "Hi"
    message["Message-ID"] = message_id
    message.set_content(body)
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
        smtp.send_message(message)


def test_the_local_server_keeps_one_file_per_message_id(tmp_path):
    settings = Settings(var_dir=tmp_path / "var", smtp_port=free_port())
    with local_mail_server(settings):
        _send(settings.smtp_port, "<same@example.org>", "first copy")
        _send(settings.smtp_port, "<same@example.org>", "copy re-sent after a crash")  # same Message-ID
        _send(settings.smtp_port, "<other@example.org>")
    saved = sorted(path.name for path in settings.mail_dir.glob("*"))
    assert saved == sorted([file_name("<same@example.org>"), file_name("<other@example.org>")])
    assert b"copy re-sent" in (settings.mail_dir / file_name("<same@example.org>")).read_bytes()
    assert settings.mail_dir == tmp_path / "var" / "mail"


def test_the_local_server_logs_the_file_name_and_no_address(tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    settings = Settings(var_dir=tmp_path / "var", smtp_port=free_port())
    with local_mail_server(settings):
        _send(settings.smtp_port, "<logged@example.org>")
    ours = [record.getMessage() for record in caplog.records if record.name == "ehcp.mail.local"]
    assert ours == [f"saved {file_name('<logged@example.org>')}"]
    assert ADDRESS not in caplog.text  # aiosmtpd's own INFO lines name every address: kept quiet


def test_ehcp_mail_serve_runs_until_sigterm(tmp_path):
    port = free_port()
    env = {**os.environ, "EHC_VAR_DIR": str(tmp_path / "var"), "EHC_SMTP_PORT": str(port)}
    process = subprocess.Popen(
        [EHCP, "mail", "serve"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        deadline = time.monotonic() + 30
        while not port_accepts("127.0.0.1", port):
            assert process.poll() is None and time.monotonic() < deadline, "the server never listened"
            time.sleep(0.1)
        _send(port, "<served@example.org>")
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=20)
    assert process.returncode == 0, output
    assert (tmp_path / "var" / "mail" / file_name("<served@example.org>")).is_file()
    assert f"saved {file_name('<served@example.org>')}" in output and ADDRESS not in output
