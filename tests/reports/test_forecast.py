"""The forecast: the limits that will be breached in the next 14 days unless someone acts,
by the statutory clock run forward from the facts as recorded (no guessing).

The window is the 14 days after today: a limit due on day 13 (breached on day 14) is in
it; a limit due on day 14 can still be met that day, is breached on day 15, and is not.
"""

from __future__ import annotations

from datetime import date, timedelta

from ehcp.domain.clock import ClockPolicy, DayCounting
from ehcp.domain.facts import AdviceFacts, AssessmentDecision, CaseFacts, ExceptionFacts
from ehcp.domain.roles import ContributorRole
from ehcp.reports.forecast import OpenCase, breaches_by_day, forecast

RECEIVED = date(2026, 1, 5)
DECISION_DUE = RECEIVED + timedelta(weeks=6)  # Regs 5(1): 16 February 2026


def considering(ref: str, **changes) -> OpenCase:
    return OpenCase(ref, "considering", CaseFacts(received_on=RECEIVED, **changes))


def listed(cases, today, **options) -> list[tuple[str, str]]:
    return [(item.ref, item.limit_key) for item in forecast(cases, today=today, **options)]


def test_a_decision_due_in_13_days_is_listed_and_one_due_in_15_is_not():
    assert listed([considering("EHC-2026-000001")], DECISION_DUE - timedelta(days=13)) == [
        ("EHC-2026-000001", "decision_to_assess")
    ]
    assert listed([considering("EHC-2026-000001")], DECISION_DUE - timedelta(days=15)) == []


def test_a_limit_due_on_the_14th_day_can_still_be_met_that_day_so_it_is_not_listed():
    today = DECISION_DUE - timedelta(days=14)
    assert listed([considering("EHC-2026-000001")], today) == []
    # The next day it is due in 13 days, breached on the 14th: listed.
    assert listed([considering("EHC-2026-000001")], today + timedelta(days=1)) != []


def test_each_breach_names_its_limit_due_date_and_days_until_it_happens():
    today = DECISION_DUE - timedelta(days=13)
    [breach] = forecast([considering("EHC-2026-000001")], today=today)
    assert (breach.limit_key, breach.due_on, breach.breaches_on) == (
        "decision_to_assess",
        DECISION_DUE,
        DECISION_DUE + timedelta(days=1),
    )
    assert breach.days_until_breach(today) == 14
    assert breach.stage == "considering" and breach.duty == "local_authority" and breach.statutory


def test_a_limit_due_today_is_breached_tomorrow_and_listed():
    [breach] = forecast([considering("EHC-2026-000001")], today=DECISION_DUE)
    assert breach.days_until_breach(DECISION_DUE) == 1


def test_a_limit_already_breached_is_overdue_not_forecast():
    assert listed([considering("EHC-2026-000001")], DECISION_DUE + timedelta(days=1)) == []


def test_a_decision_already_sent_is_not_listed():
    sent = AssessmentDecision(
        decided_on=RECEIVED + timedelta(days=30), outcome="assess", notified_on=RECEIVED + timedelta(days=31)
    )
    case = considering("EHC-2026-000001", decision_to_assess=sent)
    assert "decision_to_assess" not in [key for _, key in listed([case], DECISION_DUE - timedelta(days=5))]


def assessing(ref: str, *, received_on: date | None, exceptions=()) -> OpenCase:
    """Assessed on day 20; health advice asked on day 21 (due 6 weeks later, day 63)."""
    decided = RECEIVED + timedelta(days=20)
    facts = CaseFacts(
        received_on=RECEIVED,
        decision_to_assess=AssessmentDecision(decided_on=decided, outcome="assess", notified_on=decided),
        advice=(
            AdviceFacts(
                key="health",
                role=ContributorRole.HEALTH,
                requested_on=decided + timedelta(days=1),
                received_on=received_on,
            ),
        ),
        exceptions=tuple(exceptions),
    )
    return OpenCase(ref, "assessing", facts)


ADVICE_DUE = RECEIVED + timedelta(days=21 + 42)


def test_advice_due_in_the_window_is_listed_and_advice_that_is_in_is_not():
    today = ADVICE_DUE - timedelta(days=5)
    waiting = assessing("EHC-2026-000001", received_on=None)
    answered = assessing("EHC-2026-000002", received_on=today - timedelta(days=1))
    assert listed([waiting, answered], today) == [("EHC-2026-000001", "advice:health")]


def test_an_exception_disapplying_the_limit_removes_it():
    today = ADVICE_DUE - timedelta(days=5)
    excused = assessing(
        "EHC-2026-000001",
        received_on=None,
        exceptions=[
            ExceptionFacts(
                ground="exceptional_personal_circumstances",
                limit_key="advice:health",
                starts_on=today - timedelta(days=3),
            )
        ],
    )
    assert listed([excused], today) == []
    # Another case's limit is not excused by it.
    assert listed([excused, assessing("EHC-2026-000002", received_on=None)], today) == [
        ("EHC-2026-000002", "advice:health")
    ]


def test_the_familys_own_window_is_never_listed():
    from ehcp.domain.facts import IssueDecision

    decided = RECEIVED + timedelta(days=20)
    served = RECEIVED + timedelta(days=80)
    facts = CaseFacts(
        received_on=RECEIVED,
        decision_to_assess=AssessmentDecision(decided_on=decided, outcome="assess", notified_on=decided),
        decision_to_issue=IssueDecision(decided_on=served - timedelta(days=2), outcome="issue"),
        draft_issued_on=served,
        draft_first_issued_on=served,
        draft_served_on=served,
    )
    today = served + timedelta(days=2)  # the family's last day is served + 14, within the window
    keys = [key for _, key in listed([OpenCase("EHC-2026-000001", "draft_served", facts)], today)]
    assert "family_comments" not in keys


def test_the_councils_day_counting_moves_the_due_date():
    # Day 1: due a day earlier, so "due in 14 days" under day 0 is due in 13 under day 1.
    today = DECISION_DUE - timedelta(days=14)
    policy = ClockPolicy(day_counting=DayCounting.START_IS_DAY_ONE)
    assert listed([considering("EHC-2026-000001")], today, policy=policy) == [
        ("EHC-2026-000001", "decision_to_assess")
    ]


def test_breaches_are_listed_soonest_first_and_counted_for_each_day_ahead():
    today = DECISION_DUE - timedelta(days=10)
    later = OpenCase("EHC-2026-000009", "considering", CaseFacts(received_on=RECEIVED + timedelta(days=3)))
    breaches = forecast([later, considering("EHC-2026-000001")], today=today)
    assert [item.ref for item in breaches] == ["EHC-2026-000001", "EHC-2026-000009"]
    by_day = breaches_by_day(breaches, today=today)
    assert [day for day, _ in by_day] == [today + timedelta(days=n) for n in range(1, 15)]
    assert {day: count for day, count in by_day if count} == {
        today + timedelta(days=11): 1,
        today + timedelta(days=14): 1,
    }
