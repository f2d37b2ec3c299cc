"""The Ombudsman pack: a case's whole chronology, its statutory limits and what was sent,
as a tagged PDF, naming people by role and never showing a case note."""

from __future__ import annotations

import io
from datetime import date

from pypdf import PdfReader

from ehcp import timesource
from ehcp.views.ombudsman import pack_for_case, render_pack_pdf
from tests.db import factories
from tests.db.factories import CHILD_NAME, PARENT_EMAIL

NOW = timesource.parse_instant("2026-03-01T09:00:00+00:00")
SECRET_NOTE = "Panel chair thinks the mother exaggerates"


def _late_case(session, council):
    """Received 5 January 2026: the decision to assess (due 16 February, week 6) was
    sent on 20 February, 4 days late; health advice was asked on 23 February."""
    case = factories.open_case(session, council, now=NOW)
    factories.decide(
        session, council, case, now=NOW, on=date(2026, 2, 19), internal_note=SECRET_NOTE
    )
    factories.tell_family(session, case, purpose="decision_to_assess", on=date(2026, 2, 20))
    factories.request_advice(session, council, case, now=NOW, on=date(2026, 2, 23))
    return case


def test_each_limit_says_met_breached_with_days_late_or_still_running(session, council):
    case = _late_case(session, council)
    pack = pack_for_case(session, case=case, council=council, today=date(2026, 3, 1))
    by_label = {limit.label: limit for limit in pack.limits}
    assess = by_label["Decision whether to assess"]
    assert (assess.due_on, assess.done_on) == (date(2026, 2, 16), date(2026, 2, 20))
    assert assess.outcome == "Breached (4 days late)"
    assert by_label["Health advice"].outcome == "Running"
    assert by_label["Final plan issued"].due_on == date(2026, 5, 25)  # received + 140 days
    assert pack.breaches == 1
    assert dict(pack.key_dates)["Decision whether to assess sent"] == date(2026, 2, 20)


def test_every_event_is_listed_in_order_with_who_acted_by_role(session, council):
    case = _late_case(session, council)
    pack = pack_for_case(session, case=case, council=council, today=date(2026, 3, 1))
    assert [event.occurred_on for event in pack.events] == sorted(event.occurred_on for event in pack.events)
    assert len(pack.events) >= 3
    assert any("Health advice" in event.what or "health" in event.what for event in pack.events)
    assert all(event.by for event in pack.events)


def test_letters_and_emails_sent_are_listed_with_dates_and_the_recipient_role(session, council):
    case = _late_case(session, council)
    pack = pack_for_case(session, case=case, council=council, today=date(2026, 3, 1))
    sent = [(message.sent_on, message.what, message.to) for message in pack.messages]
    assert (date(2026, 2, 20), "Decision to assess", "The family") in sent


def test_the_pdf_is_tagged_and_names_no_child_no_address_and_no_case_note(session, council):
    case = _late_case(session, council)
    pdf = render_pack_pdf(pack_for_case(session, case=case, council=council, today=date(2026, 3, 1)))
    reader = PdfReader(io.BytesIO(pdf))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    assert case.ref in text and "Breached (4 days late)" in text
    assert CHILD_NAME not in text and PARENT_EMAIL not in text
    assert "exaggerates" not in text
    assert "/StructTreeRoot" in reader.trailer["/Root"]  # tagged (PDF/UA-1)
    assert reader.metadata.title == f"Chronology of {case.ref}"
