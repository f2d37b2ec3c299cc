"""Serve the web app on a loopback port in a thread, for tests over real HTTP."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn

from ehcp.council.config import cached_council
from ehcp.db.engine import engine_for
from ehcp.settings import get_settings
from ehcp.web.app import create_app
from tests.support.postgres import free_port


@contextmanager
def served_app() -> Iterator[str]:
    """Build the app from the current EHC_* environment and yield its base URL."""
    get_settings.cache_clear()
    engine_for.cache_clear()
    cached_council.cache_clear()
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the web app did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        engine_for.cache_clear()
