"""Fixtures for the mail tests: a real SMTP server on loopback, and a case to write to."""

from __future__ import annotations

import pytest

from ehcp.settings import get_settings
from tests.db import factories
from tests.mail.rows import NOW
from tests.support.smtp import SmtpSink


def point_smtp_at(monkeypatch, port: int, **settings: str) -> None:
    """Settings for a fast test: the given port, and retries that do not wait."""
    monkeypatch.setenv("EHC_SMTP_PORT", str(port))
    monkeypatch.setenv("EHC_SMTP_RETRY_WAIT_SECONDS", "0")
    monkeypatch.setenv("EHC_SMTP_RETRY_WAIT_MAX_SECONDS", "0")
    for name, value in settings.items():
        monkeypatch.setenv(f"EHC_{name.upper()}", value)
    get_settings.cache_clear()


@pytest.fixture
def sink(monkeypatch):
    with SmtpSink() as server:
        point_smtp_at(monkeypatch, server.port)
        yield server


@pytest.fixture
def case(session, council):
    return factories.open_case(session, council, now=NOW)
