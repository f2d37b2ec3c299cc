"""The whole system on loopback for flow tests: a real Prefect server, `ehcp serve`,
the case database and a clock file the test moves.

One stack per test session (a Prefect server takes ~15 s to start). Tests can
kill and restart the flows process or the Prefect server to check durability.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from datetime import time as clock_time
from pathlib import Path
from uuid import UUID

from prefect.client.orchestration import get_client
from prefect.client.schemas.objects import FlowRun

from ehcp.db import migrate
from ehcp.runtime.supervisor import Service, Supervisor, flow_server, prefect_server
from ehcp.settings import Settings
from tests.support.postgres import free_port
from tests.support.smtp import SmtpSink

READY_SECONDS = 180


@dataclass
class Stack:
    root: Path
    env: dict[str, str]
    clock_file: Path
    supervisor: Supervisor = field(init=False)
    services: dict[str, Service] = field(default_factory=dict)
    # The SMTP server the served flows send to (in this test process, on loopback).
    mail: SmtpSink = field(default_factory=SmtpSink)

    def __post_init__(self) -> None:
        self.supervisor = Supervisor(log_dir=self.root / "var" / "log")

    @classmethod
    def create(cls, root: Path, database_url: str) -> Stack:
        clock_file = root / "now"
        env = {
            "EHC_VAR_DIR": str(root / "var"),
            "EHC_DATABASE_URL": database_url,
            "EHC_CLOCK_FILE": str(clock_file),
            "EHC_PREFECT_PORT": str(free_port()),
            "EHC_RUNNER_POLL_SECONDS": "1",
            "EHC_RUN_STALE_AFTER_SECONDS": "3",
        }
        stack = cls(root=root, env=env, clock_file=clock_file)
        stack.env["EHC_SMTP_PORT"] = str(stack.mail.port)
        stack.mail.__enter__()
        stack.set_today(date(2026, 1, 5))
        migrate.upgrade(database_url)
        return stack

    @property
    def settings(self) -> Settings:
        return Settings(**{key.removeprefix("EHC_").lower(): value for key, value in self.env.items()})

    @property
    def api_url(self) -> str:
        return self.settings.prefect_api_url

    @property
    def prefect_home(self) -> Path:
        return self.settings.prefect_home

    def set_today(self, day: date) -> None:
        self.set_now(datetime.combine(day, clock_time(9, 0), tzinfo=UTC))

    def set_now(self, moment: datetime) -> None:
        """Move every process's clock. Replaced whole, never rewritten in place: a process
        reading the file while it was being written would see it empty."""
        staged = self.clock_file.with_name(self.clock_file.name + ".new")
        staged.write_text(moment.isoformat())
        os.replace(staged, self.clock_file)

    def now(self) -> datetime:
        return datetime.fromisoformat(self.clock_file.read_text())

    def start_prefect(self) -> None:
        self._start(prefect_server(self.settings))

    def start_flows(self) -> None:
        self._start(flow_server(self.settings))

    def _start(self, service: Service) -> None:
        service.env = {**self.env, **service.env}
        self.services[service.name] = service
        self.supervisor.start(service, timeout=READY_SECONDS)

    def kill(self, name: str) -> None:
        """SIGKILL a service and everything it started: no chance to tidy up."""
        service = self.services.pop(name)
        os.killpg(service.process.pid, signal.SIGKILL)
        service.process.wait()
        self.supervisor.services.remove(service)

    def stop(self) -> None:
        self.supervisor.stop()
        self.mail.__exit__(None, None, None)

    def log_text(self) -> str:
        return "\n".join(
            path.read_text(errors="replace") for path in (self.root / "var" / "log").glob("*.log")
        )


def read_run(flow_run_id: str) -> FlowRun:
    with get_client(sync_client=True) as client:
        return client.read_flow_run(UUID(flow_run_id))


def read_artifact_markdown(key: str) -> str:
    """The latest version of an artifact key, as the UI shows it."""
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    with get_client(sync_client=True) as client:
        [latest] = client.read_latest_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key]))
        )
    return str(latest.data)


def wait_until(condition: Callable[[], object], timeout: float = 90, what: str = "condition") -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
