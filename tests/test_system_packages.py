"""scripts/system-packages.sh: `make run` and `make test` stop when it says a package is
missing, so its answer must not change from one run to the next."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

SCRIPT = Path(__file__).parents[1] / "scripts" / "system-packages.sh"


def _check(*arguments: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["bash", str(SCRIPT), "--check", *arguments],
        capture_output=True,
        text=True,
        env=env or dict(os.environ),
        timeout=30,
    )


def test_installed_libraries_are_found_on_every_one_of_300_runs():
    # The old check piped `ldconfig -p` into `grep -q` under pipefail and said "missing"
    # about one run in sixteen: 300 runs would pass by luck less than once in 10^8.
    failures = [result.stderr for result in (_check("--runtime") for _ in range(300)) if result.returncode]
    assert failures == []


def test_a_library_found_while_the_listing_is_still_being_written_counts_as_found(tmp_path):
    # The losing side of the old race, made certain: the listing goes on after the
    # library's line, by which time a `grep -q` reading it has gone.
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    ldconfig = fake_bin / "ldconfig"
    ldconfig.write_text(f"#!/bin/sh\n{_real_ldconfig()} -p\nsleep 0.2\n{_real_ldconfig()} -p\n")
    ldconfig.chmod(0o755)
    env = {**os.environ, "PATH": f"{fake_bin}:{os.environ['PATH']}"}

    assert [_check("--runtime", env=env).returncode for _ in range(5)] == [0] * 5


def _real_ldconfig() -> str:
    found = shutil.which("ldconfig") or "/sbin/ldconfig"
    return found


def test_a_missing_library_is_named_and_nothing_is_installed(tmp_path):
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    ldconfig = fake_bin / "ldconfig"
    ldconfig.write_text("#!/bin/sh\necho '\tlibc.so.6 (libc6,x86-64) => /lib/libc.so.6'\n")
    ldconfig.chmod(0o755)
    env = {**os.environ, "PATH": f"{fake_bin}:{os.environ['PATH']}"}

    result = _check("--runtime", env=env)

    assert result.returncode == 1
    assert "Missing system packages: libpango-1.0-0 libpangoft2-1.0-0" in result.stderr
    assert "Installing" not in result.stdout


def test_an_unknown_option_is_refused():
    result = subprocess.run(["bash", str(SCRIPT), "--instal"], capture_output=True, text=True, timeout=30)
    assert result.returncode == 2
    assert "usage:" in result.stderr
