"""The case store keeps the record and refuses an impossible history without writing anything."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func
from sqlmodel import select

from ehcp.db import crud, runs
from ehcp.db.models import (
    AdviceRequest,
    Case,
    CaseEvent,
    Child,
    Decision,
    FamilyContact,
    StatutoryException,
)
from ehcp.domain.clock import LimitState
from ehcp.errors import InvalidInput
from tests.db.factories import (
    CHILD_NAME,
    decide,
    open_case,
    receive_advice,
    record_exception,
    request_advice,
    tell_family,
)

ACTOR = "coordinator:test"
DECIDED_ON = date(2026, 2, 10)


def _counts(session) -> dict[str, int]:
    return {
        model.__tablename__: session.exec(select(func.count()).select_from(model)).one()
        for model in (
            Case,
            Child,
            FamilyContact,
            AdviceRequest,
            Decision,
            StatutoryException,
            CaseEvent,
        )
    }


def test_opening_a_case_allocates_sequential_references_per_year(session, council, now):
    first = open_case(session, council, now=now)
    second = open_case(session, council, now=now)
    other_year = open_case(session, council, now=now, received_on=date(2025, 12, 30))
    assert (first.ref, second.ref, other_year.ref) == (
        "EHC-2026-000001",
        "EHC-2026-000002",
        "EHC-2025-000001",
    )


def test_opening_a_case_stores_people_dates_and_the_first_chronology_entry(session, council, now):
    case = open_case(session, council, now=now, actor=ACTOR)
    assert case.stage == "considering"
    assert (case.decide_to_assess_by, case.decide_not_to_issue_by, case.final_plan_by) == (
        date(2026, 2, 16),
        date(2026, 4, 27),
        date(2026, 5, 25),
    )
    assert case.draft_target_by == date(2026, 4, 13)
    assert case.next_due_on == date(2026, 2, 16)
    child = session.exec(select(Child).where(Child.case_id == case.id)).one()
    assert child.given_names == CHILD_NAME
    [event] = crud.chronology(session, case=case)
    assert (event.kind, event.occurred_on, event.actor) == (
        "request_received",
        date(2026, 1, 5),
        ACTOR,
    )
    assert CHILD_NAME not in event.summary


def test_an_unknown_term_calendar_is_refused_and_nothing_is_stored(session, council, now):
    before = _counts(session)
    with pytest.raises(InvalidInput) as refused:
        open_case(session, council, now=now, setting_calendar="no-such-school")
    assert refused.value.errors[0].field == "setting_calendar"
    assert _counts(session) == before


def test_a_decision_dated_before_the_request_is_refused_and_nothing_changes(session, council, now):
    case = open_case(session, council, now=now)
    before, version = _counts(session), case.version
    with pytest.raises(InvalidInput) as refused:
        decide(session, council, case, on=date(2026, 1, 4), now=now)
    assert refused.value.errors[0].field == "decided_on"
    assert "before the request was received" in str(refused.value)
    session.expire_all()
    assert _counts(session) == before
    assert crud.require_case(session, ref=case.ref).version == version


def test_a_decision_is_recorded_once(session, council, now):
    case = open_case(session, council, now=now)
    decide(session, council, case, on=DECIDED_ON, now=now)
    with pytest.raises(InvalidInput, match="already recorded"):
        decide(session, council, case, on=DECIDED_ON, now=now)
    assert session.exec(select(func.count()).select_from(Decision)).one() == 1


def test_deciding_to_assess_moves_the_stage_and_logs_the_decision(session, council, now):
    case = open_case(session, council, now=now)
    decide(session, council, case, on=DECIDED_ON, now=now)
    session.refresh(case)
    assert case.stage == "assessing"
    assert case.version == 2
    kinds = [event.kind for event in crud.chronology(session, case=case)]
    assert kinds == ["request_received", "decision_assessment"]


def test_advice_is_due_six_weeks_after_that_advisers_own_request(session, council, now):
    case = open_case(session, council, now=now)
    decide(session, council, case, on=DECIDED_ON, now=now)
    health = request_advice(session, council, case, key="health", on=date(2026, 2, 11), now=now)
    ep = request_advice(session, council, case, key="ep", role="psychological", on=date(2026, 2, 20), now=now)
    assert (health.due_on, ep.due_on) == (date(2026, 3, 25), date(2026, 4, 3))


def test_advice_requested_before_the_decision_to_assess_is_refused(session, council, now):
    case = open_case(session, council, now=now)
    decide(session, council, case, on=date(2026, 2, 10), now=now)
    before = _counts(session)
    with pytest.raises(InvalidInput) as refused:
        request_advice(session, council, case, key="health", on=date(2026, 2, 9), now=now)
    assert refused.value.errors[0].field == "advice"
    assert "before the decision to assess" in str(refused.value)
    assert _counts(session) == before


def test_advice_received_before_it_was_requested_is_refused(session, council, now):
    case = open_case(session, council, now=now)
    decide(session, council, case, on=DECIDED_ON, now=now)
    request_advice(session, council, case, key="health", on=date(2026, 2, 11), now=now)
    with pytest.raises(InvalidInput, match="before it was requested"):
        receive_advice(session, council, case, key="health", on=date(2026, 2, 10), now=now)
    session.expire_all()
    assert session.exec(select(AdviceRequest)).one().received_on is None


def test_the_stored_timeline_dates_and_judges_each_limit_from_the_stored_facts(session, council, now):
    # Received Mon 5 Jan 2026; assess decided 10 Feb; the school's advice asked for
    # 10 Feb and received 30 Mar; looked at on 1 Apr.
    case = open_case(session, council, now=now)
    decide(session, council, case, on=date(2026, 2, 10), now=now)
    tell_family(session, case, purpose="decision_to_assess", on=date(2026, 2, 10))
    request_advice(session, council, case, key="school", role="educational", on=date(2026, 2, 10), now=now)
    receive_advice(session, council, case, key="school", on=date(2026, 3, 30), now=now)

    timeline = crud.case_timeline(session, case=case, council=council, today=date(2026, 4, 1))

    assert [(limit.key, limit.due_on, limit.done_on, limit.state) for limit in timeline.limits] == [
        # 6 weeks from the request; decided inside it.
        ("decision_to_assess", date(2026, 2, 16), date(2026, 2, 10), LimitState.MET),
        # 6 weeks from the school's own request; received 6 days late.
        ("advice:school", date(2026, 3, 24), date(2026, 3, 30), LimitState.BREACHED),
        # 16 weeks from the request, still running.
        ("decision_not_to_issue", date(2026, 4, 27), None, LimitState.DUE),
        # The council's 14-week target for the draft, still running.
        ("draft_plan_target", date(2026, 4, 13), None, LimitState.DUE),
        # No draft served and no school consulted: those clocks have not started.
        ("family_comments", None, None, LimitState.NOT_STARTED),
        ("school_consultation", None, None, LimitState.NOT_STARTED),
        # 20 weeks from the request.
        ("final_plan", date(2026, 5, 25), None, LimitState.DUE),
    ]
    school = timeline.limit("advice:school")
    assert (school.due_on, school.state, school.days_late) == (
        date(2026, 3, 24),
        LimitState.BREACHED,
        6,
    )
    assert timeline.limit("draft_plan_target").days_remaining == 12


def test_a_recorded_exception_disapplies_a_late_advisers_limit(session, council, now):
    case = open_case(session, council, now=now)
    decide(session, council, case, on=DECIDED_ON, now=now)
    request_advice(session, council, case, key="health", on=date(2026, 2, 11), now=now)
    record_exception(
        session,
        council,
        case,
        ground="missed_appointment",
        starts_on=date(2026, 3, 2),
        limit_key="advice:health",
        evidence_note="Clinic letter on file.",
        now=now,
    )
    timeline = crud.case_timeline(session, case=case, council=council, today=date(2026, 4, 1))
    health = timeline.limit("advice:health")
    assert health.state is LimitState.DISAPPLIED
    assert [item.ground.value for item in health.exceptions] == ["missed_appointment"]
    # The LA's own limits have no missed-appointment ground.
    assert timeline.limit("final_plan").exceptions == ()


def test_an_absence_shorter_than_four_weeks_is_refused(session, council, now):
    case = open_case(session, council, now=now)
    with pytest.raises(InvalidInput, match="4 continuous weeks") as refused:
        record_exception(
            session,
            council,
            case,
            ground="absence_from_area",
            starts_on=date(2026, 1, 10),
            ends_on=date(2026, 1, 10) + timedelta(days=26),
            evidence_note="Family abroad.",
            now=now,
        )
    assert refused.value.errors[0].field.startswith("exceptions")
    assert session.exec(select(func.count()).select_from(StatutoryException)).one() == 0


def test_a_decision_recorded_late_keeps_its_date_but_its_limit_is_judged_by_the_letter(session, council, now):
    # Decided in week 5 (10 Feb), recorded and sent in week 7 (20 Feb): due 16 Feb.
    case = open_case(session, council, now=now)
    decide(session, council, case, on=date(2026, 2, 10), now=now)
    unsent = crud.case_timeline(session, case=case, council=council, today=date(2026, 2, 20)).limit(
        "decision_to_assess"
    )
    tell_family(session, case, purpose="decision_to_assess", on=date(2026, 2, 20))
    sent = crud.case_timeline(session, case=case, council=council, today=date(2026, 2, 20)).limit(
        "decision_to_assess"
    )
    assert (unsent.state, unsent.done_on) == (LimitState.BREACHED, None)
    assert (sent.state, sent.done_on, sent.days_late) == (LimitState.BREACHED, date(2026, 2, 20), 4)
    decided = [event for event in crud.chronology(session, case=case) if event.kind == "decision_assessment"]
    assert [event.occurred_on for event in decided] == [date(2026, 2, 10)]


@pytest.mark.parametrize(
    ("ground", "limit_key", "field", "words"),
    [
        ("early_years_closure", "decision_to_assess", "exceptions.0", "Regs 5(4) does not list"),
        ("missed_appointment", "final_plan", "exceptions.0", "Regs 13(3) does not list"),
        ("exceptional_personal_circumstances", "advice:school", "exceptions", "not under Regs 8(1)"),
    ],
)
def test_an_exception_the_law_does_not_allow_for_that_limit_is_refused_and_nothing_is_written(
    session, council, now, ground, limit_key, field, words
):
    case = open_case(session, council, now=now)
    decide(session, council, case, on=DECIDED_ON, now=now)
    request_advice(session, council, case, key="school", role="educational", on=DECIDED_ON, now=now)
    before = case.version
    with pytest.raises(InvalidInput) as refused:
        record_exception(
            session, council, case, ground=ground, limit_key=limit_key, starts_on=DECIDED_ON, now=now
        )
    assert (refused.value.errors[0].field, words in str(refused.value)) == (field, True)
    session.rollback()
    assert session.exec(select(func.count()).select_from(StatutoryException)).one() == 0
    assert crud.require_case(session, ref=case.ref).version == before


def test_an_exception_whose_dates_fall_outside_the_limits_run_is_refused(session, council, now):
    case = open_case(session, council, now=now)  # decision_to_assess runs 5 Jan to 16 Feb
    with pytest.raises(InvalidInput) as after:
        record_exception(
            session,
            council,
            case,
            ground="exceptional_personal_circumstances",
            limit_key="decision_to_assess",
            starts_on=date(2026, 2, 17),
            now=now,
        )
    assert after.value.errors[0].field == "starts_on"
    with pytest.raises(InvalidInput) as before:
        record_exception(
            session,
            council,
            case,
            ground="exceptional_personal_circumstances",
            limit_key="decision_to_assess",
            starts_on=date(2025, 12, 1),
            ends_on=date(2026, 1, 4),
            now=now,
        )
    assert before.value.errors[0].field == "ends_on"
    session.rollback()
    assert session.exec(select(func.count()).select_from(StatutoryException)).one() == 0


@pytest.mark.parametrize(
    ("starts_on", "ends_on", "refused"),
    [
        (date(2026, 2, 16), None, None),  # began on the due day: may have caused it
        (date(2026, 2, 17), None, "starts_on"),  # began the day after: cannot have
        (date(2025, 12, 1), date(2026, 1, 5), None),  # ended on the day the limit began
        (date(2025, 12, 1), date(2026, 1, 4), "ends_on"),  # ended the day before
    ],
)
def test_an_exceptions_dates_must_touch_the_limits_run_at_its_edge_days(
    session, council, now, starts_on, ends_on, refused
):
    # Received 5 January: the decision whether to assess runs 5 January to 16 February (Regs 5(1)).
    case = open_case(session, council, now=now)
    exception = {"ground": "exceptional_personal_circumstances", "limit_key": "decision_to_assess"}
    if refused is None:
        record_exception(session, council, case, starts_on=starts_on, ends_on=ends_on, now=now, **exception)
        return
    with pytest.raises(InvalidInput) as error:
        record_exception(session, council, case, starts_on=starts_on, ends_on=ends_on, now=now, **exception)
    assert error.value.errors[0].field == refused


def test_a_recorded_exception_says_who_recorded_it_and_which_limit_it_excuses(session, council, now):
    case = open_case(session, council, now=now)
    record_exception(
        session,
        council,
        case,
        ground="exceptional_personal_circumstances",
        limit_key="decision_to_assess",
        starts_on=date(2026, 1, 20),
        actor="coordinator:cli",
        now=now,
    )
    [event] = [event for event in crud.chronology(session, case=case) if event.kind == "exception_recorded"]
    assert "decision whether to assess (Regs 5(1))" in event.summary
    assert "Recorded by coordinator:cli" in event.summary
    timeline = crud.case_timeline(session, case=case, council=council, today=date(2026, 3, 1))
    assert timeline.limit("decision_to_assess").state is LimitState.DISAPPLIED
    assert timeline.limit("final_plan").exceptions == ()


def test_stored_instants_come_back_in_utc(session, council, now):
    case = open_case(session, council, now=now)
    session.expire_all()
    stored = crud.require_case(session, ref=case.ref)
    assert stored.created_at == now
    assert stored.created_at.utcoffset() == timedelta(0)


@pytest.mark.parametrize("days_ahead", [1, 30])
def test_a_decision_dated_after_today_is_refused(session, council, now, days_ahead):
    case = open_case(session, council, now=now)
    with pytest.raises(InvalidInput) as refused:
        decide(session, council, case, on=now.date() + timedelta(days=days_ahead), now=now)
    assert refused.value.errors[0].field == "decided_on"
    assert "in the future" in str(refused.value)


def test_a_request_received_in_the_future_is_refused(session, council, now):
    with pytest.raises(InvalidInput, match="received_on"):
        open_case(session, council, now=now, received_on=now.date() + timedelta(days=1))


def test_the_sweep_reads_due_cases_through_the_wake_at_index(session, council, now):
    """Its cost must follow the number of due cases, not of open cases."""
    if session.get_bind().dialect.name != "sqlite":
        pytest.skip("checked on SQLite's query plan; PostgreSQL picks plans by table statistics")
    open_case(session, council, now=now)
    compiled = runs.cases_to_wake_query(now=now, limit=10).compile(
        session.get_bind(), compile_kwargs={"literal_binds": False}
    )
    plan = (
        session.connection()
        .exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}", tuple(compiled.params.values()))
        .all()
    )
    assert any("ix_ehc_case_wake_at" in str(row) for row in plan), plan
    assert [case.ref for case in runs.cases_to_wake(session, now=now, limit=10)] == ["EHC-2026-000001"]


def test_cases_opened_at_the_same_time_get_distinct_references(engine, council, now):
    """Found by the intake benchmark: 'max + 1' references collided under concurrent requests."""
    import threading

    from ehcp.db.engine import session_for

    refs, errors = [], []

    def open_one():
        try:
            with session_for(engine) as own:
                refs.append(open_case(own, council, now=now).ref)
        except Exception as error:  # noqa: BLE001 - collected and asserted below
            errors.append(error)

    threads = [threading.Thread(target=open_one) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(refs) == [f"EHC-2026-{number:06d}" for number in range(1, 9)]
