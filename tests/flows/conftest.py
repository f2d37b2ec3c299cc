"""Fixtures for tests that run cases through the real Prefect server and a served flow."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from prefect.settings import PREFECT_API_URL, temporary_settings

from ehcp import timesource
from ehcp.council.config import cached_council
from ehcp.db import crud
from ehcp.db.engine import database
from ehcp.db.inputs import DecisionIn
from ehcp.runtime import orchestration, sweeper
from ehcp.runtime.signals import Wake
from ehcp.settings import get_settings
from tasks import common
from tests.db import factories
from tests.support.stack import Stack, read_run, wait_until

pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def stack(tmp_path_factory) -> Iterator[Stack]:
    root = tmp_path_factory.mktemp("stack")
    stack = Stack.create(root, f"sqlite:///{root / 'cases.sqlite3'}")
    try:
        stack.start_prefect()
        with temporary_settings(updates={PREFECT_API_URL: stack.api_url}):
            stack.start_flows()
            yield stack
    finally:
        stack.stop()


@pytest.fixture
def system(stack, monkeypatch) -> Iterator[System]:
    """This test process sees the same settings as the served flows."""
    for key, value in stack.env.items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    cached_council.cache_clear()
    with temporary_settings(updates={PREFECT_API_URL: stack.api_url}):
        yield System(stack)
    get_settings.cache_clear()


class System:
    """Acts as the people and clocks around a case: coordinators, the sweep, the calendar."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack

    def today(self, day: date) -> None:
        self.stack.set_today(day)

    def open_case(self, **changes) -> str:
        with database() as session:
            case = factories.open_case(
                session,
                common.council(),
                now=timesource.now(),
                setting_email="head@example-primary.sch.uk",
                **changes,
            )
            return case.ref

    def sweep(self, stale_after_seconds: float = 3, runner_started_at=None) -> sweeper.SweepReport:
        with database() as session:
            return sweeper.sweep(
                session,
                now=timesource.now(),
                limit=100,
                stale_after_seconds=stale_after_seconds,
                runner_started_at=runner_started_at,
            )

    def case(self, ref: str):
        with database() as session:
            return crud.require_case(session, ref=ref)

    def timeline(self, ref: str):
        """The case's clock as its run judges it today."""
        with database() as session:
            case = crud.require_case(session, ref=ref)
            facts = crud.case_facts(session, case=case)
        return common.council().timeline(facts, today=timesource.london_date(timesource.now()))

    def chronology(self, ref: str):
        with database() as session:
            return crud.chronology(session, case=crud.require_case(session, ref=ref))

    def write(self, ref: str, operation, wake: bool = True, **kwargs) -> Wake | None:
        """Do what the CLI and API do: update the database first, then wake the run."""
        with database() as session:
            case = crud.require_case(session, ref=ref)
            operation(
                session, case=case, council=common.council(), now=timesource.now(), actor="test", **kwargs
            )
        return orchestration.wake(case.flow_run_id) if wake else None

    def decide(self, ref: str, kind: str, outcome: str, on: date, wake: bool = True):
        return self.write(
            ref,
            crud.record_decision,
            wake=wake,
            decision=DecisionIn(kind=kind, outcome=outcome, decided_on=on),
        )

    def is_settled(self, ref: str):
        """The case, if its run has looked at its latest version and is suspended or done."""
        case = self.case(ref)
        if case.flow_run_id is None:
            return None
        state = read_run(case.flow_run_id).state
        if state.is_completed() or (state.is_paused() and case.run_seen_version == case.version):
            return case
        return None

    def settled(self, ref: str, timeout: float = 180, sweeping: bool = False):
        """Wait until the run settles; with `sweeping`, run the sweep meanwhile, as its cron would.

        Generous: on a loaded machine Prefect's own SQLite answers "database is locked" to a
        state change now and then, and the client's retries take a minute to get through
        (seen in CI: a suspend recorded 63 s late)."""

        def check():
            if sweeping:
                self.sweep()
            return self.is_settled(ref)

        return wait_until(check, timeout=timeout, what=f"the run of {ref} to settle")
