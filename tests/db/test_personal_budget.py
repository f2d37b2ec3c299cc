"""Section J's record through the real store (SQLite and PostgreSQL): the personal budget the
family asked for (s.49 CFA 2014) and the council's decision; impossible records refused
naming the field, with nothing written; the chronology says what was decided, not the
family's words."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlmodel import select

from ehcp.db import crud
from ehcp.db.models import CaseEvent, PersonalBudget
from ehcp.db.personal_budget import (
    EVENT_KIND,
    personal_budget,
    record_personal_budget,
    section_j_checks,
    validated,
)
from ehcp.errors import InvalidInput
from tests.db.factories import open_case

NOW = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
COVERS = "Speech and language therapy at home, one hour a week."


def budget_events(session, case) -> list[CaseEvent]:
    return [event for event in crud.chronology(session, case=case) if event.kind == EVENT_KIND]


def test_a_request_then_its_agreement_is_one_record_and_two_chronology_entries(session, council):
    case = open_case(session, council, now=NOW)
    asked = validated(requested_on=date(2026, 4, 1), direct_payments_requested=True)
    record_personal_budget(session, case=case, budget=asked, now=NOW, actor="officer")
    assert personal_budget(session, case=case).agreed is None

    agreed = validated(
        requested_on=date(2026, 4, 1),
        agreed=True,
        decided_on=date(2026, 4, 20),
        amount_per_year=4800,
        covers=COVERS,
        direct_payments=True,
    )
    record_personal_budget(session, case=case, budget=agreed, now=NOW, actor="officer")

    [row] = session.exec(select(PersonalBudget)).all()
    assert (row.agreed, row.decided_on, row.amount_per_year, row.covers) == (
        True,
        date(2026, 4, 20),
        4800,
        COVERS,
    )
    assert row.direct_payments and row.direct_payments_requested and row.recorded_by == "officer"
    first, second = budget_events(session, case)
    assert first.summary.endswith("not decided yet.") and first.occurred_on == date(2026, 4, 1)
    assert "Agreed on 2026-04-20 of £4,800 a year; direct payments agreed." in second.summary
    assert second.occurred_on == date(2026, 4, 20)
    assert COVERS not in second.summary  # the chronology says what was decided, not the family's words


def test_direct_payments_imply_they_were_asked_for(session, council):
    budget = validated(
        requested_on=date(2026, 4, 1),
        agreed=True,
        decided_on=date(2026, 4, 2),
        covers=COVERS,
        direct_payments=True,
    )
    assert budget.direct_payments_requested


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"direct_payments": True}, "direct_payments"),  # nothing agreed yet
        (
            {"agreed": False, "decided_on": date(2026, 4, 2), "reasons": "x", "direct_payments": True},
            "direct_payments",
        ),
        (
            {"agreed": True, "decided_on": date(2026, 3, 31), "covers": COVERS},
            "decided_on",
        ),  # before the request
        ({"agreed": True, "covers": COVERS}, "decided_on"),  # a decision needs its day
        ({"agreed": False, "decided_on": date(2026, 4, 2)}, "reasons"),  # a refusal needs reasons
        ({"agreed": True, "decided_on": date(2026, 4, 2)}, "covers"),  # what it secures (Regs 12(1)(j))
        (
            {
                "agreed": True,
                "decided_on": date(2026, 4, 2),
                "covers": COVERS,
                "direct_payments_requested": True,
            },
            "reasons",  # direct payments asked for and not agreed: reasons
        ),
        ({"agreed": True, "decided_on": date(2026, 4, 2), "covers": COVERS, "reasons": "x"}, "reasons"),
        ({"amount_per_year": 100}, "amount_per_year"),  # an amount before any decision
        (
            {"agreed": True, "decided_on": date(2026, 4, 2), "covers": COVERS, "amount_per_year": 0},
            "amount_per_year",
        ),
        ({"agreed": True, "decided_on": date(2026, 4, 2), "covers": "x" * 1001}, "covers"),
        ({"agreed": True, "decided_on": date(2026, 4, 2), "covers": "Therapy\x00"}, "covers"),
        ({"agreed": False, "decided_on": date(2026, 4, 2), "reasons": "y" * 2001}, "reasons"),
    ],
)
def test_an_impossible_record_is_refused_naming_the_field(values, field):
    with pytest.raises(InvalidInput) as refused:
        validated(requested_on=date(2026, 4, 1), **values)
    assert field in [error.field for error in refused.value.errors], refused.value


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"requested_on": date(2026, 5, 2)}, "requested_on"),  # tomorrow in London
        (
            {
                "requested_on": date(2026, 4, 1),
                "agreed": False,
                "decided_on": date(2026, 5, 2),
                "reasons": "x",
            },
            "decided_on",
        ),
        ({"requested_on": date(2026, 1, 4)}, "requested_on"),  # before the request for assessment
    ],
)
def test_a_day_in_the_future_or_before_the_case_is_refused_and_nothing_is_written(
    session, council, values, field
):
    case = open_case(session, council, now=NOW)
    with pytest.raises(InvalidInput) as refused:
        record_personal_budget(session, case=case, budget=validated(**values), now=NOW, actor="officer")
    assert [error.field for error in refused.value.errors] == [field]
    assert personal_budget(session, case=case) is None
    assert budget_events(session, case) == []


def test_section_j_checks_point_at_what_the_councils_words_leave_out(session, council):
    case = open_case(session, council, now=NOW)
    record_personal_budget(
        session,
        case=case,
        budget=validated(
            requested_on=date(2026, 4, 1),
            agreed=True,
            decided_on=date(2026, 4, 20),
            amount_per_year=4800,
            covers=COVERS,
            direct_payments=True,
        ),
        now=NOW,
        actor="officer",
    )
    row = personal_budget(session, case=case)
    assert section_j_checks(row, "A personal budget of £4,800 a year, paid as direct payments.") == []
    checks = section_j_checks(row, "No personal budget has been requested.")
    assert any("£4,800" in item for item in checks)
    assert any("direct payments" in item for item in checks)
    assert any("says there is no personal budget" in item for item in checks)
    assert section_j_checks(row, "") == [
        "section J is empty: it must say whether there is a personal budget (Regs 12(1)(j))"
    ]
    assert section_j_checks(None, "No personal budget has been requested; you can ask for one.") == []
