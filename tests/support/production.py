"""The production profile on loopback, started as the README's "Running it for real" says.

One PostgreSQL server (the machine's own binaries, tests/support/postgres.py) holds two
databases: the cases and Prefect's own. Prefect's server runs on it behind basic auth
(`PREFECT_SERVER_API_AUTH_STRING`), with CSRF protection and CORS as under `ehcp up`. The
deployments in prefect.yaml are registered with `prefect deploy --all` to the `ehcp`
process work pool, and two `prefect worker start --pool ehcp` processes run them, each
with its own working directory, Prefect home and var directory, as if on two machines
(they share the document store, as workers on two machines share a mounted folder). The
web app and a real SMTP server complete it. Every process of ours runs with
EHC_ENVIRONMENT=production, which refuses to start without all of this.

Builds on tests/support/stack.py (the clock file, the supervisor, kill, logs).
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
import uuid
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import httpx
import yaml
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from ehcp.db import migrate
from ehcp.runtime.supervisor import (
    Service,
    csrf_headers,
    port_accepts,
    prefect_auth_headers,
    prefect_environment,
    prefect_is_healthy,
    web_app,
)
from ehcp.settings import PROJECT_ROOT, Settings
from tests.support.postgres import free_port
from tests.support.stack import READY_SECONDS, Stack

POOL = "ehcp"
WORKERS = ("worker-a", "worker-b")
# A pull step that runs each flow from the project as installed on the worker's machine
# (ehcp.runtime.supervisor.project_directory). Without a `pull` section, `prefect deploy`
# stores the deploying machine's absolute path as every run's working directory.
PROJECT_PULL_STEP = {"ehcp.runtime.supervisor.project_directory": {}}
PREFECT = str(Path(sys.executable).with_name("prefect"))


@dataclass
class ProductionStack(Stack):
    admin_url: str = ""
    databases: list[str] = field(default_factory=list)
    auth_string: str = ""
    prefect_port: int = 0
    # Where `prefect deploy --all` ran: a copy of the project's deployment files.
    deploy_dir: Path = field(default=Path())
    # The `ehcp` pool's concurrency limit: how many flow runs all its workers run at once.
    pool_limit: int = 10

    @classmethod
    def create_production(cls, root: Path, admin_url: str) -> ProductionStack:
        suffix = uuid.uuid4().hex[:8]
        cases_db, prefect_db = f"ehcp_cases_{suffix}", f"ehcp_prefect_{suffix}"
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            for name in (cases_db, prefect_db):
                connection.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        url = make_url(admin_url)
        cases_url = url.set(database=cases_db).render_as_string(hide_password=False)
        prefect_port = free_port()
        auth_string = f"council-it:{secrets.token_urlsafe(24)}"
        clock_file = root / "now"
        env = {
            "EHC_ENVIRONMENT": "production",
            "EHC_DATABASE_URL": cases_url,
            "EHC_SECRET_KEY": secrets.token_urlsafe(32),
            "EHC_API_TOKEN": secrets.token_urlsafe(32),
            "EHC_INTAKE_WEBHOOK_SECRET": "whsec_" + _base64(secrets.token_bytes(32)),
            "EHC_LOCAL_MAIL_SERVER": "false",
            "EHC_SMTP_HOST": "127.0.0.1",
            "EHC_WEB_PORT": str(free_port()),
            "EHC_PREFECT_PORT": str(prefect_port),
            "EHC_DOCUMENT_DIR": str(root / "shared" / "documents"),
            "EHC_VAR_DIR": str(root / "test-process" / "var"),
            "EHC_CLOCK_FILE": str(clock_file),
            "EHC_RUN_STALE_AFTER_SECONDS": "3",
            "PREFECT_API_URL": f"http://127.0.0.1:{prefect_port}/api",
            "PREFECT_API_AUTH_STRING": auth_string,
        }
        stack = cls(
            root=root,
            env=env,
            clock_file=clock_file,
            admin_url=admin_url,
            databases=[cases_db, prefect_db],
            auth_string=auth_string,
            prefect_port=prefect_port,
        )
        stack.env["EHC_SMTP_PORT"] = str(stack.mail.port)
        stack.mail.__enter__()
        stack.set_today(date(2026, 11, 2))
        migrate.upgrade(cases_url)
        return stack

    @property
    def settings(self) -> Settings:
        return self.settings_for(self.env)

    @staticmethod
    def settings_for(env: dict[str, str]) -> Settings:
        values: dict[str, str] = {
            key.removeprefix("EHC_").lower(): v for key, v in env.items() if key.startswith("EHC_")
        }
        return Settings(
            **values,
            PREFECT_API_URL=env["PREFECT_API_URL"],
            PREFECT_API_AUTH_STRING=env["PREFECT_API_AUTH_STRING"],
        )

    @property
    def api_url(self) -> str:
        return self.env["PREFECT_API_URL"]

    @property
    def ui_url(self) -> str:
        return f"http://127.0.0.1:{self.prefect_port}"

    @property
    def auth_headers(self) -> dict[str, str]:
        return prefect_auth_headers(self.auth_string)

    @property
    def prefect_database_url(self) -> str:
        url = make_url(self.admin_url).set(drivername="postgresql+asyncpg", database=self.databases[1])
        return url.render_as_string(hide_password=False)

    # --- the services, in the order the README starts them ---------------------------------

    def prefect_server_env(self) -> dict[str, str]:
        """What the Prefect server's machine sets (README: the settings table)."""
        return {
            "PREFECT_HOME": str(self.root / "prefect-server" / "home"),
            "PREFECT_SERVER_DATABASE_CONNECTION_URL": self.prefect_database_url,
            "PREFECT_SERVER_API_HOST": "127.0.0.1",
            "PREFECT_SERVER_API_PORT": str(self.prefect_port),
            # Where the browser finds the API: behind a proxy, its public https:// URL.
            "PREFECT_UI_API_URL": self.api_url,
            "PREFECT_SERVER_API_AUTH_STRING": self.auth_string,
            "PREFECT_SERVER_API_CSRF_PROTECTION_ENABLED": "true",
            "PREFECT_SERVER_API_CORS_ALLOWED_ORIGINS": self.ui_url,
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "PREFECT_LOGGING_EXTRA_LOGGERS": "",
        }

    def start_prefect(self) -> None:
        service = Service(
            name="prefect-server",
            argv=[PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(self.prefect_port)],
            env=self.prefect_server_env(),
            is_ready=lambda: prefect_is_healthy(self.api_url),
        )
        self.services[service.name] = service  # not through _start: none of our EHC_* settings
        self.supervisor.start(service, timeout=READY_SECONDS)

    def client_env(self, home: Path) -> dict[str, str]:
        """A Prefect CLI's environment on some machine: the API, its password, a home."""
        return {
            **os.environ,
            "PREFECT_API_URL": self.api_url,
            "PREFECT_API_AUTH_STRING": self.auth_string,
            "PREFECT_HOME": str(home),
        }

    def deploy(self) -> subprocess.CompletedProcess:
        """`prefect work-pool create ehcp --type process`, then `prefect deploy --all` from a
        directory holding the project's deployment files (prefect.yaml, flows/, tasks/),
        with the pull step that finds the project on each worker's machine."""
        self.deploy_dir = self.root / "deploy"
        for folder in ("flows", "tasks"):
            shutil.copytree(
                PROJECT_ROOT / folder, self.deploy_dir / folder, ignore=shutil.ignore_patterns("__pycache__")
            )
        spec = yaml.safe_load((PROJECT_ROOT / "prefect.yaml").read_text(encoding="utf-8"))
        spec.setdefault("pull", [PROJECT_PULL_STEP])
        (self.deploy_dir / "prefect.yaml").write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
        env = self.client_env(self.root / "deploy-home")
        for command in (
            ("work-pool", "create", POOL, "--type", "process"),
            ("work-pool", "set-concurrency-limit", POOL, str(self.pool_limit)),
        ):
            done = self._prefect(*command, env=env, cwd=self.deploy_dir)
            assert done.returncode == 0, done.stdout + done.stderr
        return self._prefect("--no-prompt", "deploy", "--all", env=env, cwd=self.deploy_dir)

    def start_worker(self, name: str, poll_seconds: float = 1) -> None:
        """`prefect worker start --pool ehcp` in a working directory of its own ("another
        machine"), with this install's EHC_* settings and Prefect's client settings, asking
        for work every `poll_seconds` (Prefect's default, PREFECT_WORKER_QUERY_SECONDS, is
        10: a worker started as the README says)."""
        home = self.root / name
        home.mkdir(parents=True, exist_ok=True)
        env = {**self.env, "EHC_VAR_DIR": str(home / "var")}
        env.update(prefect_environment(self.settings_for(env)))
        # No `--limit`: in Prefect 3.8.8 a worker with one crashes when a run it just
        # suspended is resumed before it has let go of the run's slot (PrefectHQ/prefect#16806);
        # the pool's concurrency limit is the safe one (README).
        env["PREFECT_WORKER_QUERY_SECONDS"] = f"{poll_seconds:g}"
        env["PREFECT_WORKER_HEARTBEAT_SECONDS"] = "5"
        service = Service(
            name=name,
            argv=[PREFECT, "worker", "start", "--pool", POOL, "--name", name],
            env=env,
            is_ready=lambda: self.worker_is_polling(name),
        )
        self.services[name] = service
        self._launch_in(service, home)

    def worker_is_polling(self, name: str) -> bool:
        try:
            with httpx.Client(base_url=self.api_url, headers=self.auth_headers, timeout=5) as client:
                # A filter is a POST: CSRF protection asks for a token.
                response = client.post(
                    f"/work_pools/{POOL}/workers/filter", json={}, headers=csrf_headers(client)
                )
        except httpx.HTTPError:
            return False
        return response.status_code == 200 and any(
            worker["name"] == name and worker.get("status") == "ONLINE" for worker in response.json()
        )

    def start_web(self) -> None:
        env = {**self.env, "EHC_VAR_DIR": str(self.root / "web" / "var")}
        service = web_app(self.settings_for(env))
        service.env = {**env, **service.env}
        self.services[service.name] = service
        self.supervisor.start(service, timeout=READY_SECONDS)

    # --- two Prefect API servers on one database, Redis for messaging --------------------

    def redis_server_env(self, port: int, redis_port: int) -> dict[str, str]:
        """A Prefect server process of several (README: "Two Prefect API servers")."""
        return {
            **self.prefect_server_env(),
            "PREFECT_SERVER_API_PORT": str(port),
            "PREFECT_UI_API_URL": f"http://127.0.0.1:{port}/api",
            "PREFECT_SERVER_API_CORS_ALLOWED_ORIGINS": f"http://127.0.0.1:{port}",
            "PREFECT_MESSAGING_BROKER": "prefect_redis.messaging",
            "PREFECT_MESSAGING_CACHE": "prefect_redis.messaging",
            "PREFECT_SERVER_EVENTS_CAUSAL_ORDERING": "prefect_redis.ordering",
            "PREFECT_SERVER_CONCURRENCY_LEASE_STORAGE": "prefect_redis.lease_storage",
            "PREFECT_REDIS_MESSAGING_HOST": "127.0.0.1",
            "PREFECT_REDIS_MESSAGING_PORT": str(redis_port),
            "PREFECT_REDIS_MESSAGING_DB": "0",
            "PREFECT_SERVER_DOCKET_URL": f"redis://127.0.0.1:{redis_port}/1",
            "PREFECT_API_DATABASE_MIGRATE_ON_START": "false",
        }

    def start_two_apis(self) -> dict[str, str]:
        """Redis, Prefect's database migrated once, two `prefect server start --no-services`
        and one `prefect server services start`; the deployments, worker-a on API A,
        worker-b and the web app on API B. Returns each API's URL by name."""
        redis_port = free_port()
        self.supervisor.start(
            Service(
                name="redis",
                argv=["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--save", ""],
                env={},
                is_ready=lambda: port_accepts("127.0.0.1", redis_port),
            ),
            timeout=READY_SECONDS,
        )
        ports = {"api-a": self.prefect_port, "api-b": free_port()}
        upgrade = subprocess.run(
            [PREFECT, "server", "database", "upgrade", "-y"],
            env={**os.environ, **self.redis_server_env(self.prefect_port, redis_port)},
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        assert upgrade.returncode == 0, upgrade.stderr
        urls = {}
        for name, port in ports.items():
            urls[name] = url = f"http://127.0.0.1:{port}/api"
            service = Service(
                name=name,
                argv=[
                    PREFECT,
                    "server",
                    "start",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                    "--no-services",
                ],
                env=self.redis_server_env(port, redis_port),
                is_ready=lambda url=url: prefect_is_healthy(url),
            )
            self.services[name] = service
            self.supervisor.start(service, timeout=READY_SECONDS)
        services = Service(
            name="prefect-services",
            argv=[PREFECT, "server", "services", "start"],
            env=self.redis_server_env(self.prefect_port, redis_port),
            is_ready=lambda: True,
        )
        self.services[services.name] = services
        self.supervisor.start(services, timeout=READY_SECONDS)
        self.env["PREFECT_API_URL"] = urls["api-a"]
        result = self.deploy()
        assert result.returncode == 0, result.stdout + result.stderr
        self.start_worker("worker-a")
        self.env["PREFECT_API_URL"] = urls["api-b"]
        self.start_worker("worker-b")
        self.start_web()
        self.env["PREFECT_API_URL"] = urls["api-a"]  # this test process talks to A
        return urls

    @property
    def web_url(self) -> str:
        return self.settings.web_url

    def start_all(self) -> None:
        self.start_prefect()
        result = self.deploy()
        assert result.returncode == 0, result.stdout + result.stderr
        for name in WORKERS:
            self.start_worker(name)
        self.start_web()

    def stop(self) -> None:
        try:
            super().stop()
        finally:
            admin = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
            with admin.connect() as connection:
                for name in self.databases:
                    connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()

    def worker_log(self, name: str) -> str:
        path = self.root / "var" / "log" / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def workers_that_ran(self, flow_run_id: str) -> list[str]:
        """The workers that started this run. Both may try to submit a run they both saw;
        the server lets one through and the other says it aborted that submission. A worker
        that lost the race for one look may win it for the next, so attempts are counted:
        one worker's log can hold both an aborted and a successful submission of a run."""
        tried = f"submitting flow run '{flow_run_id}'"
        lost = f"Aborted submission of flow run '{flow_run_id}'"
        return [
            name
            for name in WORKERS
            if (log := self.worker_log(name)).count(tried) > log.count(lost)
        ]

    def _launch_in(self, service: Service, cwd: Path) -> None:
        """Start a service with `cwd` as its working directory (the supervisor starts its
        children in ours)."""
        previous = Path.cwd()
        os.chdir(cwd)
        try:
            self.supervisor.start(service, timeout=READY_SECONDS)
        finally:
            os.chdir(previous)

    def _prefect(self, *args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
        return subprocess.run(
            [PREFECT, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=300, check=False
        )


def _base64(data: bytes) -> str:
    import base64

    return base64.b64encode(data).decode("ascii")


def redis_messaging_missing() -> str:
    """Why two API servers cannot be tried here ("" when they can)."""
    if shutil.which("redis-server") is None:
        return "no redis-server (apt-get install redis-server)"
    try:
        import prefect_redis  # noqa: F401
    except ImportError:
        return "prefect-redis is not installed (.venv/bin/pip install prefect-redis==0.3.0)"
    return ""
