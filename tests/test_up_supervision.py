"""`ehcp up` heals itself: each service killed with SIGKILL comes back while the others
keep serving, and nothing a killed service started runs on unwatched."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from ehcp.runtime.supervisor import (
    SWEEP_AFTER_START,
    create_flow_run,
    csrf_headers,
    group_members,
    http_ok,
    port_accepts,
    prefect_is_healthy,
)
from tests.support.postgres import free_port
from tests.test_up import start_up

pytestmark = pytest.mark.slow
BACK_WITHIN_SECONDS = 60


class Output:
    """What `ehcp up` prints, read by a thread as it comes (so the pipe never fills)."""

    def __init__(self, process: subprocess.Popen) -> None:
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, args=(process,), daemon=True)
        self._reader.start()

    def _read(self, process: subprocess.Popen) -> None:
        for line in process.stdout:
            self.lines.append(line)

    def wait_for(self, text: str, after: int = 0, timeout: float = 180) -> int:
        """The index of the first line from `after` on that holds `text`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for index in range(after, len(self.lines)):
                if text in self.lines[index]:
                    return index
            time.sleep(0.1)
        pytest.fail(f"`ehcp up` never said {text!r}; it printed:\n{''.join(self.lines)}")


def pid_of(var: Path, service: str) -> int:
    return int((var / "run" / f"{service}.pid").read_text())


def eventually(condition: Callable[[], object], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")


def start_a_sweep(api_url: str, name: str) -> str:
    with httpx.Client(base_url=api_url, timeout=10) as client:
        deployment = client.get("/deployments/name/ehc-sweep/ehc-sweep").json()
        # With a CSRF token (Prefect runs with CSRF protection on), again while it is busy.
        created = create_flow_run(client, deployment["id"], {"name": name})
    created.raise_for_status()
    return created.json()["id"]


def completed_sweeps_after_start(api_url: str) -> list[dict]:
    with httpx.Client(base_url=api_url, timeout=10) as client:
        response = client.post(
            "/flow_runs/filter",
            json={
                "flow_runs": {
                    "name": {"any_": [SWEEP_AFTER_START]},
                    "state": {"type": {"any_": ["COMPLETED"]}},
                }
            },
            headers=csrf_headers(client),
        )
    response.raise_for_status()
    return response.json()


def test_each_service_killed_comes_back_while_the_others_keep_serving(tmp_path):
    prefect_port, web_port, smtp_port = free_port(), free_port(), free_port()
    api_url = f"http://127.0.0.1:{prefect_port}/api"
    var = tmp_path / "var"
    answers: dict[str, Callable[[], bool]] = {
        "mail": lambda: port_accepts("127.0.0.1", smtp_port),
        "prefect-server": lambda: prefect_is_healthy(api_url),
        "web": lambda: http_ok(f"http://127.0.0.1:{web_port}/healthz"),
        # The flows answer no port: they answer by running the sweep asked for after start.
    }
    process = start_up(
        tmp_path,
        prefect_port,
        EHC_WEB_PORT=str(web_port),
        EHC_SMTP_PORT=str(smtp_port),
        EHC_RUNNER_POLL_SECONDS="1",
    )
    output = Output(process)
    groups: set[int] = set()
    try:
        seen = output.wait_for("Press Ctrl-C")
        groups |= {pid_of(var, name) for name in ("mail", "prefect-server", "flows", "web")}
        eventually(
            lambda: len(completed_sweeps_after_start(api_url)) == 1, 60, "the sweep asked for at start"
        )
        for name in ("mail", "web", "flows", "prefect-server"):
            leader = pid_of(var, name)
            if name == "flows":
                # A flow run under way, so that killing `ehcp serve` orphans it.
                start_a_sweep(api_url, "under-way-when-killed")
                eventually(lambda group=leader: len(group_members(group)) > 1, 60, "a flow run process")
            os.kill(leader, signal.SIGKILL)
            seen = output.wait_for(f"{name} stopped unexpectedly (status -9); restarting in 1 s", seen)
            if name in answers:
                assert not answers[name](), f"{name} answers while it is down"
            for other, answer in answers.items():
                if other != name:
                    assert answer(), f"{other} stopped answering while {name} was down"
            seen = output.wait_for(f"{name} is back", seen, timeout=BACK_WITHIN_SECONDS)
            assert not group_members(leader), f"what {name} started outlived it"
            groups.add(pid_of(var, name))
            if name in answers:
                assert answers[name]()
            else:
                output.wait_for("flows: sweep requested after start", seen, timeout=10)
                eventually(
                    lambda: len(completed_sweeps_after_start(api_url)) == 2,
                    60,
                    "a sweep run by the new flows",
                )
                # Told when the runner started, the sweep requeues what was "Running" before.
                starts = {
                    run["parameters"]["runner_started_at"] for run in completed_sweeps_after_start(api_url)
                }
                assert len(starts) == 2
        assert process.poll() is None, "`ehcp up` gave up"
    finally:
        process.send_signal(signal.SIGTERM)
        status = process.wait(timeout=90)
    assert status == 0, "".join(output.lines)
    assert not [group for group in groups if group_members(group)]
