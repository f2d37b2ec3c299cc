"""Two Prefect API processes on one PostgreSQL database, Redis for messaging, the
background services started once: a case keeps moving while one API process is killed.
(README: "Two Prefect API servers".)"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from datetime import date

import pytest
from prefect.settings import PREFECT_API_AUTH_STRING, PREFECT_API_URL, temporary_settings

from ehcp import timesource
from ehcp.council.config import cached_council
from ehcp.db import crud
from ehcp.db.engine import database
from ehcp.db.inputs import DecisionIn
from ehcp.runtime import orchestration
from ehcp.settings import get_settings
from tasks import common
from tests.conftest import everything_required
from tests.production.conftest import send_intake
from tests.production.test_production_profile import settled_case, wait_settled
from tests.support.production import ProductionStack, redis_messaging_missing
from tests.support.stack import wait_until

pytestmark = pytest.mark.slow

TODAY = date(2026, 11, 2)


@pytest.fixture(scope="module")
def two_apis(tmp_path_factory, postgres_admin_url) -> Iterator[tuple[ProductionStack, dict[str, str]]]:
    missing = redis_messaging_missing()
    if missing:
        if everything_required():  # CI installs both: scripts/system-packages.sh, requirements.lock
            pytest.fail(missing)
        pytest.skip(missing)
    stack = ProductionStack.create_production(tmp_path_factory.mktemp("two-apis"), postgres_admin_url)
    try:
        urls = stack.start_two_apis()
        yield stack, urls
    finally:
        stack.stop()


def test_a_case_keeps_moving_while_one_api_process_is_killed(two_apis, monkeypatch):
    stack, urls = two_apis
    for key, value in stack.env.items():
        monkeypatch.setenv(key, value)  # PREFECT_API_URL: API A
    get_settings.cache_clear()
    cached_council.cache_clear()
    stack.set_today(TODAY)
    with temporary_settings(
        updates={PREFECT_API_URL: urls["api-a"], PREFECT_API_AUTH_STRING: stack.auth_string}
    ):
        # Intake through the web app, which talks to API B; read back through API A.
        answer = send_intake(stack, TODAY.isoformat())
        assert answer.status_code == 202, answer.text
        ref = answer.json()["case_ref"]
        case = wait_settled(ref)
        assert case.stage == "considering"

        # A coordinator's decision, and the run woken through API A; at once API B dies
        # (SIGKILL: no goodbye), taking worker-b's and the web app's API with it.
        with database() as session:
            stored = crud.require_case(session, ref=ref)
            crud.record_decision(
                session,
                case=stored,
                council=common.council(),
                now=timesource.now(),
                actor="test",
                decision=DecisionIn(kind="assessment", outcome="assess", decided_on=TODAY),
            )
        orchestration.wake(case.flow_run_id)
        api_b = stack.services.pop("api-b")
        os.killpg(api_b.process.pid, signal.SIGKILL)
        api_b.process.wait()
        stack.supervisor.services.remove(api_b)

        moved = wait_until(
            lambda: (found := settled_case(ref)) is not None and found.stage == "assessing" and found,
            timeout=240,
            what=f"{ref} to move on through API A",
        )
    assert moved.stage == "assessing"
    get_settings.cache_clear()
