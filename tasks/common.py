"""What every task shares: settings, the council, the database, and safe errors.

Prefect stores exception text as the run's state message and logs tracebacks,
and both are visible to anyone who can open the UI. A database error can quote
the row it failed on, names included, so task bodies run inside
`no_personal_data_in_errors`: the full error goes to the project's own log
(var/log/ehcp.log), and Prefect sees only its type and an error id.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

from ehcp.council.config import Council, cached_council
from ehcp.settings import Settings, get_settings

log = logging.getLogger("ehcp.tasks")


class TaskFailed(RuntimeError):
    """A failure described without personal data."""


def settings() -> Settings:
    return get_settings()


def council() -> Council:
    return cached_council(settings().council_dir)


@contextmanager
def no_personal_data_in_errors(what: str, case_ref: str) -> Iterator[None]:
    """`case_ref` names what the task was working on: a case reference, or the sweep."""
    try:
        yield
    except Exception as error:
        error_id = uuid.uuid4().hex[:12]
        _project_log().error("%s failed for %s (error id %s)", what, case_ref, error_id, exc_info=True)
        kind = type(error).__name__
        raise TaskFailed(
            f"{what} failed for {case_ref}: {kind} (error id {error_id}; see var/log/ehcp.log)"
        ) from None


@lru_cache
def _project_log() -> logging.Logger:
    path = settings().var_dir / "log" / "ehcp.log"
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    log.addHandler(handler)
    log.propagate = False  # never into Prefect's handlers
    return log
