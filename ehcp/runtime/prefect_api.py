"""Point Prefect's client at the project's own server for a block of code.

Prefect reads its settings when it is imported and, with no API URL, would
start a throwaway in-process server: never what we want. Callers outside a
flow (CLI, web app) wrap their Prefect calls in `prefect_api()`, which uses
PREFECT_API_URL when the environment names a server, else the one in our
settings, and forbids the ephemeral fallback either way.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from ehcp.settings import get_settings


@contextmanager
def prefect_api() -> Iterator[None]:
    from prefect.settings import (
        PREFECT_API_URL,
        PREFECT_SERVER_ALLOW_EPHEMERAL_MODE,
        temporary_settings,
    )

    url = os.environ.get("PREFECT_API_URL") or get_settings().prefect_api_url
    with temporary_settings(updates={PREFECT_API_URL: url, PREFECT_SERVER_ALLOW_EPHEMERAL_MODE: False}):
        yield
