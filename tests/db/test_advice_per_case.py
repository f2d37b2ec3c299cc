"""Advice sought per case, in the store: what intake carries into the case, advice a
coordinator adds (Regs 6(1)(f), (h)), and existing advice agreed sufficient (Regs 6(4))."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import select

from ehcp.db import crud
from ehcp.db.models import AdviceRequest, CaseEvent
from ehcp.domain.clock import LimitState
from ehcp.errors import InvalidInput
from tests.db.factories import (
    INTAKE_PROFESSIONAL_EMAIL,
    add_advice,
    agree_existing_advice,
    decide,
    open_case,
    open_case_by_intake,
    receive_advice,
    request_advice,
)


def at(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=10)


RECEIVED = date(2026, 1, 5)
DECIDED = date(2026, 2, 10)


def test_intake_carries_sensory_needs_and_contact_preferences_into_the_case(session, council):
    case = open_case_by_intake(
        session,
        council,
        now=at(RECEIVED),
        child={"hearing_impairment": True, "vision_impairment": True},
        contact_preferences={
            "method": "post",
            "language": "Polish",
            "interpreter_needed": True,
            "accessibility_needs": "Large print",
        },
    )
    assert (case.hearing_impairment, case.vision_impairment) == (True, True)
    assert (case.contact_language, case.interpreter_needed, case.accessibility_needs) == (
        "Polish",
        True,
        "Large print",
    )


def test_a_case_opened_without_those_answers_has_none_of_them(session, council):
    case = open_case_by_intake(session, council, now=at(RECEIVED))
    assert (case.hearing_impairment, case.vision_impairment, case.interpreter_needed) == (False, False, False)
    assert case.contact_language == "English"  # the form's default


def test_the_advice_case_reads_the_professionals_named_at_intake(session, council):
    named = [
        {
            "role": "speech and language therapist",
            "organisation": "Example NHS Trust",
            "email": INTAKE_PROFESSIONAL_EMAIL,
        }
    ]
    case = open_case_by_intake(session, council, now=at(RECEIVED), professionals=named)
    advice_case = crud.advice_case_of(session, case=case, council=council)
    assert [(p.organisation, p.email) for p in advice_case.professionals] == [
        ("Example NHS Trust", INTAKE_PROFESSIONAL_EMAIL)
    ]
    assert advice_case.date_of_birth == date(2017, 3, 14) and advice_case.setting_email is not None
    assert crud.family_agreed_to_share(session, case=case) is True


def test_a_case_not_opened_by_the_form_has_no_professionals_and_no_consent_answer(session, council):
    case = open_case(session, council, now=at(RECEIVED))
    assert crud.advice_case_of(session, case=case, council=council).professionals == ()
    assert crud.family_agreed_to_share(session, case=case) is None


# -- advice a coordinator adds ----------------------------------------------------


def test_a_coordinator_adds_someone_the_family_asks_for_keyed_by_role_and_number(session, council):
    case = open_case(session, council, now=at(RECEIVED))
    decide(session, council, case, now=at(DECIDED))
    first = add_advice(session, council, case, now=at(date(2026, 2, 12)), email="ot@example.org")
    second = add_advice(session, council, case, now=at(date(2026, 2, 12)), organisation="Example CAMHS")
    other = add_advice(session, council, case, role="other", now=at(date(2026, 2, 12)))
    assert (first.key, second.key, other.key) == ("family-requested-1", "family-requested-2", "other-1")
    assert (first.role, first.contact_email, first.requested_on) == (
        "family_requested",
        "ot@example.org",
        date(2026, 2, 12),
    )
    assert second.contact_email is None  # asked all the same: the letter goes by post
    assert first.due_on == date(2026, 3, 26)


def test_advice_is_added_only_while_the_council_is_assessing(session, council):
    case = open_case(session, council, now=at(RECEIVED))
    with pytest.raises(InvalidInput, match="role: advice is added while the council is assessing"):
        add_advice(session, council, case, now=at(date(2026, 1, 20)))
    assert session.exec(select(AdviceRequest)).all() == []


# -- Regs 6(4): existing advice agreed sufficient ------------------------------------


@pytest.mark.parametrize(
    ("adviser", "family", "named"),
    [
        (False, True, ["adviser_agrees"]),
        (True, False, ["family_agrees"]),
        (False, False, ["adviser_agrees", "family_agrees"]),
    ],
)
def test_existing_advice_needs_the_adviser_and_the_family_to_agree(session, council, adviser, family, named):
    case = open_case(session, council, now=at(RECEIVED))
    decide(session, council, case, now=at(DECIDED))
    request_advice(session, council, case, key="psychological", role="psychological", now=at(DECIDED))
    events = len(crud.chronology(session, case=case))
    with pytest.raises(InvalidInput) as refused:
        agree_existing_advice(
            session, council, case, now=at(date(2026, 2, 12)), adviser_agrees=adviser, family_agrees=family
        )
    assert [error.field for error in refused.value.errors] == named
    row = session.exec(select(AdviceRequest).where(AdviceRequest.key == "psychological")).one()
    assert not row.existing_advice_accepted and len(crud.chronology(session, case=case)) == events


def test_agreed_after_the_request_it_ends_the_chase_and_counts_for_section_k(session, council):
    case = open_case(session, council, now=at(RECEIVED))
    decide(session, council, case, now=at(DECIDED))
    request_advice(session, council, case, key="psychological", role="psychological", now=at(DECIDED))
    row = agree_existing_advice(session, council, case, now=at(date(2026, 2, 12)))
    assert row is not None and row.existing_advice_accepted
    assert (row.existing_advice_source, row.existing_advice_agreed_on) == (
        "Educational psychology report, November 2025",
        date(2026, 2, 12),
    )
    limit = crud.case_timeline(session, case=case, council=council, today=date(2026, 4, 1)).limit(
        "advice:psychological"
    )
    assert limit.state is LimitState.NOT_APPLICABLE and limit.basis == "Regs 6(4)"
    assert crud.chronology(session, case=case)[-1].kind == "existing_advice_accepted"


def test_agreed_before_the_request_it_is_kept_until_the_request_it_replaces(session, council):
    case = open_case(session, council, now=at(RECEIVED))
    assert agree_existing_advice(session, council, case, now=at(date(2026, 1, 20))) is None
    assert session.exec(select(AdviceRequest)).all() == []
    agreed = crud.agreed_sufficient(session, case=case)
    assert [(item.key, item.source, item.agreed_on) for item in agreed] == [
        ("psychological", "Educational psychology report, November 2025", date(2026, 1, 20))
    ]
    assert session.exec(select(CaseEvent).where(CaseEvent.kind == crud.EXISTING_ADVICE_AGREED)).one()


def test_the_familys_own_advice_is_always_sought_regs_6_4_covers_b_to_h(session, council):
    case = open_case(session, council, now=at(RECEIVED))
    decide(session, council, case, now=at(DECIDED))
    request_advice(session, council, case, key="family", role="parent_or_young_person", now=at(DECIDED))
    with pytest.raises(InvalidInput, match=r"key: Regs 6\(4\) covers advice under 6\(1\)\(b\) to \(h\)"):
        agree_existing_advice(session, council, case, key="family", now=at(date(2026, 2, 12)))
    with pytest.raises(InvalidInput, match="key: Regs 6"):
        agree_existing_advice(
            session,
            council,
            open_case(session, council, now=at(RECEIVED)),
            key="family",
            now=at(date(2026, 1, 20)),
        )


def test_advice_already_received_or_not_in_the_cases_plan_is_refused(session, council):
    case = open_case(session, council, now=at(RECEIVED))
    with pytest.raises(InvalidInput, match="key: no advice 'speech' to be sought"):
        agree_existing_advice(session, council, case, key="speech", now=at(date(2026, 1, 20)))
    decide(session, council, case, now=at(DECIDED))
    request_advice(session, council, case, key="health", role="health", now=at(DECIDED))
    receive_advice(session, council, case, key="health", now=at(date(2026, 3, 1)))
    with pytest.raises(InvalidInput, match="key: advice 'health' was received"):
        agree_existing_advice(session, council, case, key="health", now=at(date(2026, 3, 2)))
