"""An impossible case history is refused, naming the field at fault."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from ehcp.domain.facts import CaseFacts

RECEIVED = date(2026, 1, 5)
ASSESSED = {"decided_on": date(2026, 2, 10), "outcome": "assess"}


def refused_field(**facts) -> tuple[str, str]:
    facts.setdefault("received_on", RECEIVED)
    with pytest.raises(ValidationError) as refused:
        CaseFacts(**facts)
    [error] = refused.value.errors()
    return ".".join(str(part) for part in error["loc"]), error["msg"]


def test_a_decision_dated_before_the_request_names_the_decision():
    field, message = refused_field(decision_to_assess={"decided_on": date(2026, 1, 4), "outcome": "assess"})
    assert field == "decision_to_assess"
    assert "before the request was received" in message


def test_a_draft_served_before_the_decision_to_assess_names_the_draft():
    field, message = refused_field(decision_to_assess=ASSESSED, draft_served_on=date(2026, 2, 9))
    assert field == "draft_issued_on"
    assert "before the decision to assess" in message


def test_a_draft_after_a_decision_not_to_assess_is_refused():
    field, _ = refused_field(
        decision_to_assess={"decided_on": date(2026, 2, 10), "outcome": "not_assess"},
        draft_served_on=date(2026, 3, 1),
    )
    assert field == "draft_issued_on"


def test_a_draft_after_a_decision_not_to_issue_is_refused():
    field, message = refused_field(
        decision_to_assess=ASSESSED,
        decision_to_issue={"decided_on": date(2026, 4, 1), "outcome": "not_issue"},
        draft_served_on=date(2026, 4, 2),
    )
    assert (field, "decision not to issue" in message) == ("draft_issued_on", True)


def test_advice_requested_before_the_decision_to_assess_names_the_advice():
    field, _ = refused_field(
        decision_to_assess=ASSESSED,
        advice=[{"key": "health", "role": "health", "requested_on": date(2026, 2, 9)}],
    )
    assert field == "advice"


def test_advice_received_before_it_was_requested_names_the_item():
    field, _ = refused_field(
        decision_to_assess=ASSESSED,
        advice=[
            {
                "key": "health",
                "role": "health",
                "requested_on": date(2026, 2, 11),
                "received_on": date(2026, 2, 10),
            }
        ],
    )
    assert field == "advice.0.received_on"


def test_advice_keys_are_unique():
    item = {"key": "health", "role": "health", "requested_on": date(2026, 2, 11)}
    field, message = refused_field(decision_to_assess=ASSESSED, advice=[item, item])
    assert (field, "repeated: health" in message) == ("advice", True)


def test_a_final_plan_needs_a_draft_before_it():
    assert (
        refused_field(decision_to_assess=ASSESSED, final_issued_on=date(2026, 5, 1))[0] == "final_issued_on"
    )
    field, _ = refused_field(
        decision_to_assess=ASSESSED,
        draft_served_on=date(2026, 4, 1),
        final_issued_on=date(2026, 3, 31),
    )
    assert field == "final_issued_on"


def test_a_consultation_follows_the_draft():
    field, _ = refused_field(
        decision_to_assess=ASSESSED,
        draft_served_on=date(2026, 4, 1),
        consultations=[{"key": "oak", "sent_on": date(2026, 3, 31)}],
    )
    assert field == "consultations"


def test_an_absence_must_last_four_weeks():
    field, message = refused_field(
        exceptions=[
            {
                "ground": "absence_from_area",
                "limit_key": "final_plan",
                "starts_on": date(2026, 1, 10),
                "ends_on": date(2026, 2, 5),
            }
        ]
    )
    assert field == "exceptions.0"
    assert "27 days" in message


def test_a_missed_appointment_names_an_existing_advice_request():
    missed = {"ground": "missed_appointment", "starts_on": date(2026, 3, 1)}
    field, message = refused_field(exceptions=[{**missed, "limit_key": "final_plan"}])
    assert (field, "Regs 13(3) does not list 'missed_appointment'" in message) == ("exceptions.0", True)
    field, message = refused_field(exceptions=[{**missed, "limit_key": "advice:nobody"}])
    assert (field, "unknown advice request" in message) == ("exceptions", True)


@pytest.mark.parametrize(
    ("ground", "limit_key", "regulation"),
    [
        ("early_years_closure", "decision_to_assess", "Regs 5(4)"),  # 5(4) has no early-years ground
        ("school_closure", "advice:health", "Regs 8(2)"),  # no closure ground for an adviser
        ("missed_appointment", "decision_not_to_issue", "Regs 10(4)"),  # only 8(2) has it
    ],
)
def test_a_ground_the_limits_regulation_does_not_list_is_refused(ground, limit_key, regulation):
    field, message = refused_field(
        exceptions=[{"ground": ground, "limit_key": limit_key, "starts_on": date(2026, 3, 1)}]
    )
    assert (field, message.startswith(f"Value error, {regulation} does not list")) == ("exceptions.0", True)


def test_no_regulation_lets_a_target_or_the_familys_window_be_disapplied():
    field, message = refused_field(
        exceptions=[
            {"ground": "absence_from_area", "limit_key": "family_comments", "starts_on": date(2026, 3, 1)}
        ]
    )
    assert (field, "no regulation lets limit 'family_comments' be disapplied" in message) == (
        "exceptions.0",
        True,
    )


def test_withdrawal_before_the_request_is_refused():
    assert refused_field(withdrawn_on=date(2026, 1, 1))[0] == "withdrawn_on"


def test_a_consistent_history_is_accepted():
    facts = CaseFacts(
        received_on=RECEIVED,
        decision_to_assess=ASSESSED,
        advice=[
            {
                "key": "health",
                "role": "health",
                "requested_on": date(2026, 2, 11),
                "received_on": date(2026, 3, 20),
            }
        ],
        decision_to_issue={"decided_on": date(2026, 4, 1), "outcome": "issue"},
        draft_served_on=date(2026, 4, 2),
        consultations=[{"key": "oak", "sent_on": date(2026, 4, 3), "answered_on": date(2026, 4, 10)}],
        final_issued_on=date(2026, 5, 20),
    )
    assert facts.ended_on is None


def test_a_decision_to_assess_dated_after_the_withdrawal_is_refused_naming_the_decision():
    field, message = refused_field(decision_to_assess=ASSESSED, withdrawn_on=date(2026, 2, 9))
    assert field == "decision_to_assess"
    assert "after the request was withdrawn (2026-02-09)" in message


def test_a_decision_whether_to_issue_dated_after_the_withdrawal_is_refused_naming_the_decision():
    field, message = refused_field(
        decision_to_assess=ASSESSED,
        decision_to_issue={"decided_on": date(2026, 4, 1), "outcome": "not_issue"},
        withdrawn_on=date(2026, 3, 31),
    )
    assert field == "decision_to_issue"
    assert "after the request was withdrawn" in message


def test_a_decision_on_the_day_of_the_withdrawal_is_accepted():
    CaseFacts(received_on=RECEIVED, decision_to_assess=ASSESSED, withdrawn_on=ASSESSED["decided_on"])
