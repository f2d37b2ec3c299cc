"""What a run says in Prefect's Runs list: its state message and tags, from a case's clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ehcp.domain.clock import Timeline, compute_timeline
from ehcp.domain.facts import CaseFacts
from ehcp.views.run_status import MAX_MESSAGE, run_tags, state_message

RECEIVED = date(2026, 1, 5)  # the decision whether to assess is due 2026-02-16


@dataclass(frozen=True)
class Look:
    stage: str
    timeline: Timeline
    waiting_for: tuple[str, ...] = ()
    closed: bool = False
    officer: str | None = None


def considering(today: date, **facts) -> Look:
    timeline = compute_timeline(CaseFacts(received_on=RECEIVED, **facts), today=today)
    due = timeline.limit("decision_to_assess").due_on
    return Look("considering", timeline, (f"the panel's decision whether to assess (due {due})",))


def test_the_message_says_what_the_case_waits_for_and_when_its_next_limit_falls_due():
    look = considering(date(2026, 2, 5))
    assert state_message(look) == (
        "Waiting for the panel's decision whether to assess (due 2026-02-16) · "
        "next limit: Decision whether to assess, due 2026-02-16 (11 days left)"
    )


def test_an_advice_limit_is_named_in_words():
    facts = CaseFacts(
        received_on=RECEIVED,
        decision_to_assess={
            "decided_on": date(2026, 2, 2),
            "outcome": "assess",
            "notified_on": date(2026, 2, 2),
        },
        advice=[{"key": "family", "role": "parent_or_young_person", "requested_on": date(2026, 2, 3)}],
    )
    look = Look("assessing", compute_timeline(facts, today=date(2026, 2, 4)), ("the family's views",))
    assert "next limit: Parent or young person's advice, due 2026-03-17" in state_message(look)


def test_an_overdue_limit_is_counted_in_days_late():
    assert "(3 days late)" in state_message(considering(date(2026, 2, 19)))


def test_several_waits_show_the_first_and_how_many_more():
    look = Look("assessing", considering(date(2026, 1, 6)).timeline, ("health advice", "the decision"))
    assert state_message(look).startswith("Waiting for health advice (and 1 more) · ")


def test_a_closed_case_says_nothing_more_is_due():
    look = Look("closed", considering(date(2026, 1, 6)).timeline, closed=True)
    assert state_message(look) == "Closed: nothing more is due"
    assert run_tags(look) == ["ehc", "stage:closed"]


def test_the_message_is_bounded():
    look = Look("assessing", considering(date(2026, 1, 6)).timeline, ("x" * 1000,))
    assert len(state_message(look)) == MAX_MESSAGE


def test_a_limit_due_within_seven_days_tags_the_run_due_this_week():
    assert run_tags(considering(date(2026, 2, 9))) == ["ehc", "stage:considering"]  # 7 days left
    assert run_tags(considering(date(2026, 2, 10))) == ["ehc", "stage:considering", "due:this-week"]
    assert run_tags(considering(date(2026, 2, 16))) == ["ehc", "stage:considering", "due:this-week"]


def test_a_limit_passed_with_nothing_done_tags_the_run_overdue():
    assert run_tags(considering(date(2026, 2, 17))) == ["ehc", "stage:considering", "overdue"]


def test_a_limit_met_late_is_no_longer_overdue():
    late = {"decided_on": date(2026, 2, 20), "outcome": "assess", "notified_on": date(2026, 2, 20)}
    facts = CaseFacts(received_on=RECEIVED, decision_to_assess=late)
    look = Look("assessing", compute_timeline(facts, today=date(2026, 2, 21)))
    assert look.timeline.limit("decision_to_assess").days_late == 4  # on the record, still
    assert "overdue" not in run_tags(look)


def test_a_case_assigned_to_a_coordinator_tags_the_run_with_their_key():
    look = considering(date(2026, 2, 17))
    assigned = Look(look.stage, look.timeline, look.waiting_for, officer="coord-a")
    assert run_tags(assigned) == ["ehc", "stage:considering", "officer:coord-a", "overdue"]
    assert not any(tag.startswith("officer:") for tag in run_tags(look))
