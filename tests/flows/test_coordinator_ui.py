"""A coordinator works a case in the real Prefect UI, in headless Chromium."""

from __future__ import annotations

from datetime import date

import pytest

from ehcp.views.timeline import artifact_key
from tests.support.browser import browser_page
from tests.support.prefect_ui import artifact_text, open_flow_run, resume_flow_run, wait_for_state

pytestmark = pytest.mark.slow


def test_a_coordinator_finds_the_case_reads_its_timeline_and_records_the_decision_to_assess(system, stack):
    system.today(date(2026, 1, 19))
    ref = system.open_case(received_on=date(2026, 1, 19))
    system.sweep()
    system.settled(ref)
    system.today(date(2026, 2, 20))
    server = stack.settings.prefect_ui_url

    with browser_page() as page:
        open_flow_run(page, server, f"ehc-{ref}")
        wait_for_state(page, "Suspended")
        timeline = artifact_text(page, artifact_key(ref))
        assert "Waiting for the panel's decision whether to assess (due 2026-03-02)" in timeline
        assert "Final plan issued" in timeline and "2026-06-08" in timeline

        open_flow_run(page, server, f"ehc-{ref}")
        resume_flow_run(page, {"Panel decision": "assess", "Date of the decision": date(2026, 2, 20)})

    case = system.settled(ref)
    assert case.stage == "assessing"
    decision = [event for event in system.chronology(ref) if event.kind == "decision_assessment"]
    assert [(event.occurred_on, event.actor) for event in decision] == [
        (date(2026, 2, 20), "coordinator:prefect-ui")
    ]
