"""The installed `ehcp` command tells an unexpected failure by an error id: a traceback on
the terminal could quote a child's details from a database or validation error."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.support.postgres import free_port

EHCP = str(Path(sys.executable).with_name("ehcp"))


def test_a_database_that_cannot_be_reached_is_an_error_id_not_a_traceback(tmp_path):
    env = {
        **os.environ,
        "EHC_VAR_DIR": str(tmp_path / "var"),
        "EHC_DATABASE_URL": f"postgresql://nobody@127.0.0.1:{free_port()}/cases",
    }
    finished = subprocess.run([EHCP, "cases"], env=env, capture_output=True, text=True, timeout=120)
    assert finished.returncode == 1
    said = finished.stdout + finished.stderr
    assert "Traceback" not in said and "127.0.0.1" not in said
    error_id = said.split("error id ")[1][:12]
    log = (tmp_path / "var" / "log" / "ehcp.log").read_text()
    assert f"ehcp cases failed (error id {error_id})" in log
    assert "OperationalError" in log  # the whole error is kept, on this machine
