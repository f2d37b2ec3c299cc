"""The statutory clock, limit by limit (../shared/domain/ehc-process.md)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from ehcp.domain.clock import ClockPolicy, DayCounting, LimitState, compute_timeline
from ehcp.domain.facts import CaseFacts
from ehcp.domain.grounds import ExceptionGround
from ehcp.domain.terms import SettingKind, TermCalendar

RECEIVED = date(2026, 1, 5)
DAY_ONE = ClockPolicy(day_counting=DayCounting.START_IS_DAY_ONE)


def timeline(today=date(2026, 1, 5), policy=None, calendars=None, **facts):
    facts.setdefault("received_on", RECEIVED)
    return compute_timeline(CaseFacts(**facts), today=today, policy=policy, calendars=calendars)


def assessed(on=date(2026, 2, 10), notified_on="same day"):
    """A decision to assess, its letter sent to the family the same day unless said otherwise."""
    return {
        "decided_on": on,
        "outcome": "assess",
        "notified_on": on if notified_on == "same day" else notified_on,
    }


def advice(key="health", role="health", requested_on=date(2026, 2, 11), **more):
    return {"key": key, "role": role, "requested_on": requested_on, **more}


# -- due dates -------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "weeks"),
    [
        ("decision_to_assess", 6),
        ("decision_not_to_issue", 16),
        ("draft_plan_target", 14),
        ("final_plan", 20),
    ],
)
def test_la_limits_fall_whole_weeks_after_receipt(key, weeks):
    assert timeline().limit(key).due_on == RECEIVED + timedelta(weeks=weeks)


def test_counting_the_day_of_receipt_as_day_one_brings_each_limit_a_day_earlier():
    zero, one = timeline(), timeline(policy=DAY_ONE)
    for key in ("decision_to_assess", "decision_not_to_issue", "final_plan"):
        assert one.limit(key).due_on == zero.limit(key).due_on - timedelta(days=1)


def test_within_twenty_weeks_means_on_or_before_received_plus_140_days():
    assert timeline().limit("final_plan").due_on == date(2026, 5, 25)
    assert (date(2026, 5, 25) - RECEIVED).days == 140


def test_the_draft_plan_target_is_configurable():
    assert timeline(policy=ClockPolicy(draft_target_weeks=12)).limit("draft_plan_target").due_on == date(
        2026, 3, 30
    )


def test_each_advisers_six_weeks_run_from_that_advisers_own_request():
    result = timeline(
        decision_to_assess=assessed(),
        advice=[
            advice("health", requested_on=date(2026, 2, 11)),
            advice("ep", "psychological", date(2026, 2, 20)),
        ],
    )
    assert result.limit("advice:health").due_on == date(2026, 3, 25)
    assert result.limit("advice:ep").due_on == date(2026, 4, 3)


def test_the_familys_fifteen_days_begin_with_the_day_the_draft_is_served():
    for policy in (None, DAY_ONE):
        result = timeline(policy=policy, decision_to_assess=assessed(), draft_served_on=date(2026, 4, 1))
        assert result.limit("family_comments").due_on == date(2026, 4, 15)


def test_a_consulted_school_answers_within_fifteen_days_of_the_consultation():
    facts = {
        "decision_to_assess": assessed(),
        "draft_served_on": date(2026, 4, 1),
        "consultations": [{"key": "oak-school", "sent_on": date(2026, 4, 2)}],
    }
    assert timeline(**facts).limit("school_consultation:oak-school").due_on == date(2026, 4, 17)
    assert timeline(policy=DAY_ONE, **facts).limit("school_consultation:oak-school").due_on == date(
        2026, 4, 16
    )


@pytest.mark.parametrize(
    ("received", "key", "due"),
    [
        (date(2024, 1, 18), "decision_to_assess", date(2024, 2, 29)),  # lands on a leap day
        (date(2024, 2, 29), "final_plan", date(2024, 7, 18)),  # starts on a leap day
        (date(2023, 12, 20), "final_plan", date(2024, 5, 8)),  # crosses a year end into a leap year
        (date(2025, 12, 15), "decision_to_assess", date(2026, 1, 26)),  # crosses a year end
        (date(2099, 11, 30), "final_plan", date(2100, 4, 19)),  # 2100 is not a leap year
    ],
)
def test_due_dates_cross_year_ends_and_leap_days(received, key, due):
    assert timeline(received_on=received).limit(key).due_on == due


# -- states ----------------------------------------------------------------


def test_a_running_limit_is_due_with_the_days_left_counting_down_to_zero():
    on_due_day = timeline(today=date(2026, 2, 16)).limit("decision_to_assess")
    assert (on_due_day.state, on_due_day.days_remaining) == (LimitState.DUE, 0)
    assert timeline(today=date(2026, 2, 6)).limit("decision_to_assess").days_remaining == 10


def test_a_limit_not_met_by_its_due_day_is_breached_the_day_after():
    result = timeline(today=date(2026, 2, 17)).limit("decision_to_assess")
    assert (result.state, result.days_late, result.days_remaining) == (LimitState.BREACHED, 1, None)


def test_acting_on_the_due_day_meets_the_limit():
    result = timeline(today=date(2026, 6, 1), decision_to_assess=assessed(date(2026, 2, 16)))
    assert result.limit("decision_to_assess").state is LimitState.MET


def test_acting_late_is_a_breach_that_stays_on_the_record():
    result = timeline(today=date(2026, 6, 1), decision_to_assess=assessed(date(2026, 2, 20)))
    limit = result.limit("decision_to_assess")
    assert (limit.state, limit.done_on, limit.days_late) == (
        LimitState.BREACHED,
        date(2026, 2, 20),
        4,
    )


def test_limits_whose_clock_has_not_started_have_no_due_date():
    result = timeline()
    for key in ("advice", "family_comments", "school_consultation"):
        assert (result.limit(key).state, result.limit(key).due_on) == (LimitState.NOT_STARTED, None)


def test_a_decision_not_to_assess_ends_every_later_limit():
    result = timeline(
        today=date(2026, 9, 1),
        decision_to_assess={
            "decided_on": date(2026, 2, 1),
            "outcome": "not_assess",
            "notified_on": date(2026, 2, 1),
        },
    )
    assert result.limit("decision_to_assess").state is LimitState.MET
    for key in (
        "advice",
        "decision_not_to_issue",
        "draft_plan_target",
        "family_comments",
        "final_plan",
    ):
        assert result.limit(key).state is LimitState.NOT_APPLICABLE, key


def test_a_decision_not_to_issue_is_judged_against_week_sixteen_and_ends_the_plan_limits():
    result = timeline(
        today=date(2026, 9, 1),
        decision_to_assess=assessed(),
        decision_to_issue={
            "decided_on": date(2026, 4, 28),
            "outcome": "not_issue",
            "notified_on": date(2026, 4, 28),
        },
    )
    not_issue = result.limit("decision_not_to_issue")
    assert (not_issue.state, not_issue.days_late) == (LimitState.BREACHED, 1)
    for key in ("draft_plan_target", "family_comments", "final_plan"):
        assert result.limit(key).state is LimitState.NOT_APPLICABLE, key


def test_a_decision_to_issue_takes_the_week_sixteen_limit_out_of_play():
    result = timeline(
        today=date(2026, 9, 1),
        decision_to_assess=assessed(),
        decision_to_issue={"decided_on": date(2026, 5, 1), "outcome": "issue"},
    )
    assert result.limit("decision_not_to_issue").state is LimitState.NOT_APPLICABLE
    assert result.limit("final_plan").state is LimitState.BREACHED


def test_no_decision_by_week_sixteen_shows_as_overdue():
    result = timeline(today=date(2026, 4, 28), decision_to_assess=assessed())
    assert result.limit("decision_not_to_issue").state is LimitState.BREACHED


def test_withdrawal_before_a_limit_falls_due_takes_it_out_of_play():
    result = timeline(today=date(2026, 9, 1), decision_to_assess=assessed(), withdrawn_on=date(2026, 3, 1))
    assert result.limit("final_plan").state is LimitState.NOT_APPLICABLE
    assert result.limit("decision_to_assess").state is LimitState.MET


def test_withdrawal_after_a_missed_limit_does_not_erase_the_breach():
    result = timeline(today=date(2026, 9, 1), withdrawn_on=date(2026, 3, 1))
    limit = result.limit("decision_to_assess")
    assert (limit.state, limit.days_late) == (LimitState.BREACHED, 13)


def test_advice_outstanding_when_the_case_ends_counts_as_never_obtained():
    result = timeline(
        today=date(2026, 9, 1),
        decision_to_assess=assessed(),
        advice=[advice(requested_on=date(2026, 2, 11))],
        decision_to_issue={"decided_on": date(2026, 4, 20), "outcome": "not_issue"},
    )
    assert result.limit("advice:health").state is LimitState.BREACHED


def test_existing_advice_accepted_under_regs_6_4_has_no_limit():
    result = timeline(decision_to_assess=assessed(), advice=[advice(existing_advice_accepted=True)])
    limit = result.limit("advice:health")
    assert (limit.state, limit.basis, limit.due_on) == (
        LimitState.NOT_APPLICABLE,
        "Regs 6(4)",
        None,
    )


def test_the_familys_window_runs_then_ends_and_is_breached_by_an_early_final_plan():
    facts = {"decision_to_assess": assessed(), "draft_served_on": date(2026, 4, 1)}
    running = timeline(today=date(2026, 4, 15), **facts).limit("family_comments")
    assert (running.state, running.days_remaining) == (LimitState.DUE, 0)
    assert timeline(today=date(2026, 4, 16), **facts).limit("family_comments").state is LimitState.MET
    early = timeline(today=date(2026, 5, 1), final_issued_on=date(2026, 4, 15), **facts)
    assert early.limit("family_comments").state is LimitState.BREACHED
    in_time = timeline(today=date(2026, 5, 1), final_issued_on=date(2026, 4, 16), **facts)
    assert in_time.limit("family_comments").state is LimitState.MET


def test_the_final_plan_on_the_last_day_of_week_twenty_meets_the_limit():
    result = timeline(
        today=date(2026, 6, 1),
        decision_to_assess=assessed(),
        draft_served_on=date(2026, 4, 1),
        final_issued_on=date(2026, 5, 25),
        final_sent_on=date(2026, 5, 25),
    )
    assert result.limit("final_plan").state is LimitState.MET


def test_next_due_on_is_the_earliest_limit_still_waiting():
    assert timeline(today=date(2026, 1, 6)).next_due_on == date(2026, 2, 16)
    # Overdue limits still wait for someone to act.
    assert timeline(today=date(2026, 3, 1)).next_due_on == date(2026, 2, 16)
    assert timeline(today=date(2026, 3, 1), decision_to_assess=assessed()).next_due_on == date(2026, 4, 13)


# -- exceptions (Regs 5(4), 8(2), 10(4), 13(3)) -------------------------------


def circumstances(limit_key="decision_to_assess", starts_on=date(2026, 1, 20), **more):
    return {
        "ground": "exceptional_personal_circumstances",
        "limit_key": limit_key,
        "starts_on": starts_on,
        **more,
    }


def test_an_exception_recorded_against_a_limit_turns_its_late_act_into_disapplied_without_moving_the_date():
    plain = timeline(today=date(2026, 3, 1)).limit("decision_to_assess")
    excused = timeline(today=date(2026, 3, 1), exceptions=[circumstances()]).limit("decision_to_assess")
    assert (plain.state, excused.state) == (LimitState.BREACHED, LimitState.DISAPPLIED)
    assert excused.due_on == plain.due_on
    assert excused.days_late == plain.days_late == 13  # the days late stay on the record
    assert [item.ground for item in excused.exceptions] == [
        ExceptionGround.EXCEPTIONAL_PERSONAL_CIRCUMSTANCES
    ]


def test_an_exception_excuses_only_the_limit_it_was_recorded_against():
    # The review's case: a short ground early on used to excuse every later breach it overlapped.
    result = timeline(
        today=date(2026, 8, 3),
        decision_to_assess=assessed(date(2026, 2, 20)),  # 4 days late
        exceptions=[circumstances(starts_on=date(2026, 1, 12), ends_on=date(2026, 1, 14))],
    )
    assert result.limit("decision_to_assess").state is LimitState.DISAPPLIED
    final = result.limit("final_plan")
    assert (final.state, final.days_late, final.exceptions) == (LimitState.BREACHED, 70, ())


def test_an_exception_does_not_excuse_a_limit_met_in_time_or_one_still_running():
    assert timeline(exceptions=[circumstances()], today=date(2026, 2, 1)).limit(
        "decision_to_assess"
    ).state is (LimitState.DUE)
    met = timeline(
        exceptions=[circumstances()], today=date(2026, 3, 1), decision_to_assess=assessed(date(2026, 2, 2))
    )
    assert met.limit("decision_to_assess").state is LimitState.MET


def test_an_act_long_after_the_ground_ended_is_flagged_as_not_as_soon_as_practicable():
    ended = circumstances(ends_on=date(2026, 2, 10))
    prompt = timeline(
        today=date(2026, 3, 1), decision_to_assess=assessed(date(2026, 2, 20)), exceptions=[ended]
    )
    slow = timeline(
        today=date(2026, 4, 1), decision_to_assess=assessed(date(2026, 3, 30)), exceptions=[ended]
    )
    assert prompt.limit("decision_to_assess").flags == ()  # 10 days after it ended
    [flag] = slow.limit("decision_to_assess").flags  # 48 days after it ended
    assert "48 days after the ground ended (2026-02-10)" in flag and "as soon as practicable" in flag


def test_a_missed_appointment_excuses_only_that_advisers_limit():
    result = timeline(
        today=date(2026, 6, 1),
        decision_to_assess=assessed(),
        advice=[advice("health"), advice("social-care", "social_care")],
        exceptions=[
            {"ground": "missed_appointment", "limit_key": "advice:health", "starts_on": date(2026, 3, 1)}
        ],
    )
    assert result.limit("advice:health").state is LimitState.DISAPPLIED
    assert result.limit("advice:social-care").state is LimitState.BREACHED
    assert result.limit("final_plan").state is LimitState.BREACHED


@pytest.mark.parametrize(
    ("role", "statutory", "basis"),
    [
        ("health", True, "Regs 8(1)"),
        ("social_care", True, "Regs 8(1)"),
        ("psychological", False, "Regs 6(1)"),  # the council's own EP service
        ("educational", False, "Regs 6(1)"),  # the school
        ("parent_or_young_person", False, "Regs 6(1)"),  # the family
    ],
)
def test_regs_8_binds_only_bodies_asked_under_section_31(role, statutory, basis):
    limit = timeline(today=date(2026, 6, 1), decision_to_assess=assessed(), advice=[advice("x", role)]).limit(
        "advice:x"
    )
    assert (limit.statutory, limit.basis.startswith(basis), limit.due_on) == (
        statutory,
        True,
        date(2026, 3, 25),
    )


# -- limits are met when the family is told (Regs 5(1), 10(1), 13(2)) ----------


def test_a_decision_made_in_time_but_sent_late_breaches_the_limit():
    # The panel decided in week 5; the letter went in week 8.
    late_letter = timeline(
        today=date(2026, 3, 10), decision_to_assess=assessed(date(2026, 2, 9), notified_on=date(2026, 3, 2))
    ).limit("decision_to_assess")
    assert (late_letter.state, late_letter.done_on, late_letter.days_late) == (
        LimitState.BREACHED,
        date(2026, 3, 2),
        14,
    )


def test_a_decision_not_yet_sent_leaves_its_limit_open():
    unsent = timeline(
        today=date(2026, 2, 10), decision_to_assess=assessed(date(2026, 2, 9), notified_on=None)
    )
    limit = unsent.limit("decision_to_assess")
    assert (limit.state, limit.done_on) == (LimitState.DUE, None)
    assert limit in unsent.open_limits


def test_a_refusal_not_yet_sent_is_not_mistaken_for_the_end_of_the_case():
    refusal = {"decided_on": date(2026, 2, 9), "outcome": "not_assess"}
    assert timeline(today=date(2026, 2, 20), decision_to_assess=refusal).limit(
        "decision_to_assess"
    ).state is (LimitState.BREACHED)


def test_the_final_plan_is_judged_by_the_day_it_was_sent():
    facts = {
        "decision_to_assess": assessed(),
        "decision_to_issue": {"decided_on": date(2026, 4, 1), "outcome": "issue"},
        "draft_served_on": date(2026, 4, 20),
        "final_issued_on": date(2026, 5, 25),
    }
    unsent = timeline(today=date(2026, 5, 26), **facts).limit("final_plan")
    sent = timeline(today=date(2026, 5, 26), final_sent_on=date(2026, 5, 25), **facts).limit("final_plan")
    assert (unsent.state, sent.state) == (LimitState.BREACHED, LimitState.MET)


# -- the school-closure exception from term dates: proposed, never applied ----

SCHOOL = TermCalendar(
    kind=SettingKind.SCHOOL,
    terms=[
        {"starts_on": date(2026, 4, 13), "ends_on": date(2026, 7, 22)},
        {"starts_on": date(2026, 9, 3), "ends_on": date(2026, 12, 18)},
    ],
)
NURSERY = TermCalendar(kind=SettingKind.EARLY_YEARS, terms=SCHOOL.terms)
SUMMER_CASE = {"received_on": date(2026, 5, 1), "decision_to_assess": assessed(date(2026, 6, 10))}


def _summer(requested_on, role="educational", calendars=None, setting_calendar="school"):
    return timeline(
        today=date(2026, 10, 1),
        calendars=calendars if calendars is not None else {"school": SCHOOL, "nursery": NURSERY},
        setting_calendar=setting_calendar,
        advice=[advice("school-advice", role, requested_on)],
        **SUMMER_CASE,
    )


@pytest.mark.parametrize(
    ("requested_on", "proposed"),
    [
        (date(2026, 7, 15), False),  # the day before the window opens
        (date(2026, 7, 16), True),  # one week before closing (closes 2026-07-23)
        (date(2026, 8, 27), True),  # one week before re-opening (2026-09-03)
        (date(2026, 8, 28), False),
    ],
)
def test_asking_a_head_teacher_from_a_week_before_the_summer_closure_to_a_week_before_reopening(
    requested_on, proposed
):
    final = _summer(requested_on).limit("final_plan")  # due 2026-09-18, not met
    assert (final.state, final.exceptions) == (LimitState.BREACHED, ())  # proposed, never applied
    if proposed:
        [excuse] = final.proposed_exceptions
        assert (excuse.ground, excuse.source) == (ExceptionGround.SCHOOL_CLOSURE, "term_dates")
        assert (excuse.starts_on, excuse.ends_on) == (date(2026, 7, 23), date(2026, 9, 2))
    else:
        assert final.proposed_exceptions == ()


def test_the_school_closure_ground_needs_a_request_to_the_head_teacher():
    assert _summer(date(2026, 7, 20), role="health").limit("final_plan").proposed_exceptions == ()


def test_there_is_no_school_closure_ground_for_an_advisers_limit():
    limit = _summer(date(2026, 7, 20), role="health").limit("advice:school-advice")
    assert (limit.state, limit.proposed_exceptions) == (LimitState.BREACHED, ())


def test_an_early_years_setting_brings_the_early_years_ground_for_the_plan_but_not_the_decision_to_assess():
    final = _summer(date(2026, 7, 20), setting_calendar="nursery").limit("final_plan")
    assert [item.ground for item in final.proposed_exceptions] == [ExceptionGround.EARLY_YEARS_CLOSURE]
    # Regs 5(4) lists no early-years closure: nothing to propose for the 6-week decision.
    early = timeline(
        received_on=date(2026, 7, 1),
        today=date(2026, 9, 1),
        setting_calendar="nursery",
        calendars={"nursery": NURSERY},
        decision_to_assess=assessed(date(2026, 7, 14)),
        advice=[advice("school-advice", "educational", date(2026, 7, 16))],
    )
    assert early.limit("decision_to_assess").proposed_exceptions == ()


def test_a_short_closure_is_no_ground():
    short = TermCalendar(
        kind=SettingKind.SCHOOL,
        terms=[
            {"starts_on": date(2026, 4, 13), "ends_on": date(2026, 7, 22)},
            {"starts_on": date(2026, 8, 19), "ends_on": date(2026, 12, 18)},  # closed 27 days
        ],
    )
    assert (
        _summer(date(2026, 7, 20), calendars={"school": short}).limit("final_plan").proposed_exceptions == ()
    )


def test_missing_term_dates_are_pointed_out_rather_than_guessed():
    unknown = _summer(date(2026, 7, 20), calendars={})
    assert unknown.limit("final_plan").state is LimitState.BREACHED
    assert any("No term dates for calendar 'school'" in note for note in unknown.notes)
    assert _summer(date(2026, 7, 20), calendars={"school": SCHOOL}).notes == ()
    outside = timeline(
        today=date(2027, 10, 1),
        calendars={"school": SCHOOL},
        setting_calendar="school",
        received_on=date(2027, 5, 1),
        decision_to_assess=assessed(date(2027, 6, 1)),
        advice=[advice("school-advice", "educational", date(2027, 7, 20))],
    )
    assert any("do not cover 2027-07-20" in note for note in outside.notes)


def test_a_served_draft_implies_the_decision_to_issue_even_if_unrecorded():
    result = timeline(today=date(2026, 9, 1), decision_to_assess=assessed(), draft_served_on=date(2026, 5, 1))
    assert result.limit("decision_not_to_issue").state is LimitState.NOT_APPLICABLE


def test_a_final_plan_issued_inside_the_familys_window_leaves_nothing_waiting():
    result = timeline(
        today=date(2026, 9, 1),
        decision_to_assess=assessed(date(2026, 2, 1)),
        decision_to_issue={"decided_on": date(2026, 3, 1), "outcome": "issue"},
        draft_served_on=date(2026, 3, 2),
        final_issued_on=date(2026, 3, 5),
        final_sent_on=date(2026, 3, 5),
    )
    assert result.limit("family_comments").state is LimitState.BREACHED
    assert result.open_limits == ()
    assert result.next_due_on is None
