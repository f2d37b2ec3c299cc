"""Process settings from the environment (prefix EHC_); Prefect keeps PREFECT_*.

Per-council policy (term dates, clock choices, later contributors and the
escalation ladder) lives in files under config/; these settings say which
council directory to read and how to reach the project's own services.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# Left unset, each is generated on first start and kept in var/secrets.json (owner-only),
# unless the install is reachable from elsewhere (ehcp.local_secrets).
SECRET_SETTINGS = ("secret_key", "api_token", "intake_webhook_secret")
UNSET = SecretStr("")
# Prefect's basic auth has no lockout: a long password is the only defence against guessing.
MIN_PREFECT_PASSWORD = 16


class Settings(BaseSettings):
    # populate_by_name: the two PREFECT_* fields below can be given by name too (tests).
    # hide_input_in_errors: a refusal names the setting; pydantic would otherwise append
    # every input value (secrets included) to the message start-up prints.
    model_config = SettingsConfigDict(
        env_prefix="EHC_", env_file=".env", extra="ignore", populate_by_name=True, hide_input_in_errors=True
    )

    environment: Literal["development", "test", "production"] = "development"
    var_dir: Path = PROJECT_ROOT / "var"
    # Empty means a SQLite file under var_dir; PostgreSQL: postgresql+psycopg://user:pass@host/db
    database_url: str = ""
    council_dir: Path = PROJECT_ROOT / "config" / "example"
    # The document store: drafted letters and plans, one folder per case. Empty means
    # var_dir/documents.
    document_dir: Path | None = None
    # Signs portal links and similar tokens.
    secret_key: SecretStr = UNSET
    # Bearer token for the case API (and the staff pages' password).
    api_token: SecretStr = UNSET
    # Intake webhook (Standard Webhooks). A previous secret is accepted too while rotating.
    intake_webhook_secret: SecretStr = UNSET
    intake_webhook_previous_secret: SecretStr | None = None
    intake_tolerance_seconds: int = Field(default=300, ge=1, le=3600)
    intake_max_bytes: int = Field(default=1_048_576, ge=1024)

    web_host: str = "127.0.0.1"
    web_port: int = Field(default=8000, ge=1, le=65535)
    # Where people outside the council reach the web app (links in emails). Empty: web_url.
    public_url: str = ""
    # A contributor's portal link keeps working this many days after their advice is due.
    portal_link_grace_days: int = Field(default=60, ge=1, le=365)
    portal_max_upload_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)

    # Outgoing email. The default is the local SMTP server `make run` starts, which
    # saves every message under var/mail/; point these at the council's relay in production.
    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(default=8025, ge=1, le=65535)
    smtp_security: Literal["none", "starttls", "tls"] = "none"
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_timeout_seconds: float = Field(default=30.0, gt=0)
    # Transient failures (SMTP 4xx, connection errors) are retried this many times within
    # one delivery, with exponential backoff from retry_wait up to retry_wait_max seconds;
    # after that the message waits for the next delivery pass.
    smtp_attempts: int = Field(default=4, ge=1, le=20)
    smtp_retry_wait_seconds: float = Field(default=2.0, ge=0)
    smtp_retry_wait_max_seconds: float = Field(default=60.0, ge=0)
    # A message claimed for sending this long ago belongs to a dead worker: send it again.
    smtp_claim_stale_seconds: float = Field(default=300.0, gt=0)
    # Run the local SMTP server (aiosmtpd) with `ehcp up`; off when smtp_host is a real relay.
    local_mail_server: bool = True

    # A run still "Running" this long after it started a look has lost its worker;
    # the sweep puts it back in the queue. Looks take seconds.
    run_stale_after_seconds: float = Field(default=600.0, gt=0)
    # A case run that fails (an exception: a bug or bad data, not a lost worker) is
    # requeued at once, then after waits doubling from run_retry_wait_seconds (at most a
    # day), at most run_retry_limit times; then the sweep stops it and tells the SEND team.
    run_retry_limit: int = Field(default=5, ge=1, le=50)
    run_retry_wait_seconds: float = Field(default=900.0, gt=0)
    # Prefect deletes a finished run (a closed case's, a sweep's), its logs and artifacts
    # this many days after it ended (its database vacuum). The case database is the record;
    # Prefect is the coordinators' window. At least 0.05 (72 minutes: Prefect's minimum is an hour).
    prefect_retention_days: float = Field(default=30.0, ge=0.05)
    # How many due cases one sweep pass takes (the rest wait for the next pass).
    sweep_limit: int = Field(default=500, ge=1)
    # How many case runs one `ehcp serve` process executes at once.
    serve_limit: int = Field(default=10, ge=1)
    # How often a served process asks Prefect for runs to start (resumed runs wait this long).
    runner_poll_seconds: int = Field(default=5, ge=1)

    prefect_host: str = "127.0.0.1"
    prefect_port: int = Field(default=4200, ge=1, le=65535)
    # Prefect's own client settings, under Prefect's names: Prefect reads them itself; they
    # are read here to check a production install and to pass them to the processes we
    # start and the raw API calls we make. Empty URL: the embedded server above (`ehcp up`).
    prefect_api_url_setting: str = Field(default="", validation_alias="PREFECT_API_URL")
    # "user:password", the same string as PREFECT_SERVER_API_AUTH_STRING on the server.
    prefect_api_auth_string: SecretStr | None = Field(
        default=None, validation_alias="PREFECT_API_AUTH_STRING"
    )

    @model_validator(mode="after")
    def _secrets_configured_or_generated(self) -> Settings:
        """Runs first: the checks below see the secrets in use. Secrets are generated only
        for an install nobody else can reach; otherwise `_refuse_unsafe_defaults` names
        each one missing."""
        missing = [name for name in SECRET_SETTINGS if not getattr(self, name).get_secret_value()]
        if not missing or self.reachable_from_elsewhere:
            return self
        from ehcp.local_secrets import load_or_create

        generated = load_or_create(self.var_dir)
        for name in missing:
            setattr(self, name, SecretStr(getattr(generated, name)))
        return self

    @property
    def reachable_from_elsewhere(self) -> str:
        """Why others could reach this install ("" when only this machine can)."""
        if self.environment == "production":
            return "EHC_ENVIRONMENT is production"
        for variable, host in (("EHC_WEB_HOST", self.web_host), ("EHC_PREFECT_HOST", self.prefect_host)):
            if not _is_loopback(host):
                return f"{variable} ({host}) is not a loopback address"
        return ""

    @model_validator(mode="after")
    def _a_claim_outlives_the_longest_send(self) -> Settings:
        """A claim older than this is taken for a dead worker's and the message is sent
        again: it must outlast every attempt at a slow relay, or one email goes twice."""
        if self.smtp_claim_stale_seconds <= self.longest_send_seconds:
            raise ValueError(
                f"EHC_SMTP_CLAIM_STALE_SECONDS ({self.smtp_claim_stale_seconds:g}) must be more than the "
                f"longest a send can take with EHC_SMTP_ATTEMPTS, EHC_SMTP_TIMEOUT_SECONDS and the "
                f"retry waits ({self.longest_send_seconds:g} s)"
            )
        return self

    @property
    def longest_send_seconds(self) -> float:
        """Every attempt timing out, with tenacity's exponential waits between them."""
        waits = sum(
            min(
                self.smtp_retry_wait_max_seconds,
                max(self.smtp_retry_wait_seconds, self.smtp_retry_wait_seconds * 2 ** (n - 1)),
            )
            for n in range(1, self.smtp_attempts)
        )
        return self.smtp_attempts * self.smtp_timeout_seconds + waits

    @model_validator(mode="after")
    def _webhook_secrets_are_well_formed(self) -> Settings:
        from ehcp.intake.signature import decode_secret

        for name in ("intake_webhook_secret", "intake_webhook_previous_secret"):
            secret = getattr(self, name)
            if secret is not None and secret.get_secret_value():
                try:
                    decode_secret(secret.get_secret_value())
                except ValueError as error:
                    raise ValueError(f"EHC_{name.upper()}: {error}") from None
        return self

    @model_validator(mode="after")
    def _refuse_unsafe_defaults(self) -> Settings:
        problems = []
        if self.reachable_from_elsewhere:
            for name in SECRET_SETTINGS:
                value = getattr(self, name).get_secret_value()
                if not value:
                    problems.append(
                        f"EHC_{name.upper()} must be set (secrets are generated only for an "
                        "install nobody else can reach)"
                    )
                elif name != "intake_webhook_secret" and len(value) < 32:
                    problems.append(f"EHC_{name.upper()} must be at least 32 characters")
        if self.environment == "production" and self.local_mail_server:
            problems.append(
                "EHC_LOCAL_MAIL_SERVER must be false: production mail goes to the council's relay"
            )
        if self.environment == "production":
            problems += self._production_problems()
        if problems:
            raise ValueError(f"unsafe settings ({self.reachable_from_elsewhere}): " + "; ".join(problems))
        return self

    def _production_problems(self) -> list[str]:
        """What the production profile needs beyond the secrets: PostgreSQL for the cases,
        a Prefect server of its own (never the embedded one) behind basic auth. Each names
        the setting, never its value."""
        problems = []
        if not self.database_url.startswith("postgresql"):
            problems.append("EHC_DATABASE_URL must point at PostgreSQL, not the SQLite default")
        url = self.prefect_api_url_setting
        if not url:
            problems.append(
                "PREFECT_API_URL must name the Prefect server's API (production never uses the "
                "embedded server `ehcp up` starts)"
            )
        elif not url.startswith("https://") and not _is_loopback(urlsplit(url).hostname or ""):
            problems.append(
                "PREFECT_API_URL must be https:// unless the Prefect server is on this machine "
                "(its basic-auth password would cross the network in clear)"
            )
        auth = self.prefect_api_auth_string.get_secret_value() if self.prefect_api_auth_string else ""
        user, _, password = auth.partition(":")
        if not auth:
            problems.append(
                "PREFECT_API_AUTH_STRING must be set (user:password, the same as "
                "PREFECT_SERVER_API_AUTH_STRING on the Prefect server)"
            )
        elif not user or len(password) < MIN_PREFECT_PASSWORD:
            problems.append(
                f"PREFECT_API_AUTH_STRING must be user:password with a password of at least "
                f"{MIN_PREFECT_PASSWORD} characters"
            )
        return problems

    @property
    def prefect_client_api_url(self) -> str:
        """Where our processes reach Prefect: PREFECT_API_URL when configured (production:
        always), else the embedded server."""
        return self.prefect_api_url_setting or self.prefect_api_url

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.var_dir / 'ehcp.sqlite3'}"

    @property
    def intake_secrets(self) -> list[str]:
        secrets = [self.intake_webhook_secret, self.intake_webhook_previous_secret]
        return [secret.get_secret_value() for secret in secrets if secret is not None]

    @property
    def web_url(self) -> str:
        return f"http://{self.web_host}:{self.web_port}"

    @property
    def effective_public_url(self) -> str:
        return (self.public_url or self.web_url).rstrip("/")

    @property
    def document_store(self) -> Path:
        return self.document_dir or self.var_dir / "documents"

    @property
    def mail_dir(self) -> Path:
        return self.var_dir / "mail"

    @property
    def prefect_home(self) -> Path:
        return self.var_dir / "prefect"

    @property
    def prefect_api_url(self) -> str:
        return f"http://{self.prefect_host}:{self.prefect_port}/api"

    @property
    def prefect_ui_url(self) -> str:
        return f"http://{self.prefect_host}:{self.prefect_port}"


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:  # a host name: it may resolve anywhere
        return False


@lru_cache
def get_settings() -> Settings:
    return Settings()
