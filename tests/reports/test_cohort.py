"""The year's cohort as the case store gives it: each case coded as SEN2 codes it, its
dates those the statutory limits are met on (as `crud.case_facts` reads them)."""

from __future__ import annotations

from datetime import date

from ehcp.db import crud
from ehcp.reports.cohort import year_cohort
from ehcp.reports.kpi import Outcome, Placement, figures
from tests.reports.store import build_year

AS_AT = date(2027, 1, 15)


def test_each_case_is_coded_as_sen2_codes_it(session, council):
    refs = build_year(session, council)
    cohort = year_cohort(session, year=2026, as_at=AS_AT, directory=council.setting_directory)
    by_ref = {record.ref: record for record in cohort.records}
    name = {ref: key for key, ref in refs.items()}
    assert sorted(name[ref] for ref in by_ref) == sorted(set(refs) - {"finished_2025"})

    day_140 = by_ref[refs["day_140"]]
    assert (day_140.request_outcome, day_140.request_outcome_on) == (Outcome.YES, date(2026, 2, 10))
    assert (day_140.assessment_outcome, day_140.plan_issued_on) == (Outcome.YES, date(2026, 5, 25))
    assert day_140.week20_exception is False and day_140.request_source == 1
    # Oak Academy is URN 100002 in the example council's directory.
    assert day_140.placement == Placement("100002", None, "Oak Academy", "mainstream_school")
    # A type of setting named without an institution: SENsetting OTH.
    assert by_ref[refs["day_141"]].placement == Placement(None, "OTH", None, "special_school")
    assert by_ref[refs["exception"]].week20_exception is True
    assert by_ref[refs["january"]].request_source == 2

    refused = by_ref[refs["not_assessed"]]
    # Posted Friday 13 February: told on its deemed day of delivery, Tuesday 17th.
    assert (refused.request_outcome, refused.request_outcome_on, refused.assessment_outcome) == (
        Outcome.NO,
        date(2026, 2, 17),
        None,
    )
    assert refused.request_source == 3
    withdrawn = by_ref[refs["withdrawn"]]
    assert (withdrawn.request_outcome, withdrawn.request_outcome_on) == (Outcome.WITHDRAWN, date(2026, 3, 20))
    stopped = by_ref[refs["assessment_withdrawn"]]
    # The decision to assess was never sent: dated the panel's day.
    assert (stopped.request_outcome, stopped.request_outcome_on) == (Outcome.YES, date(2026, 5, 1))
    assert (stopped.assessment_outcome, stopped.assessment_outcome_on) == (
        Outcome.WITHDRAWN,
        date(2026, 6, 1),
    )
    no_plan = by_ref[refs["not_issued"]]
    assert no_plan.request_outcome_on == date(2026, 5, 4)  # the day the letter went
    assert (no_plan.assessment_outcome, no_plan.assessment_outcome_on) == (Outcome.NO, date(2026, 7, 20))
    pending = by_ref[refs["pending"]]
    assert (pending.request_outcome, pending.request_outcome_on, pending.request_source) == (
        Outcome.PENDING,
        None,
        4,
    )


def test_the_cohort_reads_the_dates_crud_case_facts_reads(session, council):
    build_year(session, council)
    cohort = year_cohort(session, year=2026, as_at=AS_AT)
    for record in cohort.records:
        facts = crud.case_facts(session, case=crud.require_case(session, ref=record.ref))
        assert record.plan_issued_on == facts.final_sent_on
        decision = facts.decision_to_assess
        expected = (decision.notified_on or decision.decided_on) if decision else facts.withdrawn_on
        assert record.request_outcome_on == expected
        if record.assessment_outcome is Outcome.NO:
            issue = facts.decision_to_issue
            assert issue is not None
            assert record.assessment_outcome_on == (issue.notified_on or issue.decided_on)
        assert record.week20_exception == any(item.limit_key == "final_plan" for item in facts.exceptions)


def test_the_figures_from_the_store(session, council):
    build_year(session, council)
    result = figures(
        year_cohort(session, year=2026, as_at=AS_AT).records, year=2026, counting=council.policy.day_counting
    )
    # Received in 2026: day_140, day_141, exception, not_assessed, withdrawn, assessment_withdrawn,
    # not_issued, pending.
    assert result.requests_received == 8
    assert (result.decisions_to_assess, result.decisions_not_to_assess) == (5, 1)
    assert (result.requests_pending, result.requests_withdrawn) == (1, 1)
    assert (result.plans_issued, result.decisions_not_to_issue, result.assessments_withdrawn) == (4, 1, 1)
    # Excluding the exception: day_140 and january (day 133) of day_140, day_141, january.
    assert (result.excluding_exceptions.within_20_weeks, result.excluding_exceptions.plans) == (2, 3)
    assert (result.including_exceptions.within_20_weeks, result.including_exceptions.plans) == (2, 4)
    assert result.days_taken == (133, 140, 141, 156)
    # 2025's figures hold the 2025 requests, and not the January plan.
    earlier = figures(year_cohort(session, year=2025, as_at=AS_AT).records, year=2025)
    assert (earlier.requests_received, earlier.decisions_not_to_assess, earlier.plans_issued) == (2, 1, 0)


def test_a_plan_that_reached_the_family_in_january_counts_in_that_year_though_its_case_closed_in_november(
    session, council
):
    # Received 18 August 2025, finalised (and its case closed) 27 November 2025, the plan
    # reached the family on 5 January 2026: its outcome is 2026's, though the case was
    # closed before the year began (the cohort leaves out only cases closed long before).
    from tests.reports.store import issued

    case = issued(session, council, date(2025, 8, 18), date(2026, 1, 5))
    assert case.closed_on is not None and case.closed_on < date(2026, 1, 1)
    [record] = [r for r in year_cohort(session, year=2026, as_at=AS_AT).records if r.ref == case.ref]
    assert (record.assessment_outcome, record.assessment_outcome_on) == (Outcome.YES, date(2026, 1, 5))
    assert case.ref not in {r.ref for r in year_cohort(session, year=2027, as_at=AS_AT).records}
