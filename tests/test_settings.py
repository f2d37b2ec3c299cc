"""Settings: safe defaults for development, refused in production (secrets: test_local_secrets)."""

from __future__ import annotations

import base64

import pytest
from pydantic import ValidationError

from ehcp.settings import Settings, get_settings

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


PREFECT_PASSWORD = "p" * 24
PRODUCTION = {
    "EHC_ENVIRONMENT": "production",
    "EHC_DATABASE_URL": POSTGRES,
    "EHC_SECRET_KEY": STRONG,
    "EHC_API_TOKEN": "t" * 40,
    "EHC_INTAKE_WEBHOOK_SECRET": "whsec_" + "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LTEyMzQ=",
    "EHC_LOCAL_MAIL_SERVER": "false",
    "EHC_SMTP_HOST": "relay.council.example",
    "PREFECT_API_URL": "https://prefect.council.example/api",
    "PREFECT_API_AUTH_STRING": f"council-it:{PREFECT_PASSWORD}",
}


def production_env(monkeypatch, **changes: str | None) -> None:
    for name, value in {**PRODUCTION, **changes}.items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)


def test_production_with_real_settings_starts(monkeypatch):
    production_env(monkeypatch)
    settings = Settings()
    assert STRONG not in repr(settings) and PREFECT_PASSWORD not in repr(settings)
    assert settings.prefect_client_api_url == "https://prefect.council.example/api"


@pytest.mark.parametrize(
    ("changes", "complaint"),
    [
        ({"EHC_DATABASE_URL": None}, "EHC_DATABASE_URL must point at PostgreSQL"),
        (
            {"EHC_DATABASE_URL": "sqlite:////srv/ehcp/cases.sqlite3"},
            "EHC_DATABASE_URL must point at PostgreSQL",
        ),
        ({"PREFECT_API_URL": None}, "PREFECT_API_URL must name the Prefect server's API"),
        ({"PREFECT_API_URL": "http://prefect.council.example/api"}, "PREFECT_API_URL must be https://"),
        ({"PREFECT_API_AUTH_STRING": None}, "PREFECT_API_AUTH_STRING must be set"),
        ({"PREFECT_API_AUTH_STRING": "council-it:short-one"}, "at least 16 characters"),
        ({"PREFECT_API_AUTH_STRING": PREFECT_PASSWORD}, "PREFECT_API_AUTH_STRING must be user:password"),
        ({"EHC_API_TOKEN": None}, "EHC_API_TOKEN must be set"),
        ({"EHC_LOCAL_MAIL_SERVER": None}, "EHC_LOCAL_MAIL_SERVER must be false"),
    ],
)
def test_production_refuses_to_start_without_its_profile_naming_the_setting(monkeypatch, changes, complaint):
    production_env(monkeypatch, **changes)
    with pytest.raises(ValidationError, match=complaint) as refused:
        Settings()
    # The setting is named; no value is ever repeated.
    for value in (*PRODUCTION.values(), *(v for v in changes.values() if v)):
        if len(value) > 12:
            assert value not in str(refused.value)


def test_prefect_on_this_machine_may_use_plain_http(monkeypatch):
    production_env(monkeypatch, PREFECT_API_URL="http://127.0.0.1:4200/api")
    assert Settings().prefect_client_api_url == "http://127.0.0.1:4200/api"


def test_development_ignores_prefects_client_settings_for_its_embedded_server(tmp_path, monkeypatch):
    """`ehcp up` points its children at the server it starts, whatever the shell says,
    and passes the auth string on when one is configured."""
    from ehcp.runtime.supervisor import prefect_environment

    monkeypatch.setenv("PREFECT_API_URL", "http://elsewhere.example/api")
    monkeypatch.setenv("PREFECT_API_AUTH_STRING", "dev:password")
    environment = prefect_environment(Settings())
    assert environment["PREFECT_API_URL"] == "http://127.0.0.1:4200/api"
    assert environment["PREFECT_API_AUTH_STRING"] == "dev:password"


def test_production_processes_get_prefects_api_and_password(monkeypatch):
    from ehcp.runtime.supervisor import prefect_environment, settings_auth_headers

    production_env(monkeypatch)
    settings = Settings()
    environment = prefect_environment(settings)
    assert environment["PREFECT_API_URL"] == "https://prefect.council.example/api"
    assert environment["PREFECT_API_AUTH_STRING"] == f"council-it:{PREFECT_PASSWORD}"
    [(name, value)] = settings_auth_headers(settings).items()
    assert name == "Authorization"
    assert base64.b64decode(value.removeprefix("Basic ")).decode() == f"council-it:{PREFECT_PASSWORD}"


def test_ehcp_up_refuses_to_run_its_embedded_prefect_server_in_production(monkeypatch):
    from ehcp.runtime.supervisor import StartupError, prefect_server

    production_env(monkeypatch)
    with pytest.raises(StartupError, match="EHC_ENVIRONMENT is production"):
        prefect_server(Settings())


def test_a_claim_must_outlast_the_longest_send_or_an_email_could_go_twice(monkeypatch):
    monkeypatch.setenv("EHC_SMTP_TIMEOUT_SECONDS", "100")  # 4 attempts: 400 s + 2 + 4 + 8 of waits
    with pytest.raises(ValidationError, match=r"EHC_SMTP_CLAIM_STALE_SECONDS \(300\).*\(414 s\)"):
        Settings()
    monkeypatch.setenv("EHC_SMTP_CLAIM_STALE_SECONDS", "415")
    assert Settings().longest_send_seconds == 414


def test_ehcp_up_in_production_refuses_before_it_touches_the_case_database(monkeypatch):
    from typer.testing import CliRunner

    from ehcp.cli.main import app

    # A complete production profile whose database cannot be reached: were the migration
    # first, this would fail connecting to it; the refusal comes before anything runs.
    production_env(monkeypatch, EHC_DATABASE_URL="postgresql+psycopg://nobody@127.0.0.1:9/nowhere")
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["up"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 2
    assert "EHC_ENVIRONMENT is production" in " ".join(result.output.split())
