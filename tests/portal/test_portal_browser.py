"""From the emailed link to the confirmation page, in headless Chromium, with axe-core on every page.

The request for advice goes out through the real outbox and a real SMTP server; the
test reads the link from the email the health service would receive, as a person would.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from sqlmodel import Session, select

from ehcp.db.engine import session_for
from ehcp.db.models import AdviceRequest
from ehcp.mail.delivery import deliver_sync
from ehcp.mail.transport import SmtpTransport
from ehcp.settings import get_settings
from tests.portal.conftest import DECIDED, PDF, TODAY, open_assessing_case
from tests.support.browser import browser_page
from tests.support.postgres import free_port
from tests.support.smtp import SmtpSink
from tests.support.web import served_app

pytestmark = pytest.mark.slow
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def assert_accessible(page, what: str) -> None:
    """No serious or critical axe-core violation against WCAG 2.2 AA."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG}})
    bad = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert not bad, f"{what}: " + "; ".join(f"{v['id']}: {v['help']} ({len(v['nodes'])} nodes)" for v in bad)


def send_advice(page, url: str, *, sections: dict[str, str], file: tuple[str, bytes] | None) -> None:
    """Walk the portal from its link to the confirmation page, checking each page with axe."""
    page.goto(url)
    assert_accessible(page, "the advice form")
    page.get_by_role("button", name="Continue").click()
    assert page.title().startswith("Error: ")
    assert_accessible(page, "the form with errors")
    for code, text in sections.items():
        page.get_by_label(f"Section {code}:").fill(text)
    if file is not None:
        name, content = file
        page.get_by_label("Upload your advice").set_input_files(
            {"name": name, "mimeType": "application/pdf", "buffer": content}
        )
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("heading", name="Check your answers before sending your advice").wait_for()
    assert_accessible(page, "check your answers")
    page.get_by_role("button", name="Send advice").click()
    page.get_by_role("heading", name="Advice sent").wait_for()
    assert_accessible(page, "the confirmation page")


@pytest.fixture
def emailed_link(migrated_url, engine, council, tmp_path, monkeypatch) -> Iterator[str]:
    monkeypatch.setenv("EHC_DATABASE_URL", migrated_url)
    monkeypatch.setenv("EHC_FROZEN_NOW", TODAY.isoformat())
    monkeypatch.setenv("EHC_PREFECT_PORT", str(free_port()))
    monkeypatch.setenv("EHC_SMTP_RETRY_WAIT_SECONDS", "0")
    with SmtpSink() as sink, served_app() as url:
        monkeypatch.setenv("EHC_PUBLIC_URL", url)  # links in emails point at this server
        monkeypatch.setenv("EHC_SMTP_PORT", str(sink.port))
        get_settings.cache_clear()
        with session_for(engine) as session:
            open_assessing_case(session, council, tmp_path)
            settings = get_settings()
            deliver_sync(
                session, transport=SmtpTransport(settings), council=council, settings=settings, now=DECIDED
            )
        [email] = [
            m for m in sink.messages if "Request for advice" in m["Subject"] and "ehc.advice@" in m["To"]
        ]
        body = email.get_body(("plain",)).get_content()
        yield re.search(rf"{re.escape(url)}/portal/advice/\S+", body).group(0)


def test_a_health_adviser_sends_advice_from_the_emailed_link(emailed_link, engine):
    with browser_page() as page:
        send_advice(
            page,
            emailed_link,
            sections={
                "C": "Diagnosed with developmental coordination disorder.",
                "G": "Weekly OT, 6 months.",
            },
            file=("ot-report.pdf", PDF),
        )
    with Session(engine) as session:
        advice = session.exec(select(AdviceRequest).where(AdviceRequest.key == "health")).one()
    assert advice.received_on == TODAY.date()
