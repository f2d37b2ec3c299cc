"""The timeline view shows a coordinator the school the family asked for (s.38(2)(b)) and how
to reach them: in full where it stays local (`ehcp timeline --json`, the case API), and as
yes/no flags only in the Prefect artifact, which must never carry personal data."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

from ehcp.domain.facts import CaseFacts
from ehcp.views.timeline import CaseDetails, timeline_document, timeline_markdown

STORED = SimpleNamespace(  # the columns of a stored case (ehcp.db.models.Case)
    requested_school="Oak\nAcademy",
    contact_language="Polish",
    interpreter_needed=True,
    accessibility_needs="Large print",
)


def a_timeline(council):
    return council.timeline(CaseFacts(received_on=date(2026, 1, 5)), today=date(2026, 1, 20))


def test_contact_needs_read_as_one_line():
    assert CaseDetails.of(STORED).contact_needs() == "interpreter (Polish); Large print"
    assert CaseDetails(interpreter_needed=True).contact_needs() == "interpreter"
    assert CaseDetails(contact_language="Welsh").contact_needs() == "language: Welsh"
    assert CaseDetails().contact_needs() is None and CaseDetails().lines() == []


def test_the_local_document_carries_the_school_and_contact_needs_in_full(council):
    details = CaseDetails.of(STORED)
    document = timeline_document(a_timeline(council), case_ref="EHC-2026-000001", details=details)
    assert document["requested_school"] == "Oak Academy"
    assert document["contact_needs"] == {
        "language": "Polish",
        "interpreter_needed": True,
        "accessibility_needs": "Large print",
    }
    assert details.lines() == [
        "School the family asked for (s.38(2)(b)): Oak Academy; consult it before finalising",
        "Family's contact needs: interpreter (Polish); Large print",
    ]
    # Without a stored case (`--received`), the document keeps its published keys only.
    assert "contact_needs" not in timeline_document(a_timeline(council))


def test_the_prefect_artifact_carries_flags_never_the_familys_words(council):
    look = SimpleNamespace(
        case_ref="EHC-2026-000001",
        stage="considering",
        closed=False,
        wake_at=None,
        waiting_for=(),
        timeline=a_timeline(council),
        undelivered=(),
        documents=(),
    )
    markdown = timeline_markdown(look, CaseDetails.of(STORED))
    assert "- Family's contact needs: interpreter needed: yes; accessibility needs recorded: yes" in markdown
    assert "- School the family asked for (s.38(2)(b)): recorded; consult it before finalising" in markdown
    for words in ("Polish", "Large print", "Oak"):
        assert words not in markdown
    assert "## The family" not in timeline_markdown(look)  # nothing recorded, nothing shown
