"""The timeline artifact links each document to its download on the web app: a path on the
server means nothing to a coordinator reading the run in a browser."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ehcp.domain.clock import Timeline, compute_timeline
from ehcp.domain.facts import CaseFacts
from ehcp.views.timeline import timeline_markdown

REF = "EHC-2026-000007"


@dataclass(frozen=True)
class Look:
    timeline: Timeline
    documents: tuple[tuple[str, str, date, int], ...]
    case_ref: str = REF
    stage: str = "considering"
    closed: bool = False
    waiting_for: tuple[str, ...] = ()
    wake_at: None = None
    undelivered: tuple[str, ...] = ()
    details: None = None


def test_each_document_links_to_its_download_on_the_web_app():
    timeline = compute_timeline(CaseFacts(received_on=date(2026, 1, 5)), today=date(2026, 1, 5))
    look = Look(
        timeline,
        (
            ("acknowledgement_letter", "pdf", date(2026, 1, 5), 11),
            ("advice_request_letter:health", "pdf", date(2026, 2, 2), 12),
        ),
    )
    markdown = timeline_markdown(look, web_url="http://127.0.0.1:8000/")
    assert (
        "| Acknowledgement letter | pdf | 2026-01-05 | "
        f"[download](http://127.0.0.1:8000/staff/cases/{REF}/documents/11) |"
    ) in markdown
    assert f"[download](http://127.0.0.1:8000/staff/cases/{REF}/documents/12)" in markdown
    assert f"http://127.0.0.1:8000/staff/cases/{REF}." in markdown  # all of the case's documents
    assert "var/documents" not in markdown and "`/" not in markdown
