"""An interpreter or accessibility need captured at intake reaches everyone who acts on
the case: it is in every message to the SEND team, never in what the family is sent."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlmodel import select

from ehcp.db.models import OutboundMessage
from ehcp.runtime.case_runner import reconcile
from tests.db.factories import decide, open_case, serve_draft, upload_plan


def at(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=10)


def test_the_send_teams_messages_carry_the_familys_interpreter_need(session, council, tmp_path):
    case = open_case(session, council, now=at(date(2026, 1, 5)), setting_email="head@example.sch.uk")
    case.interpreter_needed, case.contact_language = True, "Polish"
    case.accessibility_needs = "Large print"
    session.add(case)
    session.commit()
    decide(session, council, case, decision="assess", now=at(date(2026, 2, 10)))
    decide(session, council, case, decision="issue", now=at(date(2026, 3, 27)))
    reconcile(session, ref=case.ref, council=council, now=at(date(2026, 3, 27)), document_store=tmp_path)
    rows = session.exec(select(OutboundMessage)).all()
    [ready] = [row for row in rows if row.purpose == "draft_ready"]
    needs = "The family's contact needs: an interpreter (Polish); accessibility: Large print."
    assert needs in ready.body_text
    family = [row for row in rows if row.recipient_role == "family"]
    assert family and not any("contact needs" in row.body_text for row in family)


def test_a_family_with_no_needs_adds_nothing(session, council, tmp_path):
    case = open_case(session, council, now=at(date(2026, 1, 5)), setting_email="head@example.sch.uk")
    decide(session, council, case, decision="assess", now=at(date(2026, 2, 10)))
    decide(session, council, case, decision="issue", now=at(date(2026, 3, 27)))
    reconcile(session, ref=case.ref, council=council, now=at(date(2026, 3, 27)), document_store=tmp_path)
    [ready] = session.exec(select(OutboundMessage).where(OutboundMessage.purpose == "draft_ready")).all()
    assert "contact needs" not in ready.body_text


def test_a_draft_emailed_today_names_the_last_of_the_15_days_and_a_posted_one_does_not(
    session, council, tmp_path
):
    case = open_case(session, council, now=at(date(2026, 1, 5)), setting_email="head@example.sch.uk")
    decide(session, council, case, decision="assess", now=at(date(2026, 2, 10)))
    decide(session, council, case, decision="issue", now=at(date(2026, 3, 27)))
    upload_plan(session, council, case, now=at(date(2026, 4, 1)))
    serve_draft(session, council, case, now=at(date(2026, 4, 1)))
    reconcile(session, ref=case.ref, council=council, now=at(date(2026, 4, 1)), document_store=tmp_path)
    [draft] = session.exec(select(OutboundMessage).where(OutboundMessage.purpose == "draft_plan")).all()
    assert "comments by 15 April 2026" in draft.subject and "attached" in draft.body_text


def test_a_child_brought_to_attention_by_health_is_not_told_they_made_a_request(session, council, tmp_path):
    case = open_case(
        session,
        council,
        now=at(date(2026, 1, 5)),
        setting_email="head@example.sch.uk",
        request_source="health",
    )
    reconcile(session, ref=case.ref, council=council, now=at(date(2026, 1, 5)), document_store=tmp_path)
    [ack] = session.exec(select(OutboundMessage).where(OutboundMessage.purpose == "acknowledgement")).all()
    assert ack.subject.startswith("We are considering whether an EHC needs assessment is needed")
    assert "a health professional told" in ack.body_text and "your request" not in ack.body_text


def test_a_young_person_with_no_contact_of_their_own_is_written_to_by_post_at_home(
    session, council, tmp_path
):
    from ehcp.db.inputs import ChildIn, FamilyContactIn

    child = ChildIn(
        given_names="Robin", family_name="Example", date_of_birth=date(2008, 3, 14), postcode="ZZ1 1ZZ"
    )
    parent = FamilyContactIn(
        full_name="Pat Example",
        relationship="parent",
        email="pat@example.com",
        is_primary=True,
        receives_copies=False,
    )
    case = open_case(
        session,
        council,
        now=at(date(2026, 1, 5)),
        setting_email="head@example.sch.uk",
        child=child,
        family=[parent],
    )
    reconcile(session, ref=case.ref, council=council, now=at(date(2026, 1, 5)), document_store=tmp_path)
    acks = session.exec(select(OutboundMessage).where(OutboundMessage.purpose == "acknowledgement")).all()
    # The rights are the young person's (s.83(2)); the parent chose no copies.
    assert [(row.channel, row.recipient_address) for row in acks] == [("post", "Robin Example")]
