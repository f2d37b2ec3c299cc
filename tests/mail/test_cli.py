"""`ehcp mail send`: one delivery pass against the configured relay, counts on the terminal."""

from __future__ import annotations

from typer.testing import CliRunner

from ehcp.cli.main import app
from ehcp.settings import get_settings
from tests.db.factories import PARENT_EMAIL
from tests.mail.rows import NOW, queue_one


def _run_send(migrated_url, monkeypatch):
    monkeypatch.setenv("EHC_DATABASE_URL", migrated_url)
    monkeypatch.setenv("EHC_FROZEN_NOW", NOW.isoformat())
    get_settings.cache_clear()
    return CliRunner().invoke(app, ["mail", "send"])


def test_ehcp_mail_send_sends_what_is_due(session, case, sink, migrated_url, monkeypatch):
    row = queue_one(session, case)
    result = _run_send(migrated_url, monkeypatch)
    assert result.exit_code == 0, result.output
    assert "Sent 1, deferred 0 (will retry), failed 0" in result.output
    assert [message["Message-ID"] for message in sink.messages] == [row.smtp_message_id]
    result = _run_send(migrated_url, monkeypatch)
    assert "Sent 0" in result.output and len(sink.messages) == 1


def test_ehcp_mail_send_exits_1_and_says_why_when_the_relay_refuses_for_good(
    session, case, sink, migrated_url, monkeypatch
):
    sink.always = f"550 5.1.1 <{PARENT_EMAIL}>: mailbox unavailable"
    row = queue_one(session, case)
    result = _run_send(migrated_url, monkeypatch)
    assert result.exit_code == 1, result.output
    assert "failed 1" in result.output
    assert f"{row.key}: 550 5.1.1 mailbox unavailable" in result.output
    assert PARENT_EMAIL not in result.output
