"""A throwaway PostgreSQL server for the test session, from the machine's own binaries.

CI and a fresh machine have Debian's postgresql package (`.ci/run` installs it
when missing); EHC_TEST_POSTGRES_URL points the suite at an existing server
instead (an admin URL: the suite creates a database per test).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

RUN_AS = "postgres"  # initdb and postgres refuse to run as root


def find_bin_dir() -> Path | None:
    found = shutil.which("pg_ctl")
    if found:
        return Path(os.path.realpath(found)).parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), reverse=True)
    return Path(candidates[0]).parent if candidates else None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class TemporaryPostgres:
    bin_dir: Path
    root: Path
    port: int

    @property
    def admin_url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    @classmethod
    def start(cls, bin_dir: Path) -> TemporaryPostgres:
        root = Path(tempfile.mkdtemp(prefix="ehcp-pg-"))
        server = cls(bin_dir=bin_dir, root=root, port=free_port())
        if os.geteuid() == 0:
            user = pwd.getpwnam(RUN_AS)
            os.chown(root, user.pw_uid, user.pw_gid)
        server._run(
            "initdb",
            "-D",
            str(root / "data"),
            "-U",
            "postgres",
            "-A",
            "trust",
            "--no-sync",
            "-E",
            "UTF8",
        )
        server._start()
        return server

    def _start(self) -> None:
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self._run(
            "pg_ctl",
            "-D",
            str(self.root / "data"),
            "-o",
            options,
            "-l",
            str(self.root / "log"),
            "-w",
            "start",
        )

    def _halt(self, mode: str = "immediate") -> None:
        self._run("pg_ctl", "-D", str(self.root / "data"), "-m", mode, "-w", "stop")

    def restart(self, down_seconds: float = 0.0) -> None:
        """Stop as an administrator's restart does (every connection cut, open transactions
        rolled back), stay down `down_seconds`, then start on the same port. Not
        "immediate": with this server's synchronous_commit=off (speed, for tests) a crash
        would lose the last moments' commits, which a production server does not."""
        self._halt("fast")
        time.sleep(down_seconds)
        self._start()

    def stop(self) -> None:
        try:
            self._halt()
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def _run(self, program: str, *args: str) -> None:
        command = [str(self.bin_dir / program), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", RUN_AS, "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, timeout=120)
        if result.returncode != 0:
            raise RuntimeError(f"{program} failed ({result.returncode}): {result.stderr or result.stdout}")
