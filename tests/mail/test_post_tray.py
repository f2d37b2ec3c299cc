"""Every family is reached: a family with no email, or who prefers post, gets every letter
by post. Letters wait in the post tray until marked posted; the limit they meet is met on
the deemed day of delivery (Interpretation Act 1978 s.7), never silently skipped."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

import pytest
from pypdf import PdfReader
from sqlmodel import select
from typer.testing import CliRunner

from ehcp.cli import common
from ehcp.cli.main import app
from ehcp.db import crud
from ehcp.db.inputs import FamilyContactIn
from ehcp.db.models import CaseEvent, OutboundMessage, OutboxState
from ehcp.errors import InvalidInput
from ehcp.mail import post_tray
from ehcp.runtime.case_runner import reconcile
from ehcp.settings import get_settings
from tests.db.factories import PARENT_EMAIL, decide, open_case, send_queued, serve_draft, upload_plan
from tests.mail.rows import deliver
from tests.support.postgres import free_port

SETTING_EMAIL = "head@example-primary.sch.uk"
POSTED_PARENT = "Sam Example"


def at(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=10)


def look(session, council, tmp_path, day: date):
    return reconcile(
        session, ref="EHC-2026-000001", council=council, now=at(day), document_store=tmp_path / "docs"
    )


def family(*, email: str | None, preferred: str = "email", name: str = POSTED_PARENT) -> FamilyContactIn:
    return FamilyContactIn(
        full_name=name,
        relationship="parent",
        email=email,
        phone=None if email else "01632 960001",
        preferred_contact=preferred,
        is_primary=True,
    )


@pytest.fixture
def posted_case(session, council):
    """A family with no email address (a phone number only)."""
    return open_case(
        session, council, now=at(date(2026, 1, 5)), setting_email=SETTING_EMAIL, family=[family(email=None)]
    )


def family_rows(session, purpose: str) -> list[OutboundMessage]:
    return list(
        session.exec(
            select(OutboundMessage).where(
                OutboundMessage.purpose == purpose, OutboundMessage.recipient_role == "family"
            )
        )
    )


def test_a_family_without_email_gets_the_acknowledgement_in_the_post_tray_not_nowhere(
    session, council, tmp_path, posted_case, sink
):
    first = look(session, council, tmp_path, date(2026, 1, 5))
    [ack] = family_rows(session, "acknowledgement")
    assert (ack.channel, ack.state, ack.recipient_address) == ("post", "queued", POSTED_PARENT)
    assert ack.postal_address is not None and "ZZ1 1ZZ" in ack.postal_address
    # The relay never sends it; the case says it waits for the post tray.
    deliver(session, council, now=at(date(2026, 1, 5)))
    session.refresh(ack)
    assert ack.state == "queued" and not [m for m in sink.messages if m["To"] == POSTED_PARENT]
    assert [row.id for row in post_tray.waiting(session)] == [ack.id]
    assert any("post tray" in wait for wait in first.waiting_for)


def test_a_family_who_prefers_post_gets_post_even_with_an_email_address(session, council, tmp_path):
    open_case(
        session,
        council,
        now=at(date(2026, 1, 5)),
        setting_email=SETTING_EMAIL,
        family=[family(email=PARENT_EMAIL, preferred="post")],
    )
    look(session, council, tmp_path, date(2026, 1, 5))
    [ack] = family_rows(session, "acknowledgement")
    assert ack.channel == "post" and ack.recipient_address == POSTED_PARENT


def test_a_decision_letter_by_post_meets_its_limit_on_the_deemed_day_of_delivery(
    session, council, tmp_path, posted_case
):
    look(session, council, tmp_path, date(2026, 1, 5))
    # Decided on Thursday 12 February 2026; the 6 weeks end on 16 February.
    decide(session, council, posted_case, decision="assess", now=at(date(2026, 2, 12)))
    look(session, council, tmp_path, date(2026, 2, 12))
    [letter] = family_rows(session, "decision_to_assess")
    assert letter.channel == "post"
    waiting = crud.case_timeline(session, case=posted_case, council=council, today=date(2026, 2, 12))
    assert waiting.limit("decision_to_assess").state.value == "due"  # in the tray: not sent
    version = crud.require_case(session, ref=posted_case.ref).version
    post_tray.mark_posted(session, ids=[letter.id], posted_on=date(2026, 2, 12), now=at(date(2026, 2, 12)))
    case = crud.require_case(session, ref=posted_case.ref)
    session.refresh(case)
    assert case.version == version + 1  # its run looks again
    timeline = crud.case_timeline(session, case=case, council=council, today=date(2026, 2, 16))
    limit = timeline.limit("decision_to_assess")
    # Posted Thursday: deemed delivered on the second working day after, Monday 16th.
    assert (limit.state.value, limit.done_on) == ("met", date(2026, 2, 16))
    [event] = session.exec(select(CaseEvent).where(CaseEvent.kind == "letter_posted")).all()
    assert POSTED_PARENT not in event.summary and "deemed delivered on 2026-02-16" in event.summary


def test_a_letter_posted_a_day_later_misses_the_limit_by_its_delivery_day(
    session, council, tmp_path, posted_case
):
    look(session, council, tmp_path, date(2026, 1, 5))
    decide(session, council, posted_case, decision="assess", now=at(date(2026, 2, 13)))
    look(session, council, tmp_path, date(2026, 2, 13))
    [letter] = family_rows(session, "decision_to_assess")
    # Posted Friday 13th: delivered Tuesday 17th, a day after the 6 weeks ended.
    post_tray.mark_posted(session, ids=[letter.id], posted_on=date(2026, 2, 13), now=at(date(2026, 2, 13)))
    timeline = crud.case_timeline(session, case=posted_case, council=council, today=date(2026, 2, 17))
    limit = timeline.limit("decision_to_assess")
    assert (limit.state.value, limit.done_on, limit.days_late) == ("breached", date(2026, 2, 17), 1)


def test_a_posted_draft_gives_the_family_15_days_from_its_deemed_delivery(
    session, council, tmp_path, posted_case
):
    look(session, council, tmp_path, date(2026, 1, 5))
    decide(session, council, posted_case, decision="assess", now=at(date(2026, 2, 10)))
    look(session, council, tmp_path, date(2026, 2, 10))
    decide(session, council, posted_case, decision="issue", now=at(date(2026, 3, 27)))
    look(session, council, tmp_path, date(2026, 3, 27))
    serve_draft(session, council, posted_case, now=at(date(2026, 4, 1)))
    look(session, council, tmp_path, date(2026, 4, 1))
    [draft] = family_rows(session, "draft_plan")
    assert draft.channel == "post"
    facts = crud.case_facts(session, case=posted_case)
    assert (facts.draft_issued_on, facts.draft_served_on) == (date(2026, 4, 1), None)
    # Posted Thursday 2 April 2026; Good Friday and Easter Monday are not working days.
    post_tray.mark_posted(session, ids=[draft.id], posted_on=date(2026, 4, 2), now=at(date(2026, 4, 2)))
    facts = crud.case_facts(session, case=posted_case)
    assert facts.draft_served_on == date(2026, 4, 8)
    timeline = crud.case_timeline(session, case=posted_case, council=council, today=date(2026, 4, 8))
    assert timeline.limit("family_comments").due_on == date(2026, 4, 22)


def test_the_days_batch_is_one_pdf_with_the_address_and_the_enclosed_letter(
    session, council, tmp_path, posted_case
):
    look(session, council, tmp_path, date(2026, 1, 5))
    rows = post_tray.waiting(session)
    made = post_tray.batch(session, rows=rows, council_name=council.name, now=at(date(2026, 1, 5)))
    assert [item.purpose for item in made.items] == ["acknowledgement"]
    pages = PdfReader(io.BytesIO(made.pdf)).pages
    text = "\n".join(page.extract_text() for page in pages)
    assert len(pages) >= 2  # the cover page, then the acknowledgement letter itself
    assert POSTED_PARENT in text and "ZZ1 1ZZ" in text and posted_case.ref in text
    assert "Your request for an EHC needs assessment" in text  # the enclosed letter's title


def test_marking_posted_refuses_bad_input_and_writes_nothing(session, council, tmp_path, posted_case):
    look(session, council, tmp_path, date(2026, 1, 5))
    [ack] = family_rows(session, "acknowledgement")
    email_row = session.exec(select(OutboundMessage).where(OutboundMessage.channel == "email")).first()
    assert email_row is not None
    cases = [
        ([ack.id], date(2026, 1, 6), "posted_on"),  # in the future
        ([ack.id], date(2026, 1, 4), "posted_on"),  # before it was put in the tray
        ([ack.id, 999_999], date(2026, 1, 5), "id"),  # one unknown id: none is marked
        ([email_row.id], date(2026, 1, 5), "id"),  # an email is not the tray's
        ([], date(2026, 1, 5), "id"),
    ]
    for ids, day, field in cases:
        with pytest.raises(InvalidInput) as refused:
            post_tray.mark_posted(session, ids=ids, posted_on=day, now=at(date(2026, 1, 5)))
        assert field in [error.field for error in refused.value.errors], (ids, day)
        session.refresh(ack)
        assert (ack.state, ack.posted_on) == (OutboxState.QUEUED, None)
    post_tray.mark_posted(session, ids=[ack.id], posted_on=date(2026, 1, 5), now=at(date(2026, 1, 5)))
    with pytest.raises(InvalidInput, match="already marked posted"):
        post_tray.mark_posted(session, ids=[ack.id], posted_on=date(2026, 1, 5), now=at(date(2026, 1, 5)))


def test_a_setting_without_email_is_written_to_by_post(session, council, tmp_path):
    open_case(session, council, now=at(date(2026, 1, 5)))  # the setting has a name, no email
    look(session, council, tmp_path, date(2026, 1, 5))
    [notice] = session.exec(
        select(OutboundMessage).where(
            OutboundMessage.purpose == "considering_notice", OutboundMessage.recipient_role == "setting"
        )
    ).all()
    assert notice.channel == "post" and notice.postal_address is None
    made = post_tray.batch(session, rows=[notice], council_name=council.name, now=at(date(2026, 1, 5)))
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(made.pdf)).pages)
    assert "Address not held" in text


def test_ehcp_post_lists_prints_and_marks_posted(
    session, council, tmp_path, posted_case, migrated_url, monkeypatch
):
    look(session, council, tmp_path, date(2026, 1, 5))
    monkeypatch.setenv("EHC_DATABASE_URL", migrated_url)
    monkeypatch.setenv("EHC_FROZEN_NOW", at(date(2026, 1, 5)).isoformat())
    monkeypatch.setenv("EHC_PREFECT_PORT", str(free_port()))  # nobody listens: the wake must not matter
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    # An 80-column terminal, whatever this process's own (rich reads COLUMNS once).
    monkeypatch.setattr(common.stdout, "_width", 80)
    get_settings.cache_clear()
    runner = CliRunner()
    listed = runner.invoke(app, ["post", "list"])
    assert listed.exit_code == 0, listed.output
    assert "acknowledgement" in listed.output and posted_case.ref in listed.output
    printed = runner.invoke(app, ["post", "print", "--out", str(tmp_path / "batch")])
    assert printed.exit_code == 0, printed.output
    assert (tmp_path / "batch" / "post-2026-01-05.pdf").stat().st_size > 1000
    [ack] = family_rows(session, "acknowledgement")
    refused = runner.invoke(app, ["post", "mark-posted", str(ack.id), "--on", "2026-01-09"])
    assert refused.exit_code == 2 and "posted_on" in refused.output
    marked = runner.invoke(app, ["post", "mark-posted", str(ack.id), "--on", "2026-01-05"])
    assert marked.exit_code == 0, marked.output
    assert "deemed delivered 2026-01-07" in marked.output
    session.refresh(ack)
    assert (ack.state, ack.posted_on) == ("sent", date(2026, 1, 5))
    assert "empty" in runner.invoke(app, ["post", "list"]).output


def test_a_served_draft_by_email_starts_the_15_days_when_the_email_is_sent(session, council, tmp_path):
    case = open_case(session, council, now=at(date(2026, 1, 5)), setting_email=SETTING_EMAIL)
    look(session, council, tmp_path, date(2026, 1, 5))
    decide(session, council, case, decision="assess", now=at(date(2026, 2, 10)))
    decide(session, council, case, decision="issue", now=at(date(2026, 3, 27)))
    look(session, council, tmp_path, date(2026, 3, 27))
    serve_draft(session, council, case, now=at(date(2026, 4, 1)))
    look(session, council, tmp_path, date(2026, 4, 1))
    assert crud.case_facts(session, case=case).draft_served_on is None
    # The relay was down: the email went on 3 April, so the 15 days run to 17 April.
    send_queued(session, case, purpose="draft_plan", on=date(2026, 4, 3))
    timeline = crud.case_timeline(session, case=case, council=council, today=date(2026, 4, 3))
    assert timeline.limit("family_comments").due_on == date(2026, 4, 17)


def test_a_draft_cannot_be_recorded_as_served_on_a_past_day(session, council, tmp_path):
    case = open_case(session, council, now=at(date(2026, 1, 5)), setting_email=SETTING_EMAIL)
    decide(session, council, case, decision="assess", now=at(date(2026, 2, 10)))
    decide(session, council, case, decision="issue", now=at(date(2026, 3, 27)))
    upload_plan(session, council, case, now=at(date(2026, 3, 30)))
    with pytest.raises(InvalidInput) as refused:
        serve_draft(session, council, case, now=at(date(2026, 4, 10)), on=date(2026, 4, 1))
    assert [error.field for error in refused.value.errors] == ["served_on"]
    assert crud.require_case(session, ref=case.ref).draft_issued_on is None
