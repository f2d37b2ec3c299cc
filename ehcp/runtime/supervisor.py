"""Start the project's services on embedded defaults and keep them running.

`ehcp up` migrates the case database, then starts each service as a child process
and waits until it is ready: the local SMTP server (when EHC_LOCAL_MAIL_SERVER is
true; ready when its port takes connections), the Prefect server on SQLite, the
served flows and the web app. Each runs in a process group of its own, and its
pid is written to var/run/<service>.pid.

A service that stops on its own is restarted while the others keep serving. First
its whole process group is ended (SIGTERM, then SIGKILL after a timeout): a killed
`ehcp serve` leaves the flow runs it started behind, and they must not go on
drafting letters and queuing emails nobody sends. Then it is started again after
a delay that doubles with each crash in a row (1 s, 2 s, 4 s ... up to 30 s; back to
1 s once it has stayed up for a minute), and must become ready as at first: a
restart that is not ready in time counts as another crash. Every step is said on
stderr in plain words. Whenever the flows have started, a sweep is requested at once
and told when: cases whose runs died with the old process ("Running" since before
then) are requeued now rather than at the next quarter hour. Only a service that
keeps crashing (more than five restarts in ten minutes) makes the supervisor give up:
it stops everything and `ehcp up` exits 1.
Ctrl-C or SIGTERM stops every service, in reverse order, and exits 0.
"""

from __future__ import annotations

import base64
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import Enum
from pathlib import Path

import httpx

from ehcp.settings import PROJECT_ROOT, Settings

READY_TIMEOUT_SECONDS = 180.0
STOP_TIMEOUT_SECONDS = 20.0
TICK_SECONDS = 0.5
SWEEP_DEPLOYMENT = "ehc-sweep/ehc-sweep"
SWEEP_AFTER_START = "sweep-after-start"  # the name of the sweep run a (re)start asks for
PROC = Path("/proc")


class StartupError(RuntimeError):
    pass


def prefect_environment(settings: Settings) -> dict[str, str]:
    """Prefect's own settings for this project: its home and database under var/. In
    production the API is the council's Prefect server (PREFECT_API_URL, required there),
    with its basic-auth string passed on to every process we start."""
    settings.prefect_home.mkdir(parents=True, exist_ok=True)
    production = settings.environment == "production"
    environment = {
        "PREFECT_HOME": str(settings.prefect_home),
        "PREFECT_API_URL": settings.prefect_client_api_url if production else settings.prefect_api_url,
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_API_HOST": settings.prefect_host,
        "PREFECT_SERVER_API_PORT": str(settings.prefect_port),
        "PREFECT_RUNNER_POLL_FREQUENCY": str(settings.runner_poll_seconds),
        # Our loggers write to var/log, never to Prefect (which shows logs without a login).
        "PREFECT_LOGGING_EXTRA_LOGGERS": "",
        # A web page a coordinator visits must not read runs or post to the API: only the
        # UI's own origin may call it from a browser, and every change carries a CSRF token
        # (Prefect's client and UI fetch one; `request_sweep` below does too).
        "PREFECT_SERVER_API_CORS_ALLOWED_ORIGINS": ",".join(ui_origins(settings)),
        "PREFECT_SERVER_API_CSRF_PROTECTION_ENABLED": "true",
        # Retention: Prefect deletes finished runs (a closed case's, every sweep's), their
        # logs and artifacts this long after they ended. Open cases' runs wait suspended,
        # never finished, so are kept; one it deleted regardless (a stopped run) is started
        # afresh by the sweep from the case record (ehcp.runtime.failed_runs).
        "PREFECT_SERVER_SERVICES_DB_VACUUM_ENABLED": "events,flow_runs",
        "PREFECT_SERVER_SERVICES_DB_VACUUM_RETENTION_PERIOD": str(
            round(settings.prefect_retention_days * 86400)
        ),
    }
    if settings.prefect_api_auth_string is not None:
        environment["PREFECT_API_AUTH_STRING"] = settings.prefect_api_auth_string.get_secret_value()
    return environment


def prefect_auth_headers(auth_string: str | None) -> dict[str, str]:
    """The header Prefect's basic auth asks of every API call (PREFECT_API_AUTH_STRING,
    base64 as Prefect's own client sends it); none when it is not configured."""
    if not auth_string:
        return {}
    return {"Authorization": "Basic " + base64.b64encode(auth_string.encode("utf-8")).decode("ascii")}


def settings_auth_headers(settings: Settings) -> dict[str, str]:
    secret = settings.prefect_api_auth_string
    return prefect_auth_headers(secret.get_secret_value() if secret is not None else None)


def project_directory() -> dict[str, str]:
    """A deployment pull step (prefect.yaml's `pull`): a worker runs each flow from the
    project as installed on its own machine, wherever that is. `prefect deploy` would
    otherwise store the deploying machine's absolute path as every run's directory."""
    os.chdir(PROJECT_ROOT)
    return {"directory": str(PROJECT_ROOT)}


def ui_origins(settings: Settings) -> list[str]:
    """The origins the Prefect UI is opened from: its own address (and, on loopback,
    the same port under the other loopback names a coordinator might type)."""
    origins = [settings.prefect_ui_url]
    if settings.prefect_host in ("127.0.0.1", "localhost"):
        origins += [f"http://{host}:{settings.prefect_port}" for host in ("127.0.0.1", "localhost")]
    return list(dict.fromkeys(origins))


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
    # Called each time the service has become ready (first start and restarts); what it
    # returns is said on stderr. The flows use it to ask for a sweep.
    after_ready: Callable[[], str] | None = None
    process: subprocess.Popen | None = field(default=None, repr=False)
    # When the current process was started, by the wall clock (readiness checks compare
    # it with what other servers record).
    launched_at: datetime | None = field(default=None, repr=False)


@dataclass(frozen=True)
class RestartPolicy:
    """When a crashed service is started again, and when to give up on it."""

    first_delay: float = 1.0
    max_delay: float = 30.0
    # Up this long, a service is taken for healthy: its next crash waits first_delay again.
    stable_after: float = 60.0
    # More restarts than this within `window` seconds: it is broken, stop everything.
    max_restarts: int = 5
    window: float = 600.0

    def delay(self, crashes_in_a_row: int) -> float:
        return min(self.max_delay, self.first_delay * 2 ** max(0, crashes_in_a_row - 1))


class Phase(Enum):
    STARTING = "starting"  # launched, not yet ready
    RUNNING = "running"
    BACKING_OFF = "backing off"  # crashed, its group ended, waiting to start again


@dataclass
class Lifecycle:
    """What the supervisor remembers about one service between its looks."""

    phase: Phase = Phase.STARTING
    ready_deadline: float = 0.0
    up_since: float = 0.0
    restart_at: float = 0.0
    crashes_in_a_row: int = 0
    crash_times: deque[float] = field(default_factory=deque)


def say_on_stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@dataclass
class Supervisor:
    """Starts services in order, waits for each to be ready, restarts any that crashes,
    and stops them all together."""

    log_dir: Path
    services: list[Service] = field(default_factory=list)
    # Where <service>.pid files go (for operators and tests); None writes none.
    run_dir: Path | None = None
    policy: RestartPolicy = field(default_factory=RestartPolicy)
    ready_timeout: float = READY_TIMEOUT_SECONDS
    stop_timeout: float = STOP_TIMEOUT_SECONDS
    tick: float = TICK_SECONDS  # how often it looks
    say: Callable[[str], None] = say_on_stderr
    _lives: dict[str, Lifecycle] = field(default_factory=dict, init=False, repr=False)
    _stop_requested: bool = field(default=False, init=False, repr=False)

    def start(self, service: Service, timeout: float | None = None) -> None:
        """The first start: a service that is not ready in time is a StartupError (a
        broken configuration should stop `ehcp up` at once, not be retried)."""
        timeout = self.ready_timeout if timeout is None else timeout
        process = self._launch(service)
        self.services.append(service)
        self._lives[service.name] = Lifecycle()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise StartupError(
                    f"{service.name} exited with status {process.returncode}; see {self._log_path(service)}"
                )
            if service.is_ready():
                self._became_ready(service)
                return
            time.sleep(self.tick)
        raise StartupError(f"{service.name} was not ready within {timeout:.0f} s")

    def wait(self) -> int:
        """Supervise until Ctrl-C or SIGTERM (exit status 0) or until a service keeps
        crashing (1); either way every service is stopped."""

        def _request_stop(_signum, _frame):
            self.request_stop()

        previous = {sig: signal.signal(sig, _request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            return self.supervise()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def request_stop(self) -> None:
        self._stop_requested = True

    def supervise(self) -> int:
        """Look after every service until a stop is requested or one keeps crashing."""
        try:
            while not self._stop_requested:
                for service in list(self.services):
                    if not self._look_after(service):
                        return 1
                time.sleep(self.tick)
            return 0
        finally:
            self.stop()

    def stop(self) -> None:
        for service in reversed(self.services):
            if service.process is not None:
                end_process_group(service.process, self.stop_timeout)
            if self.run_dir is not None:
                self._pid_path(service).unlink(missing_ok=True)

    def _look_after(self, service: Service) -> bool:
        """One look at a service: notice a crash, readiness or the end of a backoff.
        False when it has crashed too often to go on."""
        life = self._lives.setdefault(service.name, Lifecycle(phase=Phase.RUNNING))
        now = time.monotonic()
        if life.phase is Phase.BACKING_OFF:
            if now >= life.restart_at:
                self._launch(service)
                life.phase, life.ready_deadline = Phase.STARTING, now + self.ready_timeout
            return True
        assert service.process is not None
        status = service.process.poll()
        if status is not None:
            return self._crashed(service, f"stopped unexpectedly (status {status})")
        if life.phase is Phase.STARTING:
            if service.is_ready():
                self.say(f"{service.name} is back")
                self._became_ready(service)
            elif now > life.ready_deadline:
                return self._crashed(service, f"was not ready within {self.ready_timeout:g} s")
        elif now - life.up_since >= self.policy.stable_after:
            life.crashes_in_a_row = 0
        return True

    def _crashed(self, service: Service, what: str) -> bool:
        assert service.process is not None
        # Before anything else: what the old process started must not run on unwatched.
        end_process_group(service.process, self.stop_timeout)
        life = self._lives[service.name]
        now = time.monotonic()
        life.crash_times.append(now)
        while life.crash_times and now - life.crash_times[0] > self.policy.window:
            life.crash_times.popleft()
        if len(life.crash_times) > self.policy.max_restarts:
            self.say(
                f"{service.name} {what}; it has crashed {len(life.crash_times)} times within "
                f"{self.policy.window:g} s, so everything is stopping. See {self._log_path(service)}"
            )
            return False
        life.crashes_in_a_row += 1
        delay = self.policy.delay(life.crashes_in_a_row)
        self.say(f"{service.name} {what}; restarting in {delay:g} s")
        life.phase, life.restart_at = Phase.BACKING_OFF, now + delay
        return True

    def _became_ready(self, service: Service) -> None:
        life = self._lives[service.name]
        life.phase, life.up_since = Phase.RUNNING, time.monotonic()
        if service.after_ready is not None:
            self.say(f"{service.name}: {service.after_ready()}")

    def _launch(self, service: Service) -> subprocess.Popen:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        service.launched_at = datetime.now(UTC)
        with open(self._log_path(service), "ab") as log:  # the child keeps its own copy
            service.process = subprocess.Popen(
                service.argv,
                env={**os.environ, **service.env},
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                # Its own group, so that we can end it with everything it started.
                start_new_session=True,
            )
        if self.run_dir is not None:
            self.run_dir.mkdir(parents=True, exist_ok=True)
            self._pid_path(service).write_text(f"{service.process.pid}\n")
        return service.process

    def _log_path(self, service: Service) -> Path:
        return self.log_dir / f"{service.name}.log"

    def _pid_path(self, service: Service) -> Path:
        assert self.run_dir is not None
        return self.run_dir / f"{service.name}.pid"


def end_process_group(leader: subprocess.Popen, timeout: float) -> None:
    """End the process group a service leads: SIGTERM to all, SIGKILL to whatever is
    left after `timeout`. Members outlive a leader killed with SIGKILL (the flow runs of
    `ehcp serve`) and keep the group, so this works after the leader is gone too."""
    group = leader.pid  # started with start_new_session: its pid names its group
    signal_group(group, signal.SIGTERM)
    if wait_until_group_ends(leader, group, timeout):
        return
    signal_group(group, signal.SIGKILL)
    wait_until_group_ends(leader, group, timeout)


def signal_group(group: int, signum: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):  # nothing left in it
        os.killpg(group, signum)


def wait_until_group_ends(leader: subprocess.Popen, group: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while True:
        leader.poll()  # reap the leader, or it lingers as a zombie
        if not group_members(group):
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)


def group_members(group: int) -> list[int]:
    """The live processes of a process group. Zombies are dead: they wait only for
    their parent (init, for orphans) to collect their exit status."""
    if not PROC.is_dir():  # not Linux: ask the kernel, zombies and all
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return []
        except PermissionError:
            pass
        return [group]
    members = []
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # it ended while we looked
        # The command name may hold spaces and ")": the fields after the last ")" are fixed.
        state, _parent, process_group = stat[stat.rindex(")") + 2 :].split()[:3]
        if int(process_group) == group and state != "Z":
            members.append(int(entry.name))
    return members


def deployment_polled_since(
    api_url: str, name: str, since: datetime | None, headers: dict[str, str] | None = None
) -> bool:
    """Whether a served process has asked Prefect for runs of this deployment since
    `since`. A deployment stays registered after its process dies, so being registered
    says nothing about a restarted `ehcp serve`; polling does."""
    try:
        response = httpx.get(f"{api_url}/deployments/name/{name}", timeout=2.0, headers=headers)
    except httpx.HTTPError:
        return False
    if response.status_code != 200:
        return False
    last_polled = response.json().get("last_polled")
    if last_polled is None or since is None:
        return False
    return datetime.fromisoformat(last_polled) >= since


def request_sweep(
    api_url: str,
    runner_started_at: datetime | None = None,
    transport: httpx.BaseTransport | None = None,
    headers: dict[str, str] | None = None,
) -> str:
    """Ask Prefect for a run of the sweep now, through its REST API (no Prefect import
    here): it starts new cases and requeues the runs a dead `ehcp serve` left behind.
    `runner_started_at` (when the only runner started) tells the sweep that a run
    "Running" since before then has no process left, however recently it began.
    `headers`: Prefect's basic auth when it is on (settings_auth_headers)."""
    parameters = {} if runner_started_at is None else {"runner_started_at": runner_started_at.isoformat()}
    try:
        with httpx.Client(base_url=api_url, timeout=5.0, transport=transport, headers=headers) as client:
            deployment = client.get(f"/deployments/name/{SWEEP_DEPLOYMENT}")
            deployment.raise_for_status()
            created = create_flow_run(
                client, deployment.json()["id"], {"name": SWEEP_AFTER_START, "parameters": parameters}
            )
            created.raise_for_status()
    except (httpx.HTTPError, ValueError, KeyError) as error:  # never worth stopping the supervisor
        return f"could not request a sweep after start ({error!r}); the scheduled one will come"
    return "sweep requested after start"


# Prefect answers 503 while its database is busy (SQLite under load: seen in CI when a run
# was created during a burst of state changes); its own client retries those, and so do we.
BUSY = 503
CREATE_ATTEMPTS = 5


def create_flow_run(client: httpx.Client, deployment_id: str, body: dict) -> httpx.Response:
    """POST a run of the deployment, with a CSRF token, trying again while Prefect is busy."""
    for attempt in range(CREATE_ATTEMPTS):
        created = client.post(
            f"/deployments/{deployment_id}/create_flow_run", json=body, headers=csrf_headers(client)
        )
        if created.status_code != BUSY or attempt == CREATE_ATTEMPTS - 1:
            break
        time.sleep(0.5 * 2**attempt)
    return created


def csrf_headers(client: httpx.Client) -> dict[str, str]:
    """The token Prefect's CSRF protection asks of every change (none when it is off:
    the server answers 422)."""
    identity = uuid.uuid4().hex
    response = client.get("/csrf-token", params={"client": identity})
    if response.status_code == 422:
        return {}
    response.raise_for_status()
    return {"Prefect-Csrf-Token": response.json()["token"], "Prefect-Csrf-Client": identity}


def flow_server(settings: Settings, *, sweep_after_start: bool = False) -> Service:
    """`ehcp serve`: runs the case runs and the sweep declared in prefect.yaml. Whoever
    starts it (`ehcp up`, the test stack) has checked the templates already. With
    sweep_after_start, each (re)start asks for a sweep at once."""
    ehcp = str(Path(sys.executable).with_name("ehcp"))
    api_url = settings.prefect_api_url
    auth = settings_auth_headers(settings)
    service = Service(
        name="flows",
        argv=[ehcp, "serve", "--templates-checked"],
        env=prefect_environment(settings),
        is_ready=lambda: False,
    )
    if sweep_after_start:
        # `ehcp serve` is the only runner under `ehcp up`: a case run still "Running" from
        # before it started lost its process.
        service.after_ready = lambda: request_sweep(
            api_url, runner_started_at=service.launched_at, headers=auth
        )
    # Ready once this very process polls for runs (see deployment_polled_since).
    service.is_ready = lambda: deployment_polled_since(
        api_url, SWEEP_DEPLOYMENT, service.launched_at, headers=auth
    )
    return service


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


EMBEDDED_ONLY = (
    "EHC_ENVIRONMENT is production: `ehcp up` runs the embedded Prefect server on SQLite, "
    "for development only. Start the production profile's services instead (README: "
    "Running it for real)"
)


def prefect_server(settings: Settings) -> Service:
    """The embedded Prefect server on SQLite (`ehcp up`), never a production one: production
    runs its own on PostgreSQL behind basic auth (README, "Running it for real")."""
    if settings.environment == "production":
        raise StartupError(EMBEDDED_ONLY)
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
