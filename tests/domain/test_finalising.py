"""When the council may finalise the plan (domain/finalising.py), by example at the edge days."""

from __future__ import annotations

from datetime import date

import pytest

from ehcp.domain.clock import compute_timeline
from ehcp.domain.facts import CaseFacts
from ehcp.domain.finalising import blockers, family_period_ends

SERVED = date(2026, 4, 1)
READY = {
    "received_on": date(2026, 1, 5),
    "decision_to_assess": {
        "decided_on": date(2026, 2, 10),
        "outcome": "assess",
        "notified_on": date(2026, 2, 10),
    },
    "advice": [
        {
            "key": "health",
            "role": "health",
            "requested_on": date(2026, 2, 11),
            "received_on": date(2026, 3, 1),
        }
    ],
    "decision_to_issue": {"decided_on": date(2026, 3, 27), "outcome": "issue"},
    "draft_served_on": SERVED,
    "consultations": [
        {"key": "oak", "sent_on": SERVED, "answered_on": date(2026, 4, 8), "setting_name": "Oak"}
    ],
    "named_setting": "Oak",
    "named_setting_type": "special_school",
}


def fields(on: date, **changes) -> list[str]:
    facts = CaseFacts(**{**READY, **changes})
    return [item.field for item in blockers(facts, timeline=compute_timeline(facts, today=on), on=on)]


def test_the_familys_fifteen_days_begin_with_the_day_of_service():
    # Regs 13(1)(a): "at least 15 days, beginning with the day on which the draft plan was served".
    assert family_period_ends(SERVED) == date(2026, 4, 15)


@pytest.mark.parametrize(("on", "allowed"), [(date(2026, 4, 15), False), (date(2026, 4, 16), True)])
def test_the_plan_is_finalised_only_after_the_last_of_the_familys_days(on, allowed):
    assert (fields(on) == []) is allowed
    if not allowed:
        assert fields(on) == ["on"]


def test_a_meeting_the_family_required_must_be_held_first():
    asked = {"meeting_requested_on": date(2026, 4, 5)}
    assert fields(date(2026, 4, 20), **asked) == ["meeting_held_on"]
    assert fields(date(2026, 4, 20), **asked, meeting_held_on=date(2026, 4, 14)) == []


@pytest.mark.parametrize(("on", "blocked"), [(date(2026, 4, 17), True), (date(2026, 4, 18), False)])
def test_an_unanswered_consultation_holds_the_plan_until_its_fifteen_days_have_passed(on, blocked):
    # Sent 2 April: the CoP 9.83 15 days run to 17 April (day-0 counting); from 18 April it has passed.
    unanswered = [{"key": "oak", "sent_on": date(2026, 4, 2), "setting_name": "Oak"}]
    assert ("consultations" in fields(on, consultations=unanswered)) is blocked


def test_the_school_the_family_asked_for_must_be_consulted():
    assert fields(date(2026, 4, 20), requested_school="Elm") == ["requested_school"]
    assert fields(date(2026, 4, 20), requested_school="Oak") == []


def test_section_i_needs_a_type_and_a_named_institution_must_be_consulted():
    assert fields(date(2026, 4, 20), named_setting_type=None) == ["setting_type"]
    assert fields(date(2026, 4, 20), named_setting="Birch") == ["named_setting"]
    assert fields(date(2026, 4, 20), named_setting=None) == []  # a type alone (s.40(2))


def test_advice_not_received_holds_the_plan_until_the_coordinator_records_why():
    owed = [{"key": "health", "role": "health", "requested_on": date(2026, 2, 11)}]
    assert fields(date(2026, 4, 20), advice=owed) == ["advice:health"]
    recorded = [{**owed[0], "gap_reason": "not_received_after_escalation"}]
    assert fields(date(2026, 4, 20), advice=recorded) == []
