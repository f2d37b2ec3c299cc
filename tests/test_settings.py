"""Settings: safe defaults for development, refused in production (secrets: test_local_secrets)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from ehcp.settings import Settings

STRONG = "s" * 40
POSTGRES = "postgresql+psycopg://ehcp:pw@db.internal/ehcp"


def test_development_defaults_use_sqlite_under_var(tmp_path, monkeypatch):
    monkeypatch.setenv("EHC_VAR_DIR", str(tmp_path))
    settings = Settings()
    assert settings.effective_database_url == f"sqlite:///{tmp_path / 'ehcp.sqlite3'}"
    assert settings.prefect_home == tmp_path / "prefect"


def test_postgresql_comes_from_ehc_database_url(monkeypatch):
    monkeypatch.setenv("EHC_DATABASE_URL", POSTGRES)
    assert Settings().effective_database_url == POSTGRES


@pytest.mark.parametrize(
    ("env", "complaint"),
    [
        ({"EHC_DATABASE_URL": POSTGRES}, "EHC_SECRET_KEY must be set"),
        ({"EHC_DATABASE_URL": POSTGRES, "EHC_SECRET_KEY": "short"}, "at least 32 characters"),
        ({"EHC_SECRET_KEY": STRONG}, "EHC_DATABASE_URL must point at PostgreSQL"),
        ({"EHC_SECRET_KEY": STRONG}, "EHC_LOCAL_MAIL_SERVER must be false"),
    ],
)
def test_production_refuses_unsafe_defaults(monkeypatch, env, complaint):
    monkeypatch.setenv("EHC_ENVIRONMENT", "production")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError, match=complaint):
        Settings()


def test_production_with_real_settings_starts(monkeypatch):
    monkeypatch.setenv("EHC_ENVIRONMENT", "production")
    monkeypatch.setenv("EHC_DATABASE_URL", POSTGRES)
    monkeypatch.setenv("EHC_SECRET_KEY", STRONG)
    monkeypatch.setenv("EHC_API_TOKEN", "t" * 40)
    monkeypatch.setenv("EHC_INTAKE_WEBHOOK_SECRET", "whsec_" + "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LTEyMzQ=")
    monkeypatch.setenv("EHC_LOCAL_MAIL_SERVER", "false")
    monkeypatch.setenv("EHC_SMTP_HOST", "relay.council.example")
    settings = Settings()
    assert STRONG not in repr(settings)


def test_a_claim_must_outlast_the_longest_send_or_an_email_could_go_twice(monkeypatch):
    monkeypatch.setenv("EHC_SMTP_TIMEOUT_SECONDS", "100")  # 4 attempts: 400 s + 2 + 4 + 8 of waits
    with pytest.raises(ValidationError, match=r"EHC_SMTP_CLAIM_STALE_SECONDS \(300\).*\(414 s\)"):
        Settings()
    monkeypatch.setenv("EHC_SMTP_CLAIM_STALE_SECONDS", "415")
    assert Settings().longest_send_seconds == 414
