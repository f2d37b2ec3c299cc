"""The year's figures from plain records, checked against numbers worked by hand."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from ehcp.domain.clock import DayCounting
from ehcp.reports.kpi import (
    Outcome,
    RequestRecord,
    days_taken,
    deciles,
    figures,
    figures_document,
    weeks,
    within_20_weeks,
)

Y, N, A, W = Outcome.YES, Outcome.NO, Outcome.PENDING, Outcome.WITHDRAWN


def plan(ref, received, issued, *, week20=False, mediation=False):
    """A request decided Y a month in, whose plan was issued (sent to the family) on `issued`."""
    return RequestRecord(
        ref=ref,
        received_on=received,
        request_source=1,
        request_outcome=Y,
        request_outcome_on=received + timedelta(days=30),
        assessment_outcome=Y,
        assessment_outcome_on=issued,
        week20_exception=week20,
        mediation_or_tribunal=mediation,
    )


def request(ref, received, outcome=A, on=None, assessment=None, assessed_on=None):
    return RequestRecord(
        ref=ref,
        received_on=received,
        request_source=2,
        request_outcome=outcome,
        request_outcome_on=on,
        assessment_outcome=assessment,
        assessment_outcome_on=assessed_on,
    )


JAN_5 = date(2026, 1, 5)
DAY_140 = date(2026, 5, 25)  # 5 Jan + 140 days: Jan 26, Feb 28, Mar 31, Apr 30, May 25
DAY_141 = date(2026, 5, 26)

# The worked example: eleven requests, 2026.
RECORDS = (
    plan("A", JAN_5, DAY_140),  # day 140: within
    plan("B", JAN_5, DAY_141),  # day 141: not within
    plan("C", JAN_5, date(2026, 7, 1), week20=True),  # day 177, late, an exception applies
    plan("D", date(2025, 9, 1), date(2026, 1, 12)),  # a 2025 request, issued January 2026: day 133
    request("E", date(2026, 3, 2), W, date(2026, 3, 20)),  # withdrawn before a decision
    request("F", date(2026, 3, 2), N, date(2026, 4, 10)),  # not assessed
    request("G", date(2026, 9, 1), Y, date(2026, 10, 10), A),  # assessing
    request("H", date(2026, 11, 20)),  # not decided yet
    request("I", date(2026, 2, 2), Y, date(2026, 3, 10), N, date(2026, 5, 20)),  # not to issue
    request("J", date(2026, 2, 2), Y, date(2026, 3, 10), W, date(2026, 4, 1)),  # assessment withdrawn
    plan("K", date(2026, 6, 1), date(2027, 1, 8)),  # a 2026 request, its plan issued in 2027
)


def test_the_worked_example():
    result = figures(RECORDS, year=2026)
    # Requests received in 2026: A B C E F G H I J K (D came in 2025).
    assert result.requests_received == 10
    assert result.decisions_to_assess == 7  # A B C G I J K
    assert result.decisions_not_to_assess == 1  # F
    assert result.requests_pending == 1  # H
    assert result.requests_withdrawn == 1  # E
    # Plans issued in 2026: A B C and D (its request was 2025's); K's is 2027's.
    assert result.plans_issued == 4
    assert result.decisions_not_to_issue == 1  # I
    assert result.assessments_withdrawn == 1  # J
    # Excluding exceptions: A, B, D; within 20 weeks: A (day 140), D (day 133); B (day 141) is not.
    assert (result.excluding_exceptions.within_20_weeks, result.excluding_exceptions.plans) == (2, 3)
    assert result.excluding_exceptions.percent == 66.7
    # Including exceptions: C (late) joins the denominator.
    assert (result.including_exceptions.within_20_weeks, result.including_exceptions.plans) == (2, 4)
    assert result.including_exceptions.percent == 50.0
    # Days 133, 140, 141, 177: nearest-rank deciles, ranks ceil(k*4/10) = 1 1 2 2 2 3 3 4 4.
    assert result.days_taken == (133, 140, 141, 177)
    assert result.weeks_deciles == (19.0, 19.0, 20.0, 20.0, 20.0, 20.1, 20.1, 25.3, 25.3)
    assert result.weeks_max == 25.3


def test_the_next_year_counts_the_january_plan_of_a_2026_request():
    result = figures(RECORDS, year=2027)
    assert result.requests_received == 0
    assert result.plans_issued == 1  # K
    assert (result.excluding_exceptions.within_20_weeks, result.excluding_exceptions.plans) == (0, 1)


def test_an_exception_is_excluded_only_from_the_ex_figures_even_when_the_plan_was_on_time():
    records = [plan("on-time", JAN_5, DAY_140, week20=True), plan("late", JAN_5, DAY_141)]
    result = figures(records, year=2026)
    assert (result.excluding_exceptions.within_20_weeks, result.excluding_exceptions.plans) == (0, 1)
    assert (result.including_exceptions.within_20_weeks, result.including_exceptions.plans) == (1, 2)
    assert result.plans_issued == 2


def test_an_assessment_with_mediation_or_tribunal_is_left_out_of_timeliness_only():
    records = [plan("mediated", JAN_5, DAY_141, mediation=True), plan("plain", JAN_5, DAY_140)]
    result = figures(records, year=2026)
    assert result.plans_issued == 2
    assert result.excluding_exceptions.plans == result.including_exceptions.plans == 1
    assert result.including_exceptions.percent == 100.0


def test_a_year_with_no_plans_has_no_rate_and_no_deciles():
    result = figures([request("H", date(2026, 11, 20))], year=2026)
    assert result.excluding_exceptions.percent is None and result.weeks_deciles == ()
    document = figures_document(result, as_at=date(2026, 12, 1))
    assert document["timeliness"]["excluding_exceptions"] == {
        "within_20_weeks": 0,
        "plans": 0,
        "percent": None,
    }
    assert document["weeks_taken"] == {"deciles": None, "max": None}


@pytest.mark.parametrize(
    ("counting", "issued", "day", "within"),
    [
        (DayCounting.START_IS_DAY_ZERO, DAY_140, 140, True),
        (DayCounting.START_IS_DAY_ZERO, DAY_141, 141, False),
        # Day 1 is the day of receipt: the 20 weeks end a day sooner (clock.due_after).
        (DayCounting.START_IS_DAY_ONE, DAY_140 - timedelta(days=1), 140, True),
        (DayCounting.START_IS_DAY_ONE, DAY_140, 141, False),
    ],
)
def test_day_140_is_within_and_day_141_is_not(counting, issued, day, within):
    assert days_taken(JAN_5, issued, counting) == day
    assert within_20_weeks(day) is within
    result = figures([plan("x", JAN_5, issued)], year=2026, counting=counting)
    assert result.including_exceptions.within_20_weeks == int(within)


def test_deciles_by_nearest_rank_on_small_cohorts():
    assert deciles([]) == ()
    assert deciles([150]) == (150,) * 9
    assert deciles([100, 200]) == (100,) * 5 + (200,) * 4  # ranks 1 1 1 1 1 2 2 2 2
    assert deciles([30, 10, 20]) == (10, 10, 10, 20, 20, 20, 30, 30, 30)  # ranks ceil(k*3/10)
    assert deciles(list(range(1, 11))) == tuple(range(1, 10))
    assert weeks(140) == 20.0 and weeks(141) == 20.1


def test_the_json_document_has_the_documented_keys():
    document = figures_document(figures(RECORDS, year=2026), as_at=date(2027, 1, 15))
    assert list(document) == [
        "year",
        "as_at",
        "day_counting",
        "requests_received",
        "decisions_to_assess",
        "decisions_not_to_assess",
        "requests_pending",
        "requests_withdrawn",
        "plans_issued",
        "decisions_not_to_issue",
        "assessments_withdrawn",
        "timeliness",
        "weeks_taken",
    ]
    assert document["timeliness"]["excluding_exceptions"] == {
        "within_20_weeks": 2,
        "plans": 3,
        "percent": 66.7,
    }
    assert document["weeks_taken"]["deciles"][0] == 19.0 and document["day_counting"] == "start_is_day_zero"


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"request_outcome": Y, "request_outcome_on": None, "assessment_outcome": A}, "needs its date"),
        ({"request_outcome": A, "request_outcome_on": JAN_5}, "has no date"),
        ({"request_outcome": Y, "request_outcome_on": JAN_5}, "needs an AssessmentOutcome"),
        (
            {"request_outcome": N, "request_outcome_on": JAN_5, "assessment_outcome": A},
            "needs RequestOutcome Y",
        ),
        ({"request_outcome_on": date(2026, 1, 1), "request_outcome": W}, "before the request"),
        ({"request_source": 6}, "RequestSource 6"),
        ({"week20_exception": True}, "Week20"),
    ],
)
def test_an_impossible_record_is_refused_naming_the_item(changes, named):
    values = {
        "ref": "x",
        "received_on": JAN_5,
        "request_source": 1,
        "request_outcome": A,
        "request_outcome_on": None,
    }
    with pytest.raises(ValueError, match=named):
        RequestRecord(**{**values, **changes})
