"""A coordinator's entry in the Prefect UI's resume form: applied whole or not at all, once."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlmodel import Session

from ehcp.db import crud
from ehcp.db.inputs import PanelDecision
from ehcp.runtime.coordinator_input import ALREADY_APPLIED, CoordinatorEntry, apply
from tests.db import factories

RECEIVED = date(2026, 5, 4)
NOW = datetime(2026, 6, 1, 9, 30, tzinfo=UTC)


@pytest.fixture
def ref(session: Session, council) -> str:
    return factories.open_case(session, council, received_on=RECEIVED, now=NOW).ref


def enter(
    session, council, ref, entry: CoordinatorEntry, *, wait_number: int = 0, now: datetime = NOW
) -> str:
    return apply(session, ref=ref, wait_number=wait_number, entry=entry, council=council, now=now)


def kinds(session, ref) -> list[str]:
    return [event.kind for event in crud.chronology(session, case=crud.require_case(session, ref=ref))]


def stored(session, ref):
    session.expire_all()
    return crud.require_case(session, ref=ref)


def test_a_decision_with_a_withdrawal_in_the_future_is_refused_whole(session, council, ref):
    """The defect: the decision was recorded (stage assessing) and then the entry reported as refused."""
    before = stored(session, ref)
    version, stage = before.version, before.stage
    outcome = enter(
        session,
        council,
        ref,
        CoordinatorEntry(
            decision=PanelDecision.ASSESS, decided_on=date(2026, 5, 20), withdrawn_on=date(2026, 6, 5)
        ),
    )
    assert outcome.startswith("refused:") and "withdrawn_on" in outcome
    case = stored(session, ref)
    assert case.stage == stage == "considering"
    assert case.version == version  # nothing of the entry was written
    assert crud.case_facts(session, case=case).decision_to_assess is None
    assert kinds(session, ref) == ["request_received", "input_refused"]
    assert case.run_wait_number == 1  # the form is offered again at the next wait


def test_every_field_of_an_entry_is_recorded_in_one_go(session, council, ref):
    outcome = enter(
        session,
        council,
        ref,
        CoordinatorEntry(
            decision=PanelDecision.ASSESS, decided_on=date(2026, 5, 20), withdrawn_on=date(2026, 5, 28)
        ),
    )
    assert outcome == "recorded decision: assess; recorded withdrawal"
    case = stored(session, ref)
    assert case.stage == "withdrawn"
    assert case.closed_on == date(2026, 6, 1)
    assert kinds(session, ref) == ["request_received", "decision_assessment", "withdrawn"]


def test_a_decision_without_its_date_is_refused_naming_the_field(session, council, ref):
    outcome = enter(session, council, ref, CoordinatorEntry(decision=PanelDecision.NOT_ASSESS))
    assert outcome.startswith("refused:") and "decided_on" in outcome
    assert stored(session, ref).stage == "considering"


def test_the_same_wait_applied_twice_changes_nothing_the_second_time(session, council, ref):
    entry = CoordinatorEntry(decision=PanelDecision.ASSESS, decided_on=date(2026, 5, 20))
    assert enter(session, council, ref, entry) == "recorded decision: assess"
    after_first = stored(session, ref)
    version, events = after_first.version, kinds(session, ref)

    assert enter(session, council, ref, entry) == ALREADY_APPLIED
    again = stored(session, ref)
    assert (again.version, again.run_wait_number) == (version, 1)
    assert kinds(session, ref) == events  # no refusal, no second decision


def test_a_refused_entry_replayed_is_not_refused_twice(session, council, ref):
    entry = CoordinatorEntry(decision=PanelDecision.ASSESS)  # no date
    assert enter(session, council, ref, entry).startswith("refused:")
    assert enter(session, council, ref, entry) == ALREADY_APPLIED
    assert kinds(session, ref).count("input_refused") == 1


def test_an_empty_entry_only_moves_the_run_to_its_next_wait(session, council, ref):
    version = stored(session, ref).version
    assert enter(session, council, ref, CoordinatorEntry()) == "nothing entered: looked again"
    case = stored(session, ref)
    assert (case.version, case.run_wait_number) == (version, 1)


def test_a_withdrawal_entered_after_midnight_in_england_closes_the_case_that_day(session, council, ref):
    """23:30 UTC on 1 June is 00:30 on 2 June in London: the case closes on 2 June, not 1 June."""
    late = datetime(2026, 6, 1, 23, 30, tzinfo=UTC)
    outcome = enter(session, council, ref, CoordinatorEntry(withdrawn_on=date(2026, 6, 2)), now=late)
    assert outcome == "recorded withdrawal"
    assert stored(session, ref).closed_on == date(2026, 6, 2)


def test_a_refusal_is_dated_on_the_day_in_england(session, council, ref):
    late = datetime(2026, 6, 1, 23, 30, tzinfo=UTC)
    enter(session, council, ref, CoordinatorEntry(decision=PanelDecision.ASSESS), now=late)
    refusal = crud.chronology(session, case=stored(session, ref))[-1]
    assert (refusal.kind, refusal.occurred_on) == ("input_refused", date(2026, 6, 2))
