"""`ehcp up`: the main job on embedded defaults (what `make run` starts)."""

from __future__ import annotations

import typer

from ehcp.cli.common import council, fail, settings, stdout
from ehcp.db import migrate
from ehcp.supervisor import StartupError, Supervisor, port_is_free, prefect_server


def up() -> None:
    """Migrate the case database and start the Prefect server (SQLite) until Ctrl-C."""
    current = settings()
    loaded = council(current)  # refuse to start on a malformed configuration
    stdout.print(f"Council: {loaded.name} ({current.council_dir})")

    migrate.upgrade(current.effective_database_url)
    stdout.print(f"Case database migrated to {migrate.head_revision(current.effective_database_url)}.")

    if not port_is_free(current.prefect_host, current.prefect_port):
        fail(
            f"port {current.prefect_port} on {current.prefect_host} is in use: "
            "stop whatever uses it or set EHC_PREFECT_PORT"
        )
    supervisor = Supervisor(log_dir=current.var_dir / "log")
    stdout.print("Starting the Prefect server (SQLite under var/prefect)...")
    try:
        supervisor.start(prefect_server(current))
    except StartupError as error:
        supervisor.stop()
        fail(str(error))
    stdout.print(
        f"Ready. Prefect UI: {current.prefect_ui_url}  (API {current.prefect_api_url})",
        soft_wrap=True,
    )
    stdout.print("Logs under var/log/. Press Ctrl-C to stop.")
    raise typer.Exit(supervisor.wait())
