"""The supervisor `ehcp up` runs, with tiny stand-in services: restarts with backoff,
whole process groups ended (orphans too), giving up on a service that keeps crashing."""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from ehcp.runtime.supervisor import (
    RestartPolicy,
    Service,
    Supervisor,
    group_members,
    request_sweep,
)

# A leader that starts a grandchild, says so in a file named after itself, and sleeps:
# like `ehcp serve` with a flow run under it.
LEADER_WITH_A_CHILD = """
import os, pathlib, subprocess, sys, time
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(1000)"])
pathlib.Path(sys.argv[1], str(os.getpid())).write_text(str(child.pid))
time.sleep(1000)
"""
# The same, deaf to SIGTERM (both of them): only SIGKILL ends it.
STUBBORN_LEADER = """
import os, pathlib, signal, subprocess, sys, time
deaf = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(1000)"
signal.signal(signal.SIGTERM, signal.SIG_IGN)
child = subprocess.Popen([sys.executable, "-c", deaf])
pathlib.Path(sys.argv[1], str(os.getpid())).write_text(str(child.pid))
time.sleep(1000)
"""
FAST = RestartPolicy(first_delay=0.2, max_delay=0.4, stable_after=60, max_restarts=10, window=60)


def alive(pid: int) -> bool:
    """Running, that is: not gone and not a zombie waiting to be collected."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] != "Z"


def wait_for(condition: Callable[[], object], timeout: float = 15, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def service_with_a_child(name: str, markers: Path, script: str = LEADER_WITH_A_CHILD) -> Service:
    markers.mkdir(exist_ok=True)
    service = Service(
        name=name, argv=[sys.executable, "-c", script, str(markers)], env={}, is_ready=lambda: False
    )
    service.is_ready = lambda: (markers / str(service.process.pid)).exists()
    return service


def child_of(service: Service, markers: Path) -> int:
    return int((markers / str(service.process.pid)).read_text())


class Running:
    """A supervisor supervising in a thread (wait() would take over the test's signals)."""

    def __init__(self, supervisor: Supervisor) -> None:
        self.supervisor = supervisor
        self.status: int | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        self.status = self.supervisor.supervise()

    def stop(self) -> int | None:
        self.supervisor.request_stop()
        self.thread.join(timeout=30)
        return self.status


@contextmanager
def supervising(supervisor: Supervisor) -> Iterator[Running]:
    running = Running(supervisor)
    running.thread.start()
    try:
        yield running
    finally:
        running.stop()
        supervisor.stop()  # whatever the test left behind


@pytest.fixture
def said() -> list[str]:
    return []


def make_supervisor(tmp_path: Path, said: list[str], **kwargs) -> Supervisor:
    return Supervisor(
        log_dir=tmp_path / "log", run_dir=tmp_path / "run", say=said.append, tick=0.05, **kwargs
    )


def test_the_delay_doubles_from_the_first_up_to_the_cap():
    policy = RestartPolicy(first_delay=1, max_delay=30)
    assert [policy.delay(n) for n in range(1, 8)] == [1, 2, 4, 8, 16, 30, 30]


def test_a_crashed_service_is_restarted_after_a_growing_delay_its_orphans_ended_first(tmp_path, said):
    supervisor = make_supervisor(tmp_path, said, policy=FAST)
    worker = service_with_a_child("worker", tmp_path / "worker")
    worker.after_ready = lambda: "ready again"
    bystander = service_with_a_child("bystander", tmp_path / "bystander")
    supervisor.start(worker)
    supervisor.start(bystander)
    bystander_pid = bystander.process.pid
    with supervising(supervisor) as running:
        for crash in range(1, 4):
            leader, orphan = worker.process.pid, child_of(worker, tmp_path / "worker")
            assert (tmp_path / "run" / "worker.pid").read_text() == f"{leader}\n"
            os.kill(leader, signal.SIGKILL)
            wait_for(lambda n=crash: said.count("worker is back") == n, what="the worker back")
            assert not alive(orphan), "the killed leader's child must be ended with its group"
            assert not group_members(leader)
            assert worker.process.pid != leader and alive(worker.process.pid)
            assert (tmp_path / "run" / "worker.pid").read_text() == f"{worker.process.pid}\n"
            assert bystander.process.pid == bystander_pid and alive(bystander_pid)  # never touched
        last_orphan = child_of(worker, tmp_path / "worker")
        assert running.stop() == 0
    assert [line for line in said if "restarting" in line] == [
        "worker stopped unexpectedly (status -9); restarting in 0.2 s",
        "worker stopped unexpectedly (status -9); restarting in 0.4 s",
        "worker stopped unexpectedly (status -9); restarting in 0.4 s",  # the cap
    ]
    assert said.count("worker: ready again") == 4  # the first start and each restart
    assert not alive(last_orphan) and not alive(bystander_pid)
    assert not list((tmp_path / "run").iterdir())  # no pid file outlives its process


def test_the_delay_starts_again_once_a_service_has_stayed_up(tmp_path, said):
    policy = RestartPolicy(first_delay=0.2, max_delay=5, stable_after=0.3, max_restarts=10, window=60)
    supervisor = make_supervisor(tmp_path, said, policy=policy)
    worker = service_with_a_child("worker", tmp_path / "worker")
    supervisor.start(worker)
    with supervising(supervisor):
        for crash in range(1, 3):
            os.kill(worker.process.pid, signal.SIGKILL)
            wait_for(lambda n=crash: said.count("worker is back") == n, what="the worker back")
            time.sleep(0.6)  # longer than stable_after, and a look after it
    assert [line for line in said if "restarting" in line] == [
        "worker stopped unexpectedly (status -9); restarting in 0.2 s"
    ] * 2


def test_a_service_that_keeps_crashing_stops_everything(tmp_path, said):
    policy = RestartPolicy(first_delay=0.05, max_delay=0.05, stable_after=60, max_restarts=2, window=60)
    supervisor = make_supervisor(tmp_path, said, policy=policy)
    crasher = Service(
        name="crasher",
        argv=[sys.executable, "-c", "import time; time.sleep(0.3)"],
        env={},
        is_ready=lambda: True,
    )
    bystander = service_with_a_child("bystander", tmp_path / "bystander")
    supervisor.start(bystander)
    supervisor.start(crasher)
    bystander_pid, orphan = bystander.process.pid, child_of(bystander, tmp_path / "bystander")
    with supervising(supervisor) as running:
        running.thread.join(timeout=20)
        assert running.status == 1
    assert said[-1].startswith(
        "crasher stopped unexpectedly (status 0); it has crashed 3 times within 60 s, "
        "so everything is stopping."
    )
    assert said.count("crasher stopped unexpectedly (status 0); restarting in 0.05 s") == 2
    assert not alive(bystander_pid) and not alive(orphan)


def test_a_restart_that_is_not_ready_in_time_counts_as_a_crash(tmp_path, said):
    supervisor = make_supervisor(tmp_path, said, policy=FAST, ready_timeout=0.5)
    ready_flag = tmp_path / "ready"
    ready_flag.touch()
    worker = service_with_a_child("worker", tmp_path / "worker")
    launched_ready = worker.is_ready
    worker.is_ready = lambda: ready_flag.exists() and launched_ready()
    supervisor.start(worker, timeout=15)
    with supervising(supervisor):
        ready_flag.unlink()  # as if a restart could not reach what it needs
        os.kill(worker.process.pid, signal.SIGKILL)
        wait_for(lambda: any("not ready" in line for line in said), what="the first failed restart")
        not_ready = worker.process.pid
        wait_for(lambda: not alive(not_ready), what="the unready process ended")
        ready_flag.touch()
        wait_for(lambda: "worker is back" in said, what="the worker back")
    assert said[:2] == [
        "worker stopped unexpectedly (status -9); restarting in 0.2 s",
        "worker was not ready within 0.5 s; restarting in 0.4 s",
    ]


def test_stopping_ends_a_group_deaf_to_sigterm_with_sigkill(tmp_path, said):
    supervisor = make_supervisor(tmp_path, said, stop_timeout=0.5)
    stubborn = service_with_a_child("stubborn", tmp_path / "stubborn", STUBBORN_LEADER)
    supervisor.start(stubborn)
    leader, child = stubborn.process.pid, child_of(stubborn, tmp_path / "stubborn")
    started = time.monotonic()
    supervisor.stop()
    assert time.monotonic() - started < 5
    assert not alive(leader) and not alive(child)
    assert not group_members(leader)


def test_a_sweep_is_requested_from_prefect_rest_api_by_deployment_name_with_a_csrf_token():
    requests: list[tuple[str, str, bytes]] = []
    csrf: dict[str, str] = {}

    def prefect(request: httpx.Request) -> httpx.Response:
        requests.append((request.method, request.url.path, request.content))
        if request.url.path == "/api/deployments/name/ehc-sweep/ehc-sweep":
            return httpx.Response(200, json={"id": "5a1d"})
        if request.url.path == "/api/csrf-token":
            csrf["client"] = request.url.params["client"]
            return httpx.Response(200, json={"token": "t0k3n", "client": csrf["client"]})
        csrf["sent"] = request.headers.get("Prefect-Csrf-Token", "")
        csrf["sent_client"] = request.headers.get("Prefect-Csrf-Client", "")
        return httpx.Response(201, json={"id": "run"})

    started = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    said = request_sweep(
        "http://prefect.test/api", runner_started_at=started, transport=httpx.MockTransport(prefect)
    )
    assert said == "sweep requested after start"
    assert [(method, path) for method, path, _ in requests] == [
        ("GET", "/api/deployments/name/ehc-sweep/ehc-sweep"),
        ("GET", "/api/csrf-token"),
        ("POST", "/api/deployments/5a1d/create_flow_run"),
    ]
    # Prefect runs with CSRF protection on (prefect_environment): the post carries the token.
    assert csrf["sent"] == "t0k3n" and csrf["sent_client"] == csrf["client"]
    # The runner's start tells the sweep which "Running" runs lost their process.
    assert json.loads(requests[2][2]) == {
        "name": "sweep-after-start",
        "parameters": {"runner_started_at": "2026-03-02T09:30:00+00:00"},
    }


def test_a_sweep_prefect_refuses_is_said_and_left_to_the_schedule():
    refusing = httpx.MockTransport(lambda request: httpx.Response(404, json={"detail": "not found"}))
    said = request_sweep("http://prefect.test/api", transport=refusing)
    assert said.startswith("could not request a sweep after start (")


def test_a_sweep_request_prefect_answers_busy_is_tried_again(monkeypatch):
    monkeypatch.setattr("ehcp.runtime.supervisor.time.sleep", lambda seconds: None)
    posts: list[int] = []

    def prefect(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/ehc-sweep/ehc-sweep"):
            return httpx.Response(200, json={"id": "5a1d"})
        if request.url.path == "/api/csrf-token":
            return httpx.Response(200, json={"token": "t", "client": request.url.params["client"]})
        posts.append(1)
        # Prefect's answer while its SQLite database is busy, twice, then the run.
        return httpx.Response(503 if len(posts) < 3 else 201, json={"id": "run"})

    said = request_sweep("http://prefect.test/api", transport=httpx.MockTransport(prefect))
    assert said == "sweep requested after start" and len(posts) == 3
