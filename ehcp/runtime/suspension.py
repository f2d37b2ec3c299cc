"""Suspend the current run with a state message saying what the case waits for.

Prefect's `suspend_flow_run` (3.8.8) takes no message: the Runs list then shows the
Suspended state with none, and a coordinator must open each run to see why it waits.
It builds its state through the module-level name `Suspended`, so for the length of
one call we hand it a `Suspended` that carries our message; everything else
(the pause key, the resume form's schema, leaving the process) stays Prefect's own.
tests/flows/test_request_flow.py reads the message back from the API, so a Prefect
that stops building its state this way fails a test rather than silently dropping it.
"""

from __future__ import annotations

import functools
import threading
from typing import TypeVar

import prefect.flow_runs
from prefect.states import Suspended

T = TypeVar("T")

# One call at a time per process: the name is module-global. Served runs each have a
# process of their own, so this never waits in practice.
_lock = threading.Lock()


def suspend_with_message(form: type[T], *, key: str, message: str) -> T:
    """`suspend_flow_run(wait_for_input=form, key=key, timeout=None)` with `message` on
    the Suspended state. `message` reaches Prefect: refs, roles and dates only.

    Returns the submitted form once the run is resumed and replays past this point (the
    first call leaves the process instead: Prefect raises its Pause signal)."""
    with _lock:
        original = prefect.flow_runs.Suspended
        prefect.flow_runs.Suspended = functools.partial(Suspended, message=message)  # type: ignore[assignment]
        try:
            entered = prefect.flow_runs.suspend_flow_run(wait_for_input=form, key=key, timeout=None)
        finally:
            prefect.flow_runs.Suspended = original  # type: ignore[assignment]
    if entered is None:  # Prefect resumes a run that waits for input only with its input
        raise RuntimeError(f"the run was resumed past {key} without the form's input")
    return entered
