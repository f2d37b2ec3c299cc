"""`ehcp up` and `ehcp serve`: the main job on embedded defaults (what `make run` starts)."""

from __future__ import annotations

import os
import signal
from typing import Annotated

import typer

from ehcp.cli.common import council, fail, settings, stdout
from ehcp.db import migrate
from ehcp.local_secrets import secrets_path
from ehcp.rendering import check_templates, sample_context
from ehcp.runtime.supervisor import (
    EMBEDDED_ONLY,
    StartupError,
    Supervisor,
    flow_server,
    local_mail_server,
    port_is_free,
    prefect_environment,
    prefect_server,
    web_app,
)
from ehcp.settings import Settings


def up() -> None:
    """Migrate the case database, start the Prefect server (SQLite) and serve the flows, until Ctrl-C.

    A service that stops is restarted; one that keeps crashing stops everything (exit 1)."""
    current = settings()
    if current.environment == "production":
        # Before anything is touched (the migration below included): `ehcp up` is the
        # embedded development stack; production starts its own services.
        fail(EMBEDDED_ONLY)
    loaded = council(current)  # refuse to start on a malformed configuration
    _check_templates(loaded)
    stdout.print(f"Council: {loaded.name} ({current.council_dir})")

    migrate.upgrade(current.effective_database_url)
    stdout.print(f"Case database migrated to {migrate.head_revision(current.effective_database_url)}.")

    ports = [
        (current.prefect_host, current.prefect_port, "EHC_PREFECT_PORT"),
        (current.web_host, current.web_port, "EHC_WEB_PORT"),
    ]
    if current.local_mail_server:
        ports.append((current.smtp_host, current.smtp_port, "EHC_SMTP_PORT"))
    for host, port, variable in ports:
        if not port_is_free(host, port):
            fail(f"port {port} on {host} is in use: stop whatever uses it or set {variable}")
    supervisor = Supervisor(log_dir=current.var_dir / "log", run_dir=current.var_dir / "run")
    # SIGTERM while starting stops what has started, as Ctrl-C does (the children have
    # sessions of their own: nothing else would stop them). wait() handles both after.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        _start_services(supervisor, current)
        _print_ready(current)
    except StartupError as error:
        supervisor.stop()
        fail(str(error))
    except KeyboardInterrupt:
        supervisor.stop()
        raise typer.Exit(130) from None
    raise typer.Exit(supervisor.wait())


def _start_services(supervisor: Supervisor, current: Settings) -> None:
    if current.local_mail_server:
        stdout.print("Starting the local SMTP server (every email saved under var/mail/)...")
        supervisor.start(local_mail_server(current))
    stdout.print("Starting the Prefect server (SQLite under var/prefect)...")
    supervisor.start(prefect_server(current))
    stdout.print("Serving the flows (ehc-request, ehc-sweep every 15 minutes)...")
    supervisor.start(flow_server(current, sweep_after_start=True))
    stdout.print("Starting the web app (case API)...")
    supervisor.start(web_app(current))


def _print_ready(current: Settings) -> None:
    stdout.print(
        f"Ready. Prefect UI: {current.prefect_ui_url}  (API {current.prefect_api_url})", soft_wrap=True
    )
    stdout.print(f"Web app: {current.web_url}  (API docs {current.web_url}/docs)", soft_wrap=True)
    stdout.print(
        f"Staff pages: {current.web_url}/staff/cases  (any user name; the password is the API "
        f"token: EHC_API_TOKEN, or the one generated in {secrets_path(current.var_dir)})",
        soft_wrap=True,
    )
    if current.local_mail_server:
        stdout.print(
            f"Emails: {current.mail_dir} (local SMTP {current.smtp_host}:{current.smtp_port})", soft_wrap=True
        )
    stdout.print("A service that stops is restarted (pids under var/run/).", soft_wrap=True)
    stdout.print(
        "Try `ehcp demo` in another terminal. Logs under var/log/. Press Ctrl-C to stop.", soft_wrap=True
    )


def serve(
    templates_checked: Annotated[
        bool,
        typer.Option(
            "--templates-checked",
            hidden=True,
            help="`ehcp up` checked the templates already: skip the few seconds it takes again.",
        ),
    ] = False,
) -> None:
    """Serve the deployments in prefect.yaml from this process (`ehcp up` runs this for you)."""
    current = settings()
    loaded = council(current)
    if not templates_checked:
        _check_templates(loaded)
    os.environ.update({k: v for k, v in prefect_environment(current).items() if k not in os.environ})
    from ehcp.runtime.serving import serve_declared  # imports Prefect with the environment set

    serve_declared(limit=current.serve_limit)


def web() -> None:
    """Serve the web app (`ehcp up` runs this for you)."""
    import uvicorn

    from ehcp.web.app import create_app

    current = settings()
    council(current)
    os.environ.update({k: v for k, v in prefect_environment(current).items() if k not in os.environ})
    uvicorn.run(create_app(), host=current.web_host, port=current.web_port, log_level="warning")


def _check_templates(loaded) -> None:
    """Every email, letter and plan template, compiled and checked against its models
    (and rendered once against a sample case), before anything is served."""
    from ehcp.documents.checks import check_document_templates, check_renders

    try:
        check_templates(sample_context())
        check_document_templates()
        check_renders(loaded)
    except Exception as error:  # noqa: BLE001 - any template error stops start-up, named
        fail(str(error))
