"""The case's coordinator gets a copy of every message to the team inbox, once each.

Same case as test_planner.py: received 5 January 2026, the decision whether to assess
due 16 February; a warning a week before it.
"""

from __future__ import annotations

from datetime import date

from ehcp.domain.planner import Message
from tests.domain.test_planner import ALERTS, ASSESS, ISSUE, REF, advice, context, facts, run

WARNING = Message(
    "limit_warning", "send_team", date(2026, 2, 16), about="decision_to_assess", on=date(2026, 2, 9)
)
TEAM_PURPOSES = ("limit_warning", "advice_received", "message_failed", "draft_ready")
FAILED = "EHC-1:acknowledgement:family:1:2026-02-16"


def team_messages(officer: str | None) -> list[Message]:
    """A case that owes the team every kind of message at once."""
    case = facts(
        decision_to_assess=ASSESS, decision_to_issue=ISSUE, advice=[advice(received_on=date(2026, 3, 2))]
    )
    ctx = context(ladder=ALERTS, failed_messages=(FAILED,), officer=officer)
    return list(run(case, date(2026, 3, 30), ctx).work.messages)


def test_each_message_to_the_team_inbox_also_goes_to_the_cases_coordinator():
    messages = team_messages("coord-a")
    team = [m for m in messages if m.recipient == "send_team"]
    officer = [m for m in messages if m.recipient == "officer:coord-a"]
    assert {m.purpose for m in team} >= {"advice_received", "message_failed", "draft_ready"}
    assert [(m.purpose, m.about, m.on, m.attach) for m in officer] == [
        (m.purpose, m.about, m.on, m.attach) for m in team
    ]
    # Each copy has its own outbox key: queued once, whoever else was told.
    assert len({m.key(REF) for m in messages}) == len(messages)


def test_an_unassigned_case_tells_the_team_inbox_alone():
    assert not [m for m in team_messages(None) if m.recipient.startswith("officer")]


def test_a_warning_goes_to_the_coordinator_before_the_team_so_an_interrupted_look_loses_neither():
    result = run(facts(), date(2026, 2, 9), context(ladder=ALERTS, officer="coord-a"))
    warnings = [m for m in result.work.messages if m.purpose == "limit_warning"]
    assert warnings == [
        Message(
            "limit_warning",
            "officer:coord-a",
            date(2026, 2, 16),
            about="decision_to_assess",
            on=date(2026, 2, 9),
        ),
        WARNING,
    ]
    # The look queued the coordinator's copy and stopped: the next queues the team's alone.
    done = {warnings[0].key(REF)}
    again = run(facts(), date(2026, 2, 9), context(ladder=ALERTS, officer="coord-a"), done=done)
    assert [m for m in again.work.messages if m.purpose == "limit_warning"] == [WARNING]


def test_a_coordinator_assigned_after_the_team_was_told_is_not_told_it_again():
    # The warning went to the team (and to coord-a) before the case was reassigned to coord-b.
    done = {WARNING.key(REF), WARNING.key(REF).replace("send_team", "officer:coord-a")}
    result = run(facts(), date(2026, 2, 10), context(ladder=ALERTS, officer="coord-b"), done=done)
    assert not [m for m in result.work.messages if m.purpose == "limit_warning"]


def test_a_new_warning_after_reassignment_goes_to_the_new_coordinator_only():
    case = facts(decision_to_assess=ASSESS, advice=[advice(received_on=date(2026, 3, 2))])
    told_before = run(case, date(2026, 3, 2), context(officer="coord-a"))
    done = {m.key(REF) for m in told_before.work.messages}
    later = facts(
        decision_to_assess=ASSESS,
        advice=[
            advice(received_on=date(2026, 3, 2)),
            advice("ep", "psychological", received_on=date(2026, 3, 9)),
        ],
    )
    result = run(later, date(2026, 3, 9), context(officer="coord-b"), done=done)
    received = {(m.recipient, m.about) for m in result.work.messages if m.purpose == "advice_received"}
    assert received == {("officer:coord-b", "ep"), ("send_team", "ep")}
