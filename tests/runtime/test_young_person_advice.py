"""A young person's own views are asked of them (CFA 2014 s.83(2): the rights are theirs),
never through the parent who happens to be the family's main contact."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlmodel import select

from ehcp.db.inputs import ChildIn, FamilyContactIn
from ehcp.db.models import AdviceRequest, OutboundMessage
from ehcp.runtime.case_runner import reconcile
from tests.db.factories import decide, open_case

YOUNG_PERSON = ChildIn(
    given_names="Robin", family_name="Example", date_of_birth=date(2008, 1, 15), postcode="ZZ1 1ZZ"
)
PARENT = FamilyContactIn(
    full_name="Pat Example", relationship="parent", email="pat@example.org", is_primary=True
)
OWN = FamilyContactIn(full_name="Robin Example", relationship="young_person", email="robin@example.org")


def at(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=10)


def request_for_views(session, council, tmp_path, family) -> OutboundMessage:
    case = open_case(session, council, now=at(date(2026, 1, 5)), child=YOUNG_PERSON, family=family)
    decide(session, council, case, decision="assess", now=at(date(2026, 2, 2)), on=date(2026, 2, 2))
    reconcile(session, ref=case.ref, council=council, now=at(date(2026, 2, 2)), document_store=tmp_path)
    return session.exec(
        select(OutboundMessage).where(
            OutboundMessage.purpose == "advice_request",
            OutboundMessage.recipient_role == "adviser:parent_or_young_person",
        )
    ).one()


def test_a_young_person_with_an_email_of_their_own_is_asked_there_by_name(session, council, tmp_path):
    message = request_for_views(session, council, tmp_path, [PARENT, OWN])
    assert message.recipient_address == "robin@example.org"
    assert message.body_text.startswith("Dear Robin Example,")
    advice = session.exec(select(AdviceRequest).where(AdviceRequest.key == "family")).one()
    assert (advice.contact_name, advice.contact_email) == ("Robin Example", "robin@example.org")


def test_a_young_person_with_no_contact_of_their_own_is_written_to_at_home(session, council, tmp_path):
    message = request_for_views(session, council, tmp_path, [PARENT])
    assert message.channel == "post"
    assert message.recipient_address == "Robin Example"
    assert "pat@example.org" not in (message.recipient_address, message.postal_address)
    assert "ZZ1 1ZZ" in (message.postal_address or "")


def test_a_childs_family_is_asked_through_the_main_contact(session, council, tmp_path):
    child = YOUNG_PERSON.model_copy(update={"date_of_birth": date(2017, 3, 14)})
    case = open_case(session, council, now=at(date(2026, 1, 5)), child=child, family=[PARENT])
    decide(session, council, case, decision="assess", now=at(date(2026, 2, 2)), on=date(2026, 2, 2))
    reconcile(session, ref=case.ref, council=council, now=at(date(2026, 2, 2)), document_store=tmp_path)
    message = session.exec(select(OutboundMessage).where(OutboundMessage.purpose == "advice_request")).all()
    family = next(m for m in message if m.recipient_role == "adviser:parent_or_young_person")
    assert family.recipient_address == "pat@example.org"
    assert family.body_text.startswith("Dear Pat Example,")
