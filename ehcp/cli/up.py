"""`ehcp up` and `ehcp serve`: the main job on embedded defaults (what `make run` starts)."""

from __future__ import annotations

import os

import typer

from ehcp.cli.common import council, fail, settings, stdout
from ehcp.db import migrate
from ehcp.rendering import check_templates, sample_context
from ehcp.supervisor import (
    StartupError,
    Supervisor,
    flow_server,
    port_is_free,
    prefect_environment,
    prefect_server,
)


def up() -> None:
    """Migrate the case database, start the Prefect server (SQLite) and serve the flows, until Ctrl-C."""
    current = settings()
    loaded = council(current)  # refuse to start on a malformed configuration
    _check_templates()
    stdout.print(f"Council: {loaded.name} ({current.council_dir})")

    migrate.upgrade(current.effective_database_url)
    stdout.print(f"Case database migrated to {migrate.head_revision(current.effective_database_url)}.")

    if not port_is_free(current.prefect_host, current.prefect_port):
        fail(
            f"port {current.prefect_port} on {current.prefect_host} is in use: "
            "stop whatever uses it or set EHC_PREFECT_PORT"
        )
    supervisor = Supervisor(log_dir=current.var_dir / "log")
    try:
        stdout.print("Starting the Prefect server (SQLite under var/prefect)...")
        supervisor.start(prefect_server(current))
        stdout.print("Serving the flows (ehc-request, ehc-sweep every 15 minutes)...")
        supervisor.start(flow_server(current))
    except StartupError as error:
        supervisor.stop()
        fail(str(error))
    stdout.print(
        f"Ready. Prefect UI: {current.prefect_ui_url}  (API {current.prefect_api_url})", soft_wrap=True
    )
    stdout.print("Try `ehcp demo` in another terminal. Logs under var/log/. Press Ctrl-C to stop.")
    raise typer.Exit(supervisor.wait())


def serve() -> None:
    """Serve the deployments in prefect.yaml from this process (`ehcp up` runs this for you)."""
    current = settings()
    council(current)
    _check_templates()
    os.environ.update({k: v for k, v in prefect_environment(current).items() if k not in os.environ})
    from ehcp.serving import serve_declared  # imports Prefect with the environment set

    serve_declared(limit=current.serve_limit)


def _check_templates() -> None:
    try:
        check_templates(sample_context())
    except Exception as error:  # noqa: BLE001 - any template error stops start-up, named
        fail(str(error))
