"""The pure planner: what a case needs now, what it waits for and when to look again.

Dates follow one case: received Monday 5 January 2026, so the decision whether to
assess is due 16 February (Regs 5(1)), a decision not to issue by 27 April
(Regs 10(1)), the draft target is 13 April and the final plan is due 25 May
(Regs 13(2)). Health is asked for advice on 11 February, due 25 March (Regs 8(1)).
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from ehcp.domain.advice_plan import AdviceCase, ExistingAdvice, Professional, Service
from ehcp.domain.clock import compute_timeline
from ehcp.domain.facts import CaseFacts
from ehcp.domain.ladder import Ladder, LimitAlerts, Rung
from ehcp.domain.planner import (
    TOLD_OF_ASSESSMENT_DECISION,
    TOLD_OF_FINAL_PLAN,
    TOLD_OF_NOT_ISSUING,
    AdviceToRequest,
    CaseContext,
    Message,
    Plan,
    plan,
)
from ehcp.domain.roles import ContributorRole
from ehcp.domain.stages import CaseStage

REF = "EHC-1"
RECEIVED = date(2026, 1, 5)
DECIDED = date(2026, 2, 10)
REQUESTED = date(2026, 2, 11)
ADVICE_DUE = date(2026, 3, 25)
SERVED = date(2026, 4, 1)

ASSESS = {"decided_on": DECIDED, "outcome": "assess", "notified_on": DECIDED}
NOT_ASSESS = {"decided_on": DECIDED, "outcome": "not_assess", "notified_on": DECIDED}
ISSUE = {"decided_on": date(2026, 3, 30), "outcome": "issue"}
NOT_ISSUE = {"decided_on": date(2026, 3, 30), "outcome": "not_issue", "notified_on": date(2026, 3, 30)}

# Health's ladder: a reminder a week before, a chaser on the day, the service's
# manager five days late and the head of service ten days late.
LADDER = Ladder(
    advice={
        "default": (
            Rung(at=-7, send="reminder", to="contributor"),
            Rung(at=0, send="chaser", to="contributor"),
            Rung(at=5, send="escalation", to="contributor_manager"),
            Rung(at=10, send="escalation", to="head_of_service"),
        )
    }
)
RUNGS = ("advice_reminder", "advice_chaser", "advice_escalation")


def facts(**more) -> CaseFacts:
    more.setdefault("received_on", RECEIVED)
    return CaseFacts(**more)


def advice(key="health", role="health", requested_on=REQUESTED, **more) -> dict:
    return {"key": key, "role": role, "requested_on": requested_on, **more}


def context(**more) -> CaseContext:
    defaults = {
        "ref": REF,
        "family": ("family:1",),
        "has_setting": True,
        "notice_parties": ("health", "social_care"),
        "advisers": (ContributorRole.HEALTH, ContributorRole.PSYCHOLOGICAL),
    }
    return CaseContext(**{**defaults, **more})


def chasing(**more) -> CaseContext:
    """A council with the ladder, health's manager and the head of service reachable."""
    more.setdefault("ladder", LADDER)
    more.setdefault("managers", (ContributorRole.HEALTH,))
    more.setdefault("contacts", ("head_of_service",))
    return context(**more)


def run(case: CaseFacts, today: date, ctx: CaseContext | None = None, done=(), drafted=()) -> Plan:
    return plan(
        case,
        timeline=compute_timeline(case, today=today),
        context=ctx or context(),
        done_messages=frozenset(done),
        done_documents=frozenset(drafted),
        today=today,
    )


def everything(result: Plan) -> dict:
    """What a step that did all the work leaves behind: its message keys and documents."""
    return {
        "done": {message.key(REF) for message in result.work.messages},
        "drafted": set(result.work.documents),
    }


def recipients(result: Plan, purpose: str) -> set[str]:
    return {message.recipient for message in result.work.messages if message.purpose == purpose}


def rungs(result: Plan) -> set[tuple[str, str, date]]:
    return {
        (message.purpose, message.recipient, message.on)
        for message in result.work.messages
        if message.purpose in RUNGS
    }


def rungs_about(result: Plan, advice_key: str) -> set[tuple[str, str]]:
    return {
        (message.purpose, message.recipient)
        for message in result.work.messages
        if message.purpose in RUNGS and message.about == advice_key
    }


def only(result: Plan, purpose: str, recipient: str) -> Message:
    [message] = [m for m in result.work.messages if (m.purpose, m.recipient) == (purpose, recipient)]
    return message


# -- a new request ------------------------------------------------------------


def test_a_new_request_is_acknowledged_to_every_family_contact_with_the_decision_due_date():
    result = run(facts(), RECEIVED, context(family=("family:1", "family:2")))
    assert only(result, "acknowledgement", "family:2") == Message(
        "acknowledgement", "family:2", date(2026, 2, 16), attach=("acknowledgement_letter",)
    )
    assert recipients(result, "acknowledgement") == {"family:1", "family:2"}
    assert result.work.documents == ("acknowledgement_letter", "considering_notice_letter")


def test_a_new_request_tells_the_regs_4_2_parties_an_assessment_is_being_considered():
    result = run(facts(), RECEIVED)
    assert recipients(result, "considering_notice") == {"notice:health", "notice:social_care", "setting"}
    assert only(result, "considering_notice", "setting").attach == ("considering_notice_letter",)


@pytest.mark.parametrize(
    ("notice_parties", "has_setting", "told"),
    [
        (("health",), True, {"notice:health", "setting"}),
        (("social_care",), False, {"notice:social_care"}),
        ((), False, set()),
    ],
)
def test_notices_go_only_to_the_parties_the_council_can_reach(notice_parties, has_setting, told):
    result = run(facts(), RECEIVED, context(notice_parties=notice_parties, has_setting=has_setting))
    assert recipients(result, "considering_notice") == told


def test_a_new_request_waits_for_the_decision_whether_to_assess_and_asks_no_advice():
    result = run(facts(), RECEIVED)
    assert result.stage is CaseStage.CONSIDERING
    assert result.waiting_for == ("the panel's decision whether to assess (due 2026-02-16)",)
    assert result.work.advice == ()
    assert not result.closed


@pytest.mark.parametrize(
    ("today", "ladder", "wake_on"),
    [
        (RECEIVED, Ladder(), date(2026, 2, 16)),  # the decision's due day
        (date(2026, 2, 16), Ladder(), date(2026, 2, 17)),  # the day it is breached
        (date(2026, 2, 17), Ladder(), date(2026, 4, 13)),  # then the draft target
        (
            RECEIVED,
            Ladder(limits={"decision_to_assess": LimitAlerts(warn_before=(7,))}),
            date(2026, 2, 9),  # the coordinator's warning comes first
        ),
    ],
)
def test_a_new_request_wakes_on_the_next_day_something_falls_due(today, ladder, wake_on):
    assert run(facts(), today, context(ladder=ladder)).wake_on == wake_on


def test_once_the_first_look_is_done_a_new_request_has_nothing_left_to_do():
    first = run(facts(), RECEIVED)
    again = run(facts(), date(2026, 1, 20), **everything(first))
    assert again.work.is_empty
    assert again.waiting_for == first.waiting_for


# -- the decision to assess -------------------------------------------------


def test_requests_advice_from_every_configured_adviser_after_the_decision_to_assess():
    result = run(facts(decision_to_assess=ASSESS), DECIDED)
    assert result.stage is CaseStage.ASSESSING
    assert result.work.advice == (
        AdviceToRequest("family", ContributorRole.PARENT_OR_YOUNG_PERSON),
        AdviceToRequest("setting", ContributorRole.EDUCATIONAL),
        AdviceToRequest("health", ContributorRole.HEALTH),
        AdviceToRequest("psychological", ContributorRole.PSYCHOLOGICAL),
    )


@pytest.mark.parametrize(
    ("role", "key"),
    [
        (ContributorRole.SOCIAL_CARE, "social-care"),
        (ContributorRole.PREPARATION_FOR_ADULTHOOD, "preparation-for-adulthood"),
    ],
)
def test_an_advisers_request_is_keyed_by_its_role_in_kebab_case(role, key):
    result = run(facts(decision_to_assess=ASSESS), DECIDED, context(advisers=(role,)))
    assert AdviceToRequest(key, role) in result.work.advice


def test_the_family_and_the_setting_are_asked_for_advice_only_when_they_can_be_reached():
    result = run(facts(decision_to_assess=ASSESS), DECIDED, context(family=(), has_setting=False))
    assert [item.key for item in result.work.advice] == ["health", "psychological"]


def test_advice_already_requested_is_never_requested_again():
    case = facts(
        decision_to_assess=ASSESS,
        advice=[
            advice("family", "parent_or_young_person"),
            advice("health"),
            advice("setting", "educational"),
        ],
    )
    result = run(case, REQUESTED)
    assert result.work.advice == (AdviceToRequest("psychological", ContributorRole.PSYCHOLOGICAL),)


def test_the_decision_to_assess_goes_to_the_family_and_the_parties_regs_5_2_names():
    assert TOLD_OF_ASSESSMENT_DECISION == ("notice:health", "notice:social_care", "setting")
    result = run(facts(decision_to_assess=ASSESS), DECIDED, context(family=("family:1", "family:2")))
    assert recipients(result, "decision_to_assess") == {
        "family:1",
        "family:2",
        "notice:health",
        "notice:social_care",
        "setting",
    }
    assert only(result, "decision_to_assess", "family:1").attach == ("decision_to_assess_letter",)
    assert "decision_to_assess_letter" in result.work.documents


def test_each_adviser_asked_gets_a_letter_with_the_date_their_six_weeks_end():
    case = facts(
        decision_to_assess=ASSESS,
        advice=[advice("health"), advice("ep", "psychological", date(2026, 2, 20))],
    )
    result = run(case, date(2026, 2, 20))
    assert only(result, "advice_request", "adviser:health") == Message(
        "advice_request", "adviser:health", ADVICE_DUE, attach=("advice_request_letter:health",)
    )
    assert only(result, "advice_request", "adviser:ep").due_on == date(2026, 4, 3)
    assert {"advice_request_letter:health", "advice_request_letter:ep"} <= set(result.work.documents)


def test_existing_advice_accepted_under_regs_6_4_is_not_asked_for_again():
    case = facts(decision_to_assess=ASSESS, advice=[advice("health", existing_advice_accepted=True)])
    result = run(case, REQUESTED)
    assert recipients(result, "advice_request") == set()
    assert "advice_request_letter:health" not in result.work.documents
    assert not any("health" in wait for wait in result.waiting_for)


def test_re_planning_after_each_step_returns_only_what_is_left():
    first = everything(run(facts(), RECEIVED))
    decided = run(facts(decision_to_assess=ASSESS), DECIDED, **first)
    assert {message.purpose for message in decided.work.messages} == {"decision_to_assess"}
    assert decided.work.documents == ("decision_to_assess_letter",)

    so_far = everything(decided)
    so_far = {"done": first["done"] | so_far["done"], "drafted": first["drafted"] | so_far["drafted"]}
    asked = facts(
        decision_to_assess=ASSESS,
        advice=[advice(item.key, item.role, DECIDED) for item in decided.work.advice],
    )
    letters = run(asked, DECIDED, **so_far)
    assert letters.work.advice == ()
    assert {(m.purpose, m.recipient) for m in letters.work.messages} == {
        ("advice_request", "adviser:family"),
        ("advice_request", "adviser:setting"),
        ("advice_request", "adviser:health"),
        ("advice_request", "adviser:psychological"),
    }

    rest = everything(letters)
    done = {"done": so_far["done"] | rest["done"], "drafted": so_far["drafted"] | rest["drafted"]}
    assert run(asked, date(2026, 2, 12), **done).work.is_empty


def test_while_assessing_the_case_waits_for_each_outstanding_adviser_and_the_issue_decision():
    case = facts(
        decision_to_assess=ASSESS,
        advice=[
            advice("health"),
            advice("ep", "psychological", date(2026, 2, 20)),
            advice("setting", "educational", received_on=date(2026, 3, 2)),
        ],
    )
    assert run(case, date(2026, 3, 3)).waiting_for == (
        "health advice (health), due 2026-03-25",
        "psychological advice (ep), due 2026-04-03",
        "the decision whether to issue a plan (a decision not to issue is due by 2026-04-27)",
    )


def test_the_send_team_hears_of_each_advice_as_it_arrives():
    case = facts(decision_to_assess=ASSESS, advice=[advice(received_on=date(2026, 3, 2))])
    assert only(run(case, date(2026, 3, 2)), "advice_received", "send_team") == Message(
        "advice_received", "send_team", about="health", on=date(2026, 3, 2)
    )


def test_the_family_hears_where_advice_stands_once_the_last_due_date_comes():
    case = facts(
        decision_to_assess=ASSESS,
        advice=[advice("health"), advice("ep", "psychological", date(2026, 2, 20))],
    )
    assert recipients(run(case, date(2026, 4, 2)), "advice_status") == set()  # health is late, ep not yet
    assert only(run(case, date(2026, 4, 3)), "advice_status", "family:1") == Message(
        "advice_status", "family:1", date(2026, 4, 3), on=date(2026, 4, 3)
    )


def test_the_family_hears_when_all_the_advice_is_in_dated_by_the_last_to_arrive():
    case = facts(
        decision_to_assess=ASSESS,
        advice=[
            advice("health", received_on=date(2026, 3, 20)),
            advice("ep", "psychological", received_on=date(2026, 3, 10)),
        ],
    )
    result = run(case, date(2026, 3, 20))
    assert only(result, "advice_complete", "family:1") == Message(
        "advice_complete", "family:1", on=date(2026, 3, 20)
    )
    assert recipients(result, "advice_status") == set()


def test_advice_gone_ahead_without_counts_as_settled_and_the_family_hears_once_the_rest_is_in():
    case = facts(
        decision_to_assess=ASSESS,
        advice=[
            advice("health", gap_reason="not_received_after_escalation"),
            advice("ep", "psychological", received_on=date(2026, 3, 10)),
        ],
    )
    result = run(case, date(2026, 4, 6))
    assert only(result, "advice_complete", "family:1").on == date(2026, 3, 10)
    assert recipients(result, "proceeding_without_advice") == {"family:1"}


def test_when_the_council_goes_ahead_without_every_piece_of_advice_the_run_does_not_fail():
    # Nothing came: there is no "all the advice is in" to tell (max() of nothing once
    # crashed the run); the family hears of each gap instead.
    case = facts(decision_to_assess=ASSESS, advice=[advice(gap_reason="not_received_after_escalation")])
    result = run(case, date(2026, 4, 6))
    assert recipients(result, "advice_complete") == set()
    assert recipients(result, "proceeding_without_advice") == {"family:1"}


# -- decisions that end the case ------------------------------------------


def test_a_decision_not_to_assess_goes_to_the_family_and_the_regs_4_2_parties_and_ends_the_case():
    result = run(facts(decision_to_assess=NOT_ASSESS), DECIDED, chasing())
    assert recipients(result, "decision_not_to_assess") == {
        "family:1",
        "notice:health",
        "notice:social_care",
        "setting",
    }
    assert only(result, "decision_not_to_assess", "family:1").attach == ("decision_not_to_assess_letter",)
    assert recipients(result, "decision_to_assess") == set()
    assert result.work.advice == ()
    assert (result.stage, result.waiting_for, result.wake_on) == (CaseStage.NOT_ASSESSED, (), None)


def test_a_decision_not_to_issue_goes_to_the_family_the_icb_and_the_setting_but_not_social_care():
    # Regs 10(2): the responsible commissioning body and the person notified under 4(2)(c) or (d).
    assert TOLD_OF_NOT_ISSUING == ("notice:health", "setting")
    case = facts(decision_to_assess=ASSESS, advice=[advice()], decision_to_issue=NOT_ISSUE)
    result = run(case, NOT_ISSUE["decided_on"], chasing())
    assert recipients(result, "decision_not_to_issue") == {"family:1", "notice:health", "setting"}
    assert "decision_not_to_issue_letter" in result.work.documents
    assert "draft_plan" not in result.work.documents


def test_after_a_decision_not_to_issue_outstanding_advice_is_no_longer_chased_or_waited_for():
    case = facts(decision_to_assess=ASSESS, advice=[advice()], decision_to_issue=NOT_ISSUE)
    result = run(case, date(2026, 4, 4), chasing())
    assert rungs(result) == set()
    assert result.work.advice == ()
    assert (result.stage, result.waiting_for, result.wake_on) == (CaseStage.NOT_ISSUED, (), None)


# -- the chasing ladder ----------------------------------------------------


@pytest.mark.parametrize(
    ("today", "sent"),
    [
        (date(2026, 3, 17), set()),
        (date(2026, 3, 18), {("advice_reminder", "adviser:health", date(2026, 3, 18))}),
        (ADVICE_DUE, {("advice_chaser", "adviser:health", ADVICE_DUE)}),
        (
            date(2026, 3, 30),
            {
                ("advice_chaser", "adviser:health", ADVICE_DUE),
                ("advice_escalation", "manager:health", date(2026, 3, 30)),
            },
        ),
        (
            date(2026, 4, 4),
            {
                ("advice_chaser", "adviser:health", ADVICE_DUE),
                ("advice_escalation", "manager:health", date(2026, 3, 30)),
                ("advice_escalation", "contact:head_of_service", date(2026, 4, 4)),
            },
        ),
    ],
)
def test_only_the_rungs_whose_day_has_come_are_sent(today, sent):
    case = facts(decision_to_assess=ASSESS, advice=[advice()])
    assert rungs(run(case, today, chasing())) == sent


def test_a_rung_is_about_its_advice_and_keyed_by_the_due_date_and_its_own_day():
    case = facts(decision_to_assess=ASSESS, advice=[advice()])
    reminder = only(run(case, date(2026, 3, 18), chasing()), "advice_reminder", "adviser:health")
    assert reminder == Message(
        "advice_reminder", "adviser:health", ADVICE_DUE, about="health", on=date(2026, 3, 18)
    )
    assert reminder.key(REF) == "EHC-1:advice_reminder:adviser:health:2026-03-25:health@2026-03-18"


def test_a_rung_already_sent_is_not_sent_again_on_a_later_look():
    case = facts(decision_to_assess=ASSESS, advice=[advice()])
    chaser = only(run(case, ADVICE_DUE, chasing()), "advice_chaser", "adviser:health")
    later = run(case, date(2026, 3, 27), chasing(), done={chaser.key(REF)})
    assert rungs(later) == set()


def test_escalations_go_only_to_the_managers_and_contacts_the_council_has():
    case = facts(decision_to_assess=ASSESS, advice=[advice()])
    result = run(case, date(2026, 4, 4), chasing(managers=(), contacts=()))
    assert rungs(result) == {("advice_chaser", "adviser:health", ADVICE_DUE)}


@pytest.mark.parametrize(
    ("today", "wake_on"),
    [
        (REQUESTED, date(2026, 3, 18)),  # the reminder
        (date(2026, 3, 18), ADVICE_DUE),  # the chaser, on the due day
        (ADVICE_DUE, date(2026, 3, 26)),  # the day the limit is breached
        (date(2026, 3, 26), date(2026, 3, 30)),  # the manager's escalation
        (date(2026, 3, 30), date(2026, 4, 4)),  # the head of service's
        (date(2026, 4, 4), date(2026, 4, 13)),  # then the draft target
    ],
)
def test_the_case_wakes_on_the_next_rungs_day(today, wake_on):
    case = facts(decision_to_assess=ASSESS, advice=[advice()])
    assert run(case, today, chasing()).wake_on == wake_on


def test_an_exception_on_an_advisers_limit_stops_its_escalations_but_not_its_chaser():
    case = facts(
        decision_to_assess=ASSESS,
        advice=[advice("health"), advice("ep", "psychological")],
        exceptions=[
            {"ground": "missed_appointment", "starts_on": date(2026, 3, 1), "limit_key": "advice:health"}
        ],
    )
    managers = (ContributorRole.HEALTH, ContributorRole.PSYCHOLOGICAL)
    result = run(case, date(2026, 4, 4), chasing(managers=managers))
    assert rungs_about(result, "health") == {("advice_chaser", "adviser:health")}
    # The other adviser, with no exception, is escalated as usual.
    assert rungs_about(result, "ep") == {
        ("advice_chaser", "adviser:ep"),
        ("advice_escalation", "manager:psychological"),
        ("advice_escalation", "contact:head_of_service"),
    }


def test_an_exception_recorded_before_the_due_date_does_not_stop_the_reminder():
    case = facts(
        decision_to_assess=ASSESS,
        advice=[advice()],
        exceptions=[
            {"ground": "missed_appointment", "starts_on": date(2026, 3, 1), "limit_key": "advice:health"}
        ],
    )
    assert rungs(run(case, date(2026, 3, 18), chasing())) == {
        ("advice_reminder", "adviser:health", date(2026, 3, 18))
    }


def test_chasing_stops_once_the_advice_arrives():
    case = facts(decision_to_assess=ASSESS, advice=[advice(received_on=date(2026, 3, 20))])
    result = run(case, date(2026, 4, 4), chasing())
    assert rungs(result) == set()
    assert not any("(health), due" in wait for wait in result.waiting_for)


def test_advice_still_owed_is_chased_after_the_decision_to_issue_until_a_gap_is_recorded():
    case = facts(decision_to_assess=ASSESS, advice=[advice()], decision_to_issue=ISSUE)
    assert ("advice_escalation", "manager:health") in {
        (p, r) for p, r, _ in rungs(run(case, date(2026, 4, 4), chasing()))
    }
    gap = facts(
        decision_to_assess=ASSESS,
        advice=[advice(gap_reason="not_received_after_escalation")],
        decision_to_issue=ISSUE,
    )
    assert rungs(run(gap, date(2026, 4, 4), chasing())) == set()


def test_the_family_is_told_of_each_exception_with_its_notice():
    case = facts(
        decision_to_assess=ASSESS,
        advice=[advice()],
        exceptions=[
            {"ground": "missed_appointment", "starts_on": date(2026, 3, 1), "limit_key": "advice:health"}
        ],
    )
    result = run(case, date(2026, 3, 2))
    letter = "exception_notice_letter:missed_appointment:2026-03-01:advice:health"
    assert letter in result.work.documents
    assert only(result, "exception_applied", "family:1") == Message(
        "exception_applied",
        "family:1",
        attach=(letter,),
        about="missed_appointment:2026-03-01:advice:health",
        on=date(2026, 3, 1),
    )


# -- warnings, breaches and failures -------------------------------------------


ALERTS = Ladder(
    limits={"decision_to_assess": LimitAlerts(warn_before=(7,), alert_on_breach=("head_of_service",))}
)


def test_the_coordinator_is_warned_before_a_limit_falls_due():
    result = run(facts(), date(2026, 2, 9), context(ladder=ALERTS, contacts=("head_of_service",)))
    assert only(result, "limit_warning", "send_team") == Message(
        "limit_warning", "send_team", date(2026, 2, 16), about="decision_to_assess", on=date(2026, 2, 9)
    )
    assert recipients(run(facts(), date(2026, 2, 8), context(ladder=ALERTS)), "limit_warning") == set()


def test_the_named_contacts_are_alerted_the_day_after_a_limit_is_breached():
    ctx = context(ladder=ALERTS, contacts=("head_of_service",))
    assert recipients(run(facts(), date(2026, 2, 16), ctx), "limit_breached") == set()
    assert only(run(facts(), date(2026, 2, 17), ctx), "limit_breached", "contact:head_of_service") == Message(
        "limit_breached",
        "contact:head_of_service",
        date(2026, 2, 16),
        about="decision_to_assess",
        on=date(2026, 2, 17),
    )


def test_no_breach_alert_when_the_decision_came_in_time():
    ctx = context(ladder=ALERTS, contacts=("head_of_service",))
    assert (
        recipients(run(facts(decision_to_assess=ASSESS), date(2026, 2, 20), ctx), "limit_breached") == set()
    )


def test_the_coordinator_hears_of_each_message_the_relay_refused():
    result = run(facts(), RECEIVED, context(failed_messages=("EHC-1:acknowledgement:family:1:2026-02-16",)))
    assert only(result, "message_failed", "send_team").about == "EHC-1:acknowledgement:family:1:2026-02-16"


# -- the draft plan ------------------------------------------------------------


def test_a_decision_to_issue_asks_for_the_draft_and_waits_for_the_coordinator_to_serve_it():
    case = facts(decision_to_assess=ASSESS, decision_to_issue=ISSUE)
    result = run(case, ISSUE["decided_on"])
    assert result.stage is CaseStage.DRAFTING
    assert "working_draft" in result.work.documents
    assert "draft_plan" not in result.work.documents  # only the caseworker's version is served
    assert only(result, "draft_ready", "send_team").attach == ("working_draft",)
    assert result.waiting_for == ("the coordinator to serve the draft plan (target 2026-04-13)",)


def test_the_draft_goes_to_the_family_with_the_last_of_their_fifteen_days():
    # Regs 13(1): 15 days beginning with the day the draft is served, so served + 14.
    case = facts(decision_to_assess=ASSESS, draft_served_on=SERVED)
    result = run(case, SERVED)
    assert result.stage is CaseStage.DRAFT_SERVED
    # Keyed by the day it was sent (serving a new version sends it again); the 15 days
    # run from the day it reached the family, which the clock reads from the outbox.
    assert only(result, "draft_plan", "family:1") == Message(
        "draft_plan", "family:1", None, attach=("draft_plan_letter", "draft_plan"), on=SERVED
    )
    assert recipients(result, "draft_ready") == set()
    [window] = [wait for wait in result.waiting_for if wait.startswith("the family's 15 days")]
    assert window.endswith("run to 2026-04-15 (Regs 13(1)(a)); the plan can be finalised from 2026-04-16")


@pytest.mark.parametrize(
    ("today", "wake_on"),
    [
        (SERVED, date(2026, 4, 15)),  # the last of the family's 15 days
        (date(2026, 4, 15), date(2026, 4, 16)),  # the first day the final plan may go
    ],
)
def test_a_served_draft_wakes_the_case_at_the_end_of_the_familys_window(today, wake_on):
    case = facts(decision_to_assess=ASSESS, draft_served_on=SERVED)
    assert run(case, today, context(named_setting="Oak School")).wake_on == wake_on


def test_once_everything_is_in_the_case_waits_only_for_the_coordinator_to_finalise():
    case = facts(
        decision_to_assess=ASSESS,
        draft_served_on=SERVED,
        consultations=[
            {"key": "oak", "sent_on": SERVED, "answered_on": date(2026, 4, 8), "setting_name": "Oak"}
        ],
        named_setting="Oak",
        named_setting_type="special_school",
    )
    waits = run(case, date(2026, 4, 16), context(named_setting="Oak")).waiting_for
    assert waits == ("the coordinator to finalise the plan (due 2026-05-25); nothing issues it by itself",)


def test_nothing_issues_the_final_plan_by_itself_however_long_the_case_waits():
    # The review's finding: the plan used to issue itself the day after the family's 15 days.
    case = facts(
        decision_to_assess=ASSESS,
        advice=[advice()],  # health's advice never came
        draft_served_on=SERVED,
        named_setting="Oak",
        named_setting_type="special_school",
    )
    alerts = LimitAlerts(warn_before=(7,), alert_on_breach=("head_of_service",))
    ladder = Ladder(advice=LADDER.advice, limits={"final_plan": alerts})
    ctx = chasing(named_setting="Oak", named_setting_reachable=True, ladder=ladder)
    for offset in range(0, 120, 3):
        result = run(case, SERVED + timedelta(days=offset), ctx)
        assert recipients(result, "final_plan") == set()
        assert "final_plan" not in result.work.documents
    late = run(case, date(2026, 5, 26), ctx)
    assert ("limit_breached", "final_plan") in {(m.purpose, m.about) for m in late.work.messages}
    assert any("advice 'health'" in wait for wait in late.waiting_for)


def test_going_ahead_without_advice_is_told_to_the_family():
    case = facts(
        decision_to_assess=ASSESS,
        advice=[advice(gap_reason="not_received_after_escalation")],
        draft_served_on=SERVED,
    )
    result = run(case, date(2026, 4, 20))
    assert only(result, "proceeding_without_advice", "family:1").about == "health"
    assert not any("advice 'health'" in wait for wait in result.waiting_for)


def test_the_final_plan_waits_for_section_i_to_name_the_type_of_institution():
    case = facts(decision_to_assess=ASSESS, draft_served_on=SERVED)
    result = run(case, date(2026, 5, 1), context(named_setting=None))
    assert "section I must name the type of school or institution (s.40(2))" in result.waiting_for


def test_a_consulted_setting_gets_the_draft_and_is_waited_for_until_it_answers():
    consultation = {"key": "oak-school", "sent_on": date(2026, 4, 2)}
    case = facts(decision_to_assess=ASSESS, draft_served_on=SERVED, consultations=[consultation])
    result = run(case, date(2026, 4, 2))
    assert only(result, "consultation", "consultation:oak-school") == Message(
        "consultation", "consultation:oak-school", date(2026, 4, 17), attach=("draft_plan",)
    )
    assert "consultation 'oak-school' is unanswered and its time runs to 2026-04-17" in result.waiting_for
    answered = facts(
        decision_to_assess=ASSESS,
        draft_served_on=SERVED,
        consultations=[{**consultation, "answered_on": date(2026, 4, 9)}],
    )
    assert not any("oak-school" in wait for wait in run(answered, date(2026, 4, 9)).waiting_for)


# -- the final plan, withdrawal and closed cases ------------------------------


def test_the_final_plan_goes_to_the_family_the_named_setting_and_the_icb():
    assert TOLD_OF_FINAL_PLAN == ("named_setting", "notice:health")
    case = facts(decision_to_assess=ASSESS, draft_served_on=SERVED, final_issued_on=date(2026, 5, 1))
    result = run(case, date(2026, 5, 1), context(named_setting="Oak School", named_setting_reachable=True))
    assert recipients(result, "final_plan") == {"family:1", "named_setting", "notice:health"}
    assert only(result, "final_plan", "family:1").attach == ("final_plan_letter", "final_plan")
    assert only(result, "final_plan", "named_setting").attach == ("final_plan",)
    assert (result.stage, result.waiting_for, result.wake_on) == (CaseStage.PLAN_ISSUED, (), None)


def test_a_withdrawal_is_told_to_the_family_and_the_regs_4_2_parties_and_ends_all_chasing():
    case = facts(decision_to_assess=ASSESS, advice=[advice()], withdrawn_on=date(2026, 3, 20))
    result = run(case, date(2026, 4, 4), chasing())
    assert recipients(result, "withdrawal") == {"family:1", "notice:health", "notice:social_care", "setting"}
    assert rungs(result) == set()
    assert result.work.advice == ()
    assert (result.stage, result.waiting_for, result.wake_on) == (CaseStage.WITHDRAWN, (), None)


def asked(*items: dict) -> dict:
    """Assessing, with these pieces of advice asked for, and the plan's messages sent."""
    case = facts(decision_to_assess=ASSESS, advice=list(items))
    return everything(run(case, REQUESTED, chasing()))


OWED = [
    advice("health", "health"),  # not come
    advice("psychological", "psychological", received_on=date(2026, 3, 1)),  # came
    advice("family", "parent_or_young_person"),  # the family's own views, not come
    advice("setting", "educational", gap_reason="not_received_after_escalation"),  # going ahead without
]


@pytest.mark.parametrize(
    "ended",
    [{"withdrawn_on": date(2026, 3, 20)}, {"decision_to_issue": NOT_ISSUE}],
    ids=["withdrawn", "not_issued"],
)
def test_when_the_assessment_ends_without_a_plan_each_professional_still_owing_advice_is_stood_down(ended):
    case = facts(decision_to_assess=ASSESS, advice=OWED, **ended)
    result = run(case, date(2026, 4, 4), chasing(), **asked(*OWED))
    assert recipients(result, "advice_not_needed") == {"adviser:health", "adviser:setting"}
    assert only(result, "advice_not_needed", "adviser:health").due_on == ADVICE_DUE
    assert recipients(result, "advice_request") == set()
    assert rungs(result) == set()
    assert {"advice_reminder", "advice_chaser", "advice_escalation", "advice_status"} <= set(
        result.stale_purposes
    )


def test_a_request_not_sent_before_the_withdrawal_is_neither_sent_nor_stood_down():
    case = facts(decision_to_assess=ASSESS, advice=[advice()], withdrawn_on=date(2026, 3, 20))
    result = run(case, date(2026, 3, 20), chasing())
    assert recipients(result, "advice_request") == set()
    assert recipients(result, "advice_not_needed") == set()
    assert "advice_request_letter:health" not in result.work.documents
    assert recipients(result, "withdrawal") == {"family:1", "notice:health", "notice:social_care", "setting"}


def test_after_a_final_plan_nobody_is_stood_down_and_late_advice_is_still_chased_no_more():
    owed = advice(gap_reason="not_received_after_escalation")
    case = facts(
        decision_to_assess=ASSESS, advice=[owed], draft_served_on=SERVED, final_issued_on=date(2026, 5, 1)
    )
    result = run(case, date(2026, 5, 1), chasing(), **asked(owed))
    assert recipients(result, "advice_not_needed") == set()
    assert "advice_chaser" not in result.stale_purposes


def test_while_assessing_no_one_is_stood_down_and_nothing_about_advice_is_withdrawn():
    case = facts(decision_to_assess=ASSESS, advice=OWED)
    result = run(case, date(2026, 3, 25), chasing(), **asked(*OWED))
    assert recipients(result, "advice_not_needed") == set()
    assert result.stale_purposes == ("acknowledgement", "considering_notice")


def test_a_withdrawn_case_with_a_served_draft_is_not_given_a_final_plan():
    case = facts(decision_to_assess=ASSESS, draft_served_on=SERVED, withdrawn_on=date(2026, 4, 20))
    result = run(case, date(2026, 5, 1), context(named_setting="Oak School", named_setting_reachable=True))
    assert recipients(result, "final_plan") == set()
    assert result.waiting_for == ()


@pytest.mark.parametrize(
    ("case", "stage"),
    [
        (facts(decision_to_assess=NOT_ASSESS), CaseStage.NOT_ASSESSED),
        (
            facts(decision_to_assess=ASSESS, advice=[advice()], decision_to_issue=NOT_ISSUE),
            CaseStage.NOT_ISSUED,
        ),
        (
            facts(decision_to_assess=ASSESS, draft_served_on=SERVED, final_issued_on=date(2026, 4, 20)),
            CaseStage.PLAN_ISSUED,
        ),
        (
            facts(decision_to_assess=ASSESS, advice=[advice()], withdrawn_on=date(2026, 3, 20)),
            CaseStage.WITHDRAWN,
        ),
    ],
)
def test_a_closed_case_is_closed_only_once_its_last_messages_have_gone(case, stage):
    ctx = chasing(named_setting="Oak School", named_setting_reachable=True)
    pending = run(case, date(2026, 4, 20), ctx)
    assert pending.stage is stage
    assert not pending.work.is_empty
    assert not pending.closed
    settled = run(case, date(2026, 6, 1), ctx, **everything(pending))
    assert settled.work.is_empty
    assert settled.closed
    assert (settled.waiting_for, settled.wake_on) == ((), None)


def test_an_open_case_is_never_closed_even_with_nothing_to_do():
    first = run(facts(), RECEIVED)
    assert not run(facts(), date(2026, 1, 6), **everything(first)).closed


# -- message keys ----------------------------------------------------------------


def test_a_message_key_names_the_case_purpose_recipient_and_due_date():
    assert Message("acknowledgement", "family:1", date(2026, 2, 16)).key(REF) == (
        "EHC-1:acknowledgement:family:1:2026-02-16"
    )
    assert Message("draft_ready", "send_team").key(REF) == "EHC-1:draft_ready:send_team:-"
    assert Message("draft_ready", "send_team").key("EHC-2") != Message("draft_ready", "send_team").key(REF)


def test_about_and_on_make_distinct_keys():
    plain = Message("advice_chaser", "adviser:health", ADVICE_DUE)
    keys = [
        plain.key(REF),
        Message("advice_chaser", "adviser:health", ADVICE_DUE, about="health").key(REF),
        Message("advice_chaser", "adviser:health", ADVICE_DUE, about="ep").key(REF),
        Message("advice_chaser", "adviser:health", ADVICE_DUE, on=ADVICE_DUE).key(REF),
        Message("advice_chaser", "adviser:health", ADVICE_DUE, about="health", on=ADVICE_DUE).key(REF),
        Message("advice_chaser", "adviser:health", ADVICE_DUE, about="health", on=date(2026, 3, 26)).key(REF),
    ]
    assert len(set(keys)) == len(keys)
    assert keys[4] == "EHC-1:advice_chaser:adviser:health:2026-03-25:health@2026-03-25"


def test_the_attachments_are_not_part_of_the_key():
    assert Message("final_plan", "family:1", attach=("final_plan",)).key(REF) == Message(
        "final_plan", "family:1", attach=("final_plan_letter", "final_plan")
    ).key(REF)


def test_planning_the_same_case_again_plans_the_same_keys_on_a_later_day():
    case = facts(decision_to_assess=ASSESS, advice=[advice()])
    on_the_day = {m.key(REF) for m in run(case, REQUESTED).work.messages}
    again = {m.key(REF) for m in run(case, REQUESTED).work.messages}
    later = {m.key(REF) for m in run(case, date(2026, 3, 1)).work.messages}
    assert on_the_day == again
    assert on_the_day == later
    assert "EHC-1:decision_to_assess:family:1:-" in later
    assert "EHC-1:advice_request:adviser:health:2026-03-25" in later


def test_no_warning_to_decide_once_the_decision_is_recorded_and_its_letter_is_on_its_way():
    alerts = Ladder(limits={"decision_to_assess": LimitAlerts(warn_before=(7,))})
    undecided = run(facts(), date(2026, 2, 10), context(ladder=alerts))
    decided_unsent = run(
        facts(decision_to_assess={**ASSESS, "notified_on": None}), date(2026, 2, 10), context(ladder=alerts)
    )
    assert "limit_warning" in {message.purpose for message in undecided.work.messages}
    assert "limit_warning" not in {message.purpose for message in decided_unsent.work.messages}


# -- advice sought per case (domain/advice_plan.py) ---------------------------

YEAR_9_BORN = date(2012, 3, 14)  # 13 on 31 August 2025: Year 9 in 2025/26


def per_case(**more) -> CaseContext:
    advice_case = AdviceCase(
        date_of_birth=more.pop("born", date(2017, 3, 14)),
        setting_name="Example Primary School",
        setting_email=more.pop("setting_email", None),
        hearing_impairment=more.pop("hearing", False),
        services=(
            Service(ContributorRole.HEALTH, "Example ICB", "icb@example.org"),
            Service(ContributorRole.PREPARATION_FOR_ADULTHOOD, "Example PfA team", "pfa@example.org"),
        ),
        professionals=more.pop("professionals", ()),
    )
    return context(advice_case=advice_case, **more)


def test_advice_is_sought_per_case_from_year_9_and_from_professionals_named_at_intake():
    named = (Professional("speech and language therapist", "Example NHS Trust", email="salt@example.org"),)
    younger = run(facts(decision_to_assess=ASSESS), DECIDED, per_case(professionals=named))
    assert [item.key for item in younger.work.advice] == ["family", "setting", "health", "professional-1"]
    older = run(facts(decision_to_assess=ASSESS), DECIDED, per_case(born=YEAR_9_BORN, professionals=named))
    assert "preparation-for-adulthood" in [item.key for item in older.work.advice]
    salt = next(item for item in older.work.advice if item.key == "professional-1")
    assert (salt.role, salt.organisation, salt.email) == (
        ContributorRole.OTHER,
        "Example NHS Trust",
        "salt@example.org",
    )


def test_a_setting_without_an_email_is_still_asked_for_educational_advice():
    result = run(facts(decision_to_assess=ASSESS), DECIDED, per_case(setting_email=None, has_setting=False))
    setting = next(item for item in result.work.advice if item.key == "setting")
    assert setting.role is ContributorRole.EDUCATIONAL and setting.email is None
    assert "by post" in setting.why


def test_existing_advice_agreed_before_the_request_is_stored_as_accepted_not_sent():
    agreed = ExistingAdvice("health", "Paediatric report, December 2025", date(2026, 2, 1))
    result = run(facts(decision_to_assess=ASSESS), DECIDED, per_case(agreed_sufficient=(agreed,)))
    health = next(item for item in result.work.advice if item.key == "health")
    assert health.existing == agreed
    assert next(item for item in result.work.advice if item.key == "family").existing is None


def test_the_family_can_never_be_recorded_as_existing_advice_regs_6_4_covers_b_to_h():
    agreed = ExistingAdvice("family", "Parental views, 2025", date(2026, 2, 1))
    result = run(facts(decision_to_assess=ASSESS), DECIDED, per_case(agreed_sufficient=(agreed,)))
    assert next(item for item in result.work.advice if item.key == "family").existing is None


def test_waiting_names_the_qualified_teacher_the_setting_must_consult_for_a_deaf_child():
    case = facts(decision_to_assess=ASSESS, advice=[advice("setting", "educational")])
    waits = run(case, REQUESTED, per_case(hearing=True)).waiting_for
    assert waits[0] == (
        "educational advice (setting), due 2026-03-25, "
        "given after consulting a qualified teacher of the deaf (Regs 6(3))"
    )


def test_year_9_with_no_preparation_for_adulthood_service_is_a_coordinator_matter_until_someone_is_asked():
    ctx = context(advice_case=AdviceCase(date_of_birth=YEAR_9_BORN, setting_name="Example Primary School"))
    asked = facts(decision_to_assess=ASSESS, advice=[advice("family", "parent_or_young_person")])
    waits = run(asked, REQUESTED, ctx).waiting_for
    assert any(w.startswith("the coordinator to arrange preparation for adulthood advice") for w in waits)
    added = facts(
        decision_to_assess=ASSESS,
        advice=[advice("family", "parent_or_young_person"), advice("pfa-1", "preparation_for_adulthood")],
    )
    assert not any("arrange preparation" in w for w in run(added, REQUESTED, ctx).waiting_for)


def test_a_family_that_did_not_consent_to_sharing_is_a_visible_coordinator_matter_until_decided():
    from ehcp.domain.advice_plan import ShareDecision

    case = facts(decision_to_assess=ASSESS, advice=[advice("health")])
    assert not any("Regs 6(2)" in w for w in run(case, REQUESTED, context()).waiting_for)
    waits = run(case, REQUESTED, context(family_agreed_to_share=False)).waiting_for
    assert any("did not consent at intake" in w and "Regs 6(2)" in w for w in waits)
    decided = context(family_agreed_to_share=False, share_decision=ShareDecision.EXTRACTS_ONLY)
    assert not any("Regs 6(2)" in w for w in run(case, REQUESTED, decided).waiting_for)
