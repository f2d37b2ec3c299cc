"""The weekly report's deployment on the real stack: served from prefect.yaml, its artifacts
readable through Prefect's client, one email per manager with the chart, and a second run
in the same week sending nothing again."""

from __future__ import annotations

from datetime import date

import pytest
from prefect.deployments import run_deployment

from ehcp.council.config import cached_council
from ehcp.settings import get_settings
from tests.support.stack import read_artifact_markdown

pytestmark = pytest.mark.slow

DEPLOYMENT = "ehc-weekly-report/ehc-weekly-report"
MONDAY = date(2026, 3, 2)  # 2026-W10


def run_report() -> None:
    run = run_deployment(DEPLOYMENT, timeout=180)
    assert run.state is not None and run.state.is_completed(), run.state


def report_emails(stack) -> list:
    return [m for m in stack.mail.messages if str(m["Subject"]).startswith("EHC weekly report, 2026-W10:")]


def test_the_weekly_report_is_published_and_each_manager_gets_it_once(system, stack):
    system.today(MONDAY)
    ref = system.open_case(received_on=date(2026, 1, 26))  # decision due 9 March: breached on the 10th
    run_report()

    markdown = read_artifact_markdown("weekly-report")
    assert markdown.startswith("# Weekly report, 2026-W10")
    assert ref in markdown  # the forecast names the case
    forecast = read_artifact_markdown("weekly-report-forecast")
    assert ref in forecast and "decision_to_assess" in forecast

    get_settings.cache_clear()
    cached_council.cache_clear()
    managers = sorted(
        str(contact.email) for contact in cached_council(get_settings().council_dir).weekly_report_to
    )
    sent = report_emails(stack)
    assert sorted(str(message["To"]) for message in sent) == managers
    for message in sent:
        [chart] = list(message.iter_attachments())
        assert chart.get_content_type() == "image/png"
        assert chart.get_content().startswith(b"\x89PNG")
        assert ref in message.get_body(("plain",)).get_content()

    # Wednesday of the same week: the report is published again, nothing is emailed twice.
    system.today(date(2026, 3, 4))
    run_report()
    assert len(report_emails(stack)) == len(managers)
