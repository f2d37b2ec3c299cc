"""A gap in the plan is in the right tense on the day the plan is drafted: advice not yet
due "is due by", advice past its date "was due by ... and has not been received"."""

from __future__ import annotations

from datetime import date

import pytest

from ehcp.documents.context import council_details, document_context
from ehcp.documents.kinds import KINDS
from ehcp.documents.render import render
from ehcp.documents.sample import sample_subject, sample_view
from tests.support.documents import docx_text, pdf_text

DUE = "23 March 2026"  # the sample's social care advice, never received
WHO = "advice from Example Borough Children's Social Care (social care)"


def drafted(kind: str, council, on: date) -> str:
    context = document_context(
        sample_view(),
        council=council_details(council),
        kind=KINDS[kind],
        subject=sample_subject(kind),
        dated_on=on,
    )
    content = render(KINDS[kind], context)
    return docx_text(content) if kind == "working_draft" else pdf_text(content)


@pytest.mark.parametrize("kind", ["working_draft", "final_plan"])
@pytest.mark.parametrize("on", [date(2026, 3, 20), date(2026, 3, 23)])
def test_advice_not_yet_late_is_due_not_overdue(council, kind, on):
    text = drafted(kind, council, on)
    assert f"{WHO} is due by {DUE} and has not been received yet" in text
    assert "was due by" not in text


@pytest.mark.parametrize("kind", ["working_draft", "final_plan"])
def test_advice_past_its_date_was_due_and_has_not_been_received(council, kind):
    text = drafted(kind, council, date(2026, 3, 24))
    assert f"{WHO} was due by {DUE} and has not been received." in text
    assert "is due by" not in text
