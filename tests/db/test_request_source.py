"""Who asked (s.36(1)) or who brought the child to the council's attention (s.24), as the
case's opening records it; and the young person's choice of who gets copies, from intake
to the store."""

from __future__ import annotations

import json
from datetime import date

from sqlmodel import select

from ehcp.db.models import CaseEvent, FamilyContact
from ehcp.domain.roles import RequestSource
from ehcp.intake.schema import IntakeRequestV1
from ehcp.intake.store import receive
from ehcp.settings import PROJECT_ROOT
from tests.db import factories


def opening_event(session, case) -> CaseEvent:
    return session.exec(
        select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.kind == "request_received")
    ).one()


def test_a_parents_request_is_recorded_as_a_request_under_s36_with_its_sen2_code(session, council, now):
    case = factories.open_case(session, council, now=now, request_source="parent")
    event = opening_event(session, case)
    assert case.request_source == "parent"
    assert event.summary.startswith("Request for an EHC needs assessment received from the parent (s.36(1))")
    assert event.detail == {"request_source": "parent", "under_s36_1": True, "sen2_request_source": 1}


def test_a_school_request_is_a_request_under_s36(session, council, now):
    case = factories.open_case(session, council, now=now, request_source="setting")
    event = opening_event(session, case)
    assert "(s.36(1))" in event.summary
    assert event.detail["sen2_request_source"] == 2


def test_a_child_brought_to_attention_by_health_is_recorded_as_such_not_as_a_request(session, council, now):
    case = factories.open_case(session, council, now=now, request_source="health")
    event = opening_event(session, case)
    assert event.summary.startswith(
        "Child or young person brought to the council's attention by a health professional (s.24)"
    )
    assert "considering whether an EHC needs assessment is needed" in event.summary
    assert event.detail == {"request_source": "health", "under_s36_1": False, "sen2_request_source": 3}


def test_a_child_brought_to_attention_has_the_same_6_weeks_from_the_day_the_council_was_told(
    session, council, now
):
    # Regs 5(1)(b): 6 weeks of "becoming responsible for the child or young person in
    # accordance with section 24".
    told = factories.open_case(session, council, now=now, request_source="social_care")
    asked = factories.open_case(session, council, now=now, request_source="parent")
    assert told.decide_to_assess_by == asked.decide_to_assess_by == date(2026, 2, 16)


def test_social_care_is_a_source_the_store_and_sen2_know():
    assert RequestSource("social_care").sen2_code == 4
    assert not RequestSource.SOCIAL_CARE.is_request
    assert {source for source in RequestSource if source.is_request} == {
        RequestSource.PARENT,
        RequestSource.YOUNG_PERSON,
        RequestSource.SETTING,
    }


def test_a_parent_the_young_person_does_not_want_copied_is_stored_so(session, council, now):
    payload = json.loads((PROJECT_ROOT / "examples" / "intake-request.json").read_text())
    payload["received_on"] = "2026-05-20"
    payload["parents"] = [
        {"full_name": "Robin Example", "relationship": "young_person", "email": "robin@example.org"},
        {
            "full_name": "Alex Example",
            "relationship": "parent",
            "email": "alex@example.org",
            "receives_copies": False,
        },
    ]
    receive(
        session,
        webhook_id="msg_copies",
        request=IntakeRequestV1.model_validate(payload),
        council=council,
        now=now,
    )
    copies = dict(session.exec(select(FamilyContact.full_name, FamilyContact.receives_copies)).all())
    assert copies == {"Robin Example": True, "Alex Example": False}
