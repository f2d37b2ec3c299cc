"""Point the Prefect client at the project's server for one CLI command.

Prefect reads its settings when it is imported; the CLI sets PREFECT_API_URL
from EHC_PREFECT_HOST/PORT for the span of a call unless the environment
already names a server.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from ehcp.cli.common import settings


@contextmanager
def prefect_api() -> Iterator[None]:
    if os.environ.get("PREFECT_API_URL"):
        yield
        return
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings(updates={PREFECT_API_URL: settings().prefect_api_url}):
        yield
