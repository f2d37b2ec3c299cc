"""Wake a case's run: the one way every writer (CLI, case API, portal, intake) tells the
run that its case changed.

Writers update the case store first, which also sets the case's `wake_at` to now, and
then call `wake_case`. If Prefect cannot be reached the write still stands and the
sweep wakes the run from `wake_at`, so waking never fails a write.
"""

from __future__ import annotations

import logging
import time
from enum import StrEnum

from ehcp.db import crud, runs
from ehcp.db.engine import database

log = logging.getLogger(__name__)


class Wake(StrEnum):
    RESUMED = "resumed"
    STARTED = "started"  # the case had no run yet
    NOT_WAITING = "not waiting"  # running or queued: it will look at the case anyway, or the sweep will
    NO_RUN = "no run"
    UNREACHABLE = "prefect unreachable"


# After Prefect fails to answer, stop trying for a while: a failed attempt costs about
# 1.5 s of client retries (measured), and the sweep wakes the cases once it is back.
PREFECT_RETRY_AFTER_SECONDS = 30.0
_prefect_down_until = 0.0


def wake_case(case_ref: str) -> Wake:
    """Make the case's run look at the case now: resume it, or start it if it has none yet.
    Opens its own database session and Prefect connection."""
    global _prefect_down_until
    if time.monotonic() < _prefect_down_until:
        return Wake.UNREACHABLE
    with database() as session:
        case = crud.get_case(session, ref=case_ref)
        if case is None:
            return Wake.NO_RUN
        flow_run_id = case.flow_run_id
    # Prefect is imported only when a run is to be woken (the web app starts without it).
    from ehcp.runtime import orchestration
    from ehcp.runtime.prefect_api import prefect_api

    try:
        with prefect_api():
            if flow_run_id is None:
                started = orchestration.start_run(case_ref)
                with database() as session:
                    runs.attach_run(
                        session, case=crud.require_case(session, ref=case_ref), flow_run_id=started
                    )
                return Wake.STARTED
            outcome = orchestration.wake(flow_run_id)
    except Exception as error:  # noqa: BLE001 - any Prefect outage leaves the case to the sweep
        log.warning("could not wake the run of %s (%s); the sweep will", case_ref, type(error).__name__)
        outcome = Wake.UNREACHABLE
    if outcome is Wake.UNREACHABLE:
        _prefect_down_until = time.monotonic() + PREFECT_RETRY_AFTER_SECONDS
    return outcome
