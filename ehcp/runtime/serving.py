"""Serve the deployments declared in prefect.yaml from this process (`ehcp serve`).

prefect.yaml stays the one declaration: production registers it with
`prefect deploy --all` for a process work pool; development serves it here.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, cast

import yaml
from prefect import Flow, serve
from prefect.deployments.runner import RunnerDeployment
from prefect.flows import load_flow_from_entrypoint
from prefect.schedules import Cron

from ehcp.settings import PROJECT_ROOT

PREFECT_YAML = PROJECT_ROOT / "prefect.yaml"


def declared_deployments(path: Path = PREFECT_YAML) -> list[RunnerDeployment]:
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    deployments = []
    for item in spec["deployments"]:
        flow: Flow[..., Any] = load_flow_from_entrypoint(item["entrypoint"])
        schedules = [
            Cron(entry["cron"], timezone=entry.get("timezone")) for entry in item.get("schedules", [])
        ]
        # to_deployment is sync-compatible (typed as "or a coroutine"); here it is called sync.
        deployment = flow.to_deployment(
            name=item["name"],
            schedules=schedules or None,
            tags=item.get("tags"),
            description=item.get("description"),
        )
        deployments.append(cast(RunnerDeployment, deployment))
    return deployments


def serve_declared(limit: int) -> None:
    # Entrypoints are relative to the project root, and so are the runs' processes.
    os.chdir(PROJECT_ROOT)
    # Leave the sweep's schedule on when this process stops: the next start
    # runs the sweeps it missed.
    serve(*declared_deployments(), limit=limit, pause_on_shutdown=False)
