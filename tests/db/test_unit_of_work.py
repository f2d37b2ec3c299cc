"""Several store writes that stand or fall together."""

from __future__ import annotations

from datetime import date

import pytest

from ehcp.db import crud
from ehcp.db.inputs import AdviceRequestIn, PanelDecision
from ehcp.db.unit_of_work import unit_of_work
from ehcp.errors import InvalidInput
from tests.db import factories


def _assessing(session, council, now):
    case = factories.open_case(session, council, received_on=date(2026, 1, 5), now=now)
    factories.decide(session, council, case, decision="assess", on=date(2026, 2, 10), now=now)
    return case


def test_a_later_write_sees_what_an_earlier_one_in_the_same_unit_wrote(session, council, now):
    case = _assessing(session, council, now)
    with unit_of_work(session):
        asked = AdviceRequestIn(
            key="health", role="health", organisation="ICB", requested_on=date(2026, 2, 11)
        )
        crud.request_advice(session, case=case, advice=asked, council=council, now=now, actor="t")
        # Refused unless the request above is seen, although it is not committed yet.
        crud.record_advice_received(
            session,
            case=case,
            key="health",
            received_on=date(2026, 3, 2),
            council=council,
            now=now,
            actor="t",
        )
    session.expire_all()
    facts = crud.case_facts(session, case=crud.require_case(session, ref=case.ref))
    assert [(item.key, item.received_on) for item in facts.advice] == [("health", date(2026, 3, 2))]


def test_a_refused_write_rolls_back_every_write_of_its_unit(session, council, now):
    case = _assessing(session, council, now)
    version = case.version
    with pytest.raises(InvalidInput, match="future"), unit_of_work(session):
        issue = PanelDecision.ISSUE.entry(decided_on=date(2026, 4, 1))
        crud.record_decision(session, case=case, decision=issue, council=council, now=now, actor="t")
        crud.withdraw(session, case=case, withdrawn_on=date(2027, 1, 1), council=council, now=now, actor="t")
    session.expire_all()
    stored = crud.require_case(session, ref=case.ref)
    assert stored.version == version and stored.stage == "assessing"
    assert crud.case_facts(session, case=stored).decision_to_issue is None
    assert [event.kind for event in crud.chronology(session, case=stored)] == [
        "request_received",
        "decision_assessment",
    ]


def test_writes_outside_a_unit_commit_one_by_one(session, council, now):
    case = _assessing(session, council, now)
    session.rollback()  # nothing pending: the decision was committed on its own
    assert crud.case_facts(session, case=case).decision_to_assess is not None
