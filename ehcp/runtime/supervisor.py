"""Start the project's services on embedded defaults and keep them running together.

`ehcp up` migrates the case database, then starts each service as a child process
and waits until it is ready: the local SMTP server (when EHC_LOCAL_MAIL_SERVER is
true; ready when its port takes connections), the Prefect server on SQLite, the
served flows and the web app. If one stops, all are stopped, in reverse order.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from ehcp.settings import Settings

READY_TIMEOUT_SECONDS = 180.0
STOP_TIMEOUT_SECONDS = 20.0


class StartupError(RuntimeError):
    pass


def prefect_environment(settings: Settings) -> dict[str, str]:
    """Prefect's own settings for this project: its home and database under var/."""
    settings.prefect_home.mkdir(parents=True, exist_ok=True)
    return {
        "PREFECT_HOME": str(settings.prefect_home),
        "PREFECT_API_URL": settings.prefect_api_url,
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_API_HOST": settings.prefect_host,
        "PREFECT_SERVER_API_PORT": str(settings.prefect_port),
        "PREFECT_RUNNER_POLL_FREQUENCY": str(settings.runner_poll_seconds),
        # Our loggers write to var/log, never to Prefect (which shows logs without a login).
        "PREFECT_LOGGING_EXTRA_LOGGERS": "",
    }


def port_is_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def prefect_is_healthy(api_url: str) -> bool:
    try:
        response = httpx.get(f"{api_url}/health", timeout=2.0)
    except httpx.HTTPError:
        return False
    return response.status_code == 200


@dataclass
class Service:
    name: str
    argv: list[str]
    env: dict[str, str]
    is_ready: Callable[[], bool]
    process: subprocess.Popen | None = field(default=None, repr=False)


@dataclass
class Supervisor:
    """Starts services in order, waits for each to be ready, and stops them all together."""

    log_dir: Path
    services: list[Service] = field(default_factory=list)

    def start(self, service: Service, timeout: float = READY_TIMEOUT_SECONDS) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log = open(self.log_dir / f"{service.name}.log", "ab")  # noqa: SIM115 (lives with the process)
        service.process = subprocess.Popen(
            service.argv,
            env={**os.environ, **service.env},
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # we stop it ourselves, in order
        )
        self.services.append(service)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if service.process.poll() is not None:
                raise StartupError(
                    f"{service.name} exited with status {service.process.returncode}; "
                    f"see {self.log_dir / (service.name + '.log')}"
                )
            if service.is_ready():
                return
            time.sleep(0.5)
        raise StartupError(f"{service.name} was not ready within {timeout:.0f} s")

    def wait(self) -> int:
        """Block until a service exits or we are told to stop; then stop everything."""
        stop = {"requested": False}

        def _request_stop(_signum, _frame):
            stop["requested"] = True

        previous = {sig: signal.signal(sig, _request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            while not stop["requested"]:
                for service in self.services:
                    if service.process and service.process.poll() is not None:
                        status = service.process.returncode
                        print(
                            f"{service.name} stopped unexpectedly (status {status}).",
                            file=sys.stderr,
                        )
                        return 1
                time.sleep(0.5)
            return 0
        finally:
            self.stop()
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def stop(self) -> None:
        for service in reversed(self.services):
            process = service.process
            if process is None or process.poll() is not None:
                continue
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=STOP_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def deployment_is_registered(api_url: str, name: str) -> bool:
    try:
        response = httpx.get(f"{api_url}/deployments/name/{name}", timeout=2.0)
    except httpx.HTTPError:
        return False
    return response.status_code == 200


def flow_server(settings: Settings) -> Service:
    """`ehcp serve`: runs the case runs and the sweep declared in prefect.yaml. Whoever
    starts it (`ehcp up`, the test stack) has checked the templates already."""
    ehcp = str(Path(sys.executable).with_name("ehcp"))
    return Service(
        name="flows",
        argv=[ehcp, "serve", "--templates-checked"],
        env=prefect_environment(settings),
        is_ready=lambda: deployment_is_registered(settings.prefect_api_url, "ehc-sweep/ehc-sweep"),
    )


def http_ok(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2.0).status_code == 200
    except httpx.HTTPError:
        return False


def web_app(settings: Settings) -> Service:
    """`ehcp web`: the project's own web app (case API; intake and portal to come)."""
    ehcp = str(Path(sys.executable).with_name("ehcp"))
    return Service(
        name="web",
        argv=[ehcp, "web"],
        env=prefect_environment(settings),
        is_ready=lambda: http_ok(f"{settings.web_url}/healthz"),
    )


def port_accepts(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1.0):
            return True
    except OSError:
        return False


def local_mail_server(settings: Settings) -> Service:
    """`ehcp mail serve`: the development SMTP server, saving every email under var/mail/."""
    ehcp = str(Path(sys.executable).with_name("ehcp"))
    return Service(
        name="mail",
        argv=[ehcp, "mail", "serve"],
        env={},
        is_ready=lambda: port_accepts(settings.smtp_host, settings.smtp_port),
    )


def prefect_server(settings: Settings) -> Service:
    prefect = str(Path(sys.executable).with_name("prefect"))
    return Service(
        name="prefect-server",
        argv=[
            prefect,
            "server",
            "start",
            "--host",
            settings.prefect_host,
            "--port",
            str(settings.prefect_port),
        ],
        env=prefect_environment(settings),
        is_ready=lambda: prefect_is_healthy(settings.prefect_api_url),
    )
