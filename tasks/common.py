"""What every task shares: settings, the council, the database, and safe errors.

Prefect stores exception text as the run's state message and logs tracebacks,
and both are visible to anyone who can open the UI. A database error can quote
the row it failed on, names included, so task bodies run inside
`no_personal_data_in_errors`: the full error goes to the project's own log
(var/log/ehcp.log), and Prefect sees only its type and an error id.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from ehcp.council.config import Council, cached_council
from ehcp.error_log import record_failure
from ehcp.settings import Settings, get_settings


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
        error_id = record_failure(what, case_ref)
        kind = type(error).__name__
        raise TaskFailed(
            f"{what} failed for {case_ref}: {kind} (error id {error_id}; see var/log/ehcp.log)"
        ) from None
