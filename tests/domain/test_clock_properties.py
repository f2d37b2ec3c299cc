"""Properties of the statutory clock that must hold for every valid case history.

Hypothesis builds case histories in the order things happen (see `case_histories`),
with term calendars and council policies, and checks the promises of
ehcp/domain/clock.py: due dates come only from the day each clock starts, an
exception disapplies a limit without moving its date, and as days pass a
limit's state only moves forward.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from ehcp.domain.clock import (
    ClockPolicy,
    DayCounting,
    Limit,
    LimitState,
    Timeline,
    compute_timeline,
)
from ehcp.domain.facts import (
    AdviceFacts,
    AssessmentDecision,
    AssessmentOutcome,
    CaseFacts,
    ConsultationFacts,
    ExceptionFacts,
    IssueDecision,
    IssueOutcome,
)
from ehcp.domain.grounds import GROUNDS_FOR, LIMIT_GROUNDS, MINIMUM_ABSENCE_DAYS, Duty, ExceptionGround
from ehcp.domain.roles import BOUND_BY_REGS_8, ContributorRole
from ehcp.domain.terms import SettingKind, Term, TermCalendar

PROPERTY = settings(max_examples=150, deadline=None)

EARLIEST_RECEIPT = date(1901, 1, 1)
LATEST_RECEIPT = date(2199, 12, 31)
CALENDAR_KEYS = ("oak-primary", "elm-college", "acorn-nursery")
ADVICE_KEYS = ("parent", "head-teacher", "health", "ep", "social-care", "slt")
CONSULTATION_KEYS = ("oak-primary", "elm-college", "birch-special")
ADVISER_GROUNDS = GROUNDS_FOR[Duty.ADVISER]

DAY = timedelta(days=1)
ZERO, ONE = DayCounting.START_IS_DAY_ZERO, DayCounting.START_IS_DAY_ONE

# Which states a limit may be in on a later day, the case's facts unchanged.
LATER_STATES: dict[LimitState, frozenset[LimitState]] = {
    LimitState.NOT_STARTED: frozenset({LimitState.NOT_STARTED}),
    LimitState.DUE: frozenset({LimitState.DUE, LimitState.BREACHED, LimitState.DISAPPLIED}),
    LimitState.MET: frozenset({LimitState.MET}),
    LimitState.BREACHED: frozenset({LimitState.BREACHED}),
    LimitState.DISAPPLIED: frozenset({LimitState.DISAPPLIED}),
    LimitState.NOT_APPLICABLE: frozenset({LimitState.NOT_APPLICABLE}),
}
# The family's window is not a deadline for anyone: once it has run, it is met.
FAMILY_LATER_STATES = {**LATER_STATES, LimitState.DUE: frozenset({LimitState.DUE, LimitState.MET})}


# -- strategies --------------------------------------------------------------


def days_after(draw: st.DrawFn, start: date, most: int) -> date:
    """A day from `start` to `most` days after it."""
    return start + timedelta(days=draw(st.integers(0, most)))


def perhaps_days_after(draw: st.DrawFn, start: date, most: int) -> date | None:
    """As `days_after`, or None: the thing has not happened (yet)."""
    return days_after(draw, start, most) if draw(st.booleans()) else None


sometimes = st.integers(0, 3).map(lambda n: n == 0)
usually = sometimes.map(lambda rare: not rare)


@st.composite
def advice_requests(draw: st.DrawFn, decided_on: date) -> tuple[AdviceFacts, ...]:
    """Up to four requests for advice made after the decision to assess, some answered."""
    keys = draw(st.lists(st.sampled_from(ADVICE_KEYS), unique=True, max_size=4))
    requests = []
    for key in keys:
        role = draw(st.just(ContributorRole.EDUCATIONAL) | st.sampled_from(ContributorRole))
        calendar = None
        if role is ContributorRole.EDUCATIONAL:
            calendar = draw(st.none() | st.sampled_from(CALENDAR_KEYS))
        requested_on = days_after(draw, decided_on, 60)
        requests.append(
            AdviceFacts(
                key=key,
                role=role,
                requested_on=requested_on,
                received_on=perhaps_days_after(draw, requested_on, 90),
                existing_advice_accepted=draw(sometimes),
                setting_calendar=calendar,
            )
        )
    return tuple(sorted(requests, key=lambda item: item.requested_on))


@st.composite
def recorded_exceptions(
    draw: st.DrawFn, received_on: date, advice: tuple[AdviceFacts, ...]
) -> tuple[ExceptionFacts, ...]:
    """Up to three recorded grounds, each with dates the law accepts."""
    bound = [item for item in advice if item.role in BOUND_BY_REGS_8]
    grounds = [
        ground for ground in ExceptionGround if bound or ground is not ExceptionGround.MISSED_APPOINTMENT
    ]
    exceptions = []
    for _ in range(draw(st.integers(0, 3))):
        ground = draw(st.sampled_from(grounds))
        # A ground may have arisen before the request reached the council.
        starts_on = received_on + timedelta(days=draw(st.integers(-60, 200)))
        if ground is ExceptionGround.MISSED_APPOINTMENT or (
            ground in ADVISER_GROUNDS and bound and draw(st.booleans())
        ):
            request = draw(st.sampled_from(bound))
            limit_key = f"advice:{request.key}"
            starts_on = days_after(draw, request.requested_on, 60)
        else:
            limit_key = draw(
                st.sampled_from([key for key, (allowed, _) in LIMIT_GROUNDS.items() if ground in allowed])
            )
        shortest = MINIMUM_ABSENCE_DAYS - 1 if ground is ExceptionGround.ABSENCE_FROM_AREA else 0
        exceptions.append(
            ExceptionFacts(
                ground=ground,
                starts_on=starts_on,
                ends_on=perhaps_days_after(draw, starts_on + timedelta(days=shortest), 120),
                limit_key=limit_key,
            )
        )
    return tuple(sorted(exceptions, key=lambda item: item.starts_on))


@st.composite
def plan_stages(draw: st.DrawFn, assessed_on: date) -> dict:
    """After a decision to assess: the decision whether to issue, draft, consultations, final."""
    if draw(sometimes):
        return {}
    issue_on = days_after(draw, assessed_on, 120)
    issue = IssueDecision(
        decided_on=issue_on,
        outcome=IssueOutcome.ISSUE if draw(usually) else IssueOutcome.NOT_ISSUE,
        notified_on=perhaps_days_after(draw, issue_on, 20),
    )
    stages: dict = {"decision_to_issue": issue}
    if issue.outcome is IssueOutcome.NOT_ISSUE or draw(sometimes):
        return stages
    draft = days_after(draw, issue.decided_on, 60)
    stages["draft_served_on"] = draft
    consultations = []
    for key in draw(st.lists(st.sampled_from(CONSULTATION_KEYS), unique=True, max_size=3)):
        sent_on = days_after(draw, draft, 30)
        consultations.append(
            ConsultationFacts(key=key, sent_on=sent_on, answered_on=perhaps_days_after(draw, sent_on, 40))
        )
    stages["consultations"] = tuple(sorted(consultations, key=lambda item: item.sent_on))
    stages["final_issued_on"] = perhaps_days_after(draw, draft, 60)
    if stages["final_issued_on"] is not None:
        stages["final_sent_on"] = perhaps_days_after(draw, stages["final_issued_on"], 5)
    return stages


@st.composite
def case_histories(draw: st.DrawFn) -> CaseFacts:
    """A valid case: each fact dated on or after the facts it must follow."""
    received_on = draw(st.dates(EARLIEST_RECEIPT, LATEST_RECEIPT))
    fields: dict = {
        "received_on": received_on,
        "setting_calendar": draw(st.none() | st.sampled_from(CALENDAR_KEYS)),
    }
    advice: tuple[AdviceFacts, ...] = ()
    if draw(usually):
        decided_on = days_after(draw, received_on, 70)
        assessment = AssessmentDecision(
            decided_on=decided_on,
            outcome=AssessmentOutcome.ASSESS if draw(usually) else AssessmentOutcome.NOT_ASSESS,
            notified_on=perhaps_days_after(draw, decided_on, 20),
        )
        fields["decision_to_assess"] = assessment
        if assessment.outcome is AssessmentOutcome.ASSESS:
            advice = draw(advice_requests(assessment.decided_on))
            fields["advice"] = advice
            fields.update(draw(plan_stages(assessment.decided_on)))
    # No panel decides after a withdrawal (CaseFacts refuses it).
    decisions = [fields.get("decision_to_assess"), fields.get("decision_to_issue")]
    decided = [decision.decided_on for decision in decisions if decision is not None]
    fields["withdrawn_on"] = days_after(draw, max([received_on, *decided]), 250) if draw(sometimes) else None
    fields["exceptions"] = draw(recorded_exceptions(received_on, advice))
    return CaseFacts(**fields)


@st.composite
def term_calendar(draw: st.DrawFn, around: date) -> TermCalendar:
    """Terms in date order from up to 120 days before `around`; some gaps are long closures."""
    starts_on = around - timedelta(days=draw(st.integers(0, 120)))
    terms = []
    for _ in range(draw(st.integers(1, 8))):
        ends_on = starts_on + timedelta(days=draw(st.integers(0, 80)))
        terms.append(Term(starts_on=starts_on, ends_on=ends_on))
        closed_days = draw(st.integers(1, 27) | st.integers(28, 70))
        starts_on = ends_on + timedelta(days=closed_days + 1)
    return TermCalendar(kind=draw(st.sampled_from(SettingKind)), terms=tuple(terms))


@st.composite
def term_calendars(draw: st.DrawFn, around: date) -> dict[str, TermCalendar]:
    """Term dates for some (usually all) of the calendar keys."""
    keys = draw(st.just(CALENDAR_KEYS) | st.lists(st.sampled_from(CALENDAR_KEYS), unique=True))
    return {key: draw(term_calendar(around)) for key in keys}


policies = st.builds(
    ClockPolicy,
    day_counting=st.sampled_from(DayCounting),
    draft_target_weeks=st.integers(1, 20),
    school_consultation_days=st.integers(1, 60),
)

# Days relative to receipt: from a month before to well after every limit has fallen due.
day_offsets = st.integers(-30, 500)


@dataclass(frozen=True)
class Scenario:
    facts: CaseFacts
    policy: ClockPolicy
    calendars: dict[str, TermCalendar]

    def day(self, offset: int) -> date:
        return self.facts.received_on + timedelta(days=offset)

    def timeline(self, today: date, facts: CaseFacts | None = None) -> Timeline:
        return compute_timeline(
            facts or self.facts, today=today, policy=self.policy, calendars=self.calendars
        )


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    facts = draw(case_histories())
    return Scenario(facts, draw(policies), draw(term_calendars(facts.received_on)))


def chronological_prefixes(facts: CaseFacts) -> list[CaseFacts]:
    """The case as it stood after each of its events, from receipt to the last event."""
    events: list[tuple[date, int, str, object, object]] = []  # day, order, field, item key, value

    def happened(day: date, field: str, value: object, item: object = None) -> None:
        events.append((day, len(events), field, item, value))

    if assessment := facts.decision_to_assess:
        happened(assessment.decided_on, "decision_to_assess", assessment)
    for advice in facts.advice:
        asked = advice.model_copy(update={"received_on": None})
        happened(advice.requested_on, "advice", asked, item=advice.key)
        if advice.received_on:
            happened(advice.received_on, "advice", advice, item=advice.key)
    if issue := facts.decision_to_issue:
        happened(issue.decided_on, "decision_to_issue", issue)
    if facts.draft_served_on:
        happened(facts.draft_served_on, "draft_served_on", facts.draft_served_on)
    for consultation in facts.consultations:
        sent = consultation.model_copy(update={"answered_on": None})
        happened(consultation.sent_on, "consultations", sent, item=consultation.key)
        if consultation.answered_on:
            happened(consultation.answered_on, "consultations", consultation, item=consultation.key)
    if facts.final_issued_on:
        happened(facts.final_issued_on, "final_issued_on", facts.final_issued_on)
    if facts.final_sent_on:
        happened(facts.final_sent_on, "final_sent_on", facts.final_sent_on)
    if facts.withdrawn_on:
        happened(facts.withdrawn_on, "withdrawn_on", facts.withdrawn_on)
    for index, exception in enumerate(facts.exceptions):
        happened(exception.starts_on, "exceptions", exception, item=index)

    fields: dict = {"received_on": facts.received_on, "setting_calendar": facts.setting_calendar}
    collections: dict[str, dict] = {"advice": {}, "consultations": {}, "exceptions": {}}
    prefixes = [CaseFacts(**fields)]
    # Same-day events keep the order above, which is the order the law requires.
    for _, _, field, item, value in sorted(events, key=lambda event: event[:2]):
        if field in collections:
            collections[field][item] = value
            fields[field] = tuple(collections[field].values())
        else:
            fields[field] = value
        prefixes.append(CaseFacts(**fields))
    assert prefixes[-1] == facts
    return prefixes


def dates_of(limit: Limit) -> tuple[str, date | None, date | None, date | None]:
    return limit.key, limit.starts_on, limit.due_on, limit.done_on


# -- 1. due dates never depend on today -------------------------------------


@PROPERTY
@given(scenarios(), day_offsets, day_offsets)
def test_due_dates_do_not_depend_on_today(scenario, first, second):
    one, other = scenario.timeline(scenario.day(first)), scenario.timeline(scenario.day(second))
    assert [dates_of(limit) for limit in one.limits] == [dates_of(limit) for limit in other.limits]


# -- 2. due dates never move as the case progresses -------------------------


@PROPERTY
@given(scenarios(), day_offsets)
def test_due_dates_never_move_as_the_case_progresses(scenario, offset):
    today = scenario.day(offset)
    first_due_on: dict[str, date] = {}
    for stage in chronological_prefixes(scenario.facts):
        limits = {limit.key: limit for limit in scenario.timeline(today, stage).limits}
        for key, due_on in first_due_on.items():
            assert key in limits, f"{key} vanished once {stage}"
            assert limits[key].due_on == due_on, f"{key} moved once {stage}"
        for key, limit in limits.items():
            if limit.due_on is not None:
                first_due_on.setdefault(key, limit.due_on)
            if limit.due_on is None and limit.starts_on is None:
                assert limit.state in (LimitState.NOT_STARTED, LimitState.NOT_APPLICABLE), key


# -- 3. an exception disapplies a limit and never moves a date --------------


@PROPERTY
@given(scenarios(), day_offsets)
def test_an_exception_only_disapplies_a_limit_and_never_moves_a_date(scenario, offset):
    today = scenario.day(offset)
    excused = scenario.timeline(today)
    bare_facts = scenario.facts.model_copy(update={"exceptions": ()})
    bare = compute_timeline(bare_facts, today=today, policy=scenario.policy, calendars={})

    assert list(map(dates_of, excused.limits)) == list(map(dates_of, bare.limits))
    for with_grounds, without in zip(excused.limits, bare.limits, strict=True):
        assert without.state is not LimitState.DISAPPLIED, without.key
        assert without.exceptions == ()
        if with_grounds.state is not without.state:
            assert (without.state, with_grounds.state) == (
                LimitState.BREACHED,
                LimitState.DISAPPLIED,
            ), with_grounds.key
        if with_grounds.state is LimitState.DISAPPLIED:
            assert with_grounds.exceptions, with_grounds.key
        assert with_grounds.days_late == without.days_late
        assert with_grounds.days_remaining == without.days_remaining


# -- 4. as days pass, a limit's state only moves forward --------------------


@PROPERTY
@given(scenarios(), st.lists(day_offsets, min_size=1, max_size=6))
def test_a_limits_state_never_goes_back_as_today_advances(scenario, offsets):
    reference = scenario.timeline(scenario.facts.received_on)
    # Every due day and the day after it, where a running limit changes state.
    turning_days = {
        limit.due_on + timedelta(days=n)
        for limit in reference.limits
        if limit.due_on is not None
        for n in (0, 1)
    }
    todays = sorted({scenario.day(offset) for offset in offsets} | turning_days)
    timelines = [scenario.timeline(today) for today in todays]

    for earlier, later in zip(timelines, timelines[1:], strict=False):
        for before, after in zip(earlier.limits, later.limits, strict=True):
            allowed = FAMILY_LATER_STATES if before.key == "family_comments" else LATER_STATES
            assert after.state in allowed[before.state], (
                f"{before.key}: {before.state} on {earlier.today}, {after.state} on {later.today}"
            )
    for timeline in timelines:
        for limit in timeline.limits:
            if limit.state is LimitState.DUE:
                assert limit.days_remaining == (limit.due_on - timeline.today).days >= 0
            else:
                assert limit.days_remaining is None, limit.key


# -- 5. exact arithmetic across year ends and leap days ---------------------


def expected_due_dates(facts: CaseFacts, policy: ClockPolicy) -> dict[str, date]:
    """Due dates under START_IS_DAY_ZERO: the start plus the whole period."""

    def plus(start: date, days: int) -> date:
        return start + timedelta(days=days)

    received_on = facts.received_on
    return {
        "decision_to_assess": plus(received_on, 42),
        "decision_not_to_issue": plus(received_on, 112),
        "draft_plan_target": plus(received_on, 7 * policy.draft_target_weeks),
        "final_plan": plus(received_on, 140),
        **{
            f"advice:{item.key}": plus(item.requested_on, 42)
            for item in facts.advice
            if not item.existing_advice_accepted
        },
        **{
            f"school_consultation:{item.key}": plus(item.sent_on, policy.school_consultation_days)
            for item in facts.consultations
        },
    }


@PROPERTY
@given(case_histories(), policies)
@example(CaseFacts(received_on=date(2024, 1, 18)), ClockPolicy())
@example(CaseFacts(received_on=date(2099, 12, 31)), ClockPolicy())
def test_due_dates_are_exact_day_counts_whichever_day_the_clock_counts_from(facts, policy):
    day_zero = compute_timeline(
        facts, today=facts.received_on, policy=policy.model_copy(update={"day_counting": ZERO})
    )
    day_one = compute_timeline(
        facts, today=facts.received_on, policy=policy.model_copy(update={"day_counting": ONE})
    )
    for key, due_on in expected_due_dates(facts, policy).items():
        assert day_zero.limit(key).due_on == due_on, key
        assert day_one.limit(key).due_on == due_on - DAY, key
    if facts.draft_served_on is not None:
        last_day = facts.draft_served_on + timedelta(days=14)
        assert day_zero.limit("family_comments").due_on == last_day
        assert day_one.limit("family_comments").due_on == last_day


@pytest.mark.parametrize(
    ("received_on", "key", "due_on"),
    [
        (date(2024, 1, 18), "decision_to_assess", date(2024, 2, 29)),  # lands on a leap day
        (date(2023, 12, 20), "final_plan", date(2024, 5, 8)),  # into a leap year
        (date(2024, 2, 29), "final_plan", date(2024, 7, 18)),  # from a leap day
        (date(2025, 12, 15), "decision_to_assess", date(2026, 1, 26)),  # across a year end
        (date(2000, 1, 18), "decision_to_assess", date(2000, 2, 29)),  # 2000 is a leap year
        (date(2100, 1, 18), "decision_to_assess", date(2100, 3, 1)),  # 2100 is not
    ],
)
@pytest.mark.parametrize("counting", [ZERO, ONE])
def test_due_dates_across_year_ends_and_leap_days(received_on, key, due_on, counting):
    timeline = compute_timeline(
        CaseFacts(received_on=received_on),
        today=received_on,
        policy=ClockPolicy(day_counting=counting),
    )
    expected = due_on if counting is ZERO else due_on - DAY
    assert timeline.limit(key).due_on == expected


# -- 6. a state agrees with the dates it is judged on -----------------------


@PROPERTY
@given(scenarios(), day_offsets)
def test_a_limits_state_agrees_with_its_dates(scenario, offset):
    for limit in scenario.timeline(scenario.day(offset)).limits:
        if limit.starts_on is not None and limit.due_on is not None:
            assert limit.due_on >= limit.starts_on, limit.key
        if limit.state is LimitState.MET and limit.done_on is not None:
            assert limit.done_on <= limit.due_on, limit.key
        if limit.state is LimitState.MET and limit.done_on is None:
            assert limit.key == "family_comments"
        if limit.key == "family_comments":
            continue  # the family's window is breached by a final plan issued inside it
        if limit.state in (LimitState.BREACHED, LimitState.DISAPPLIED):
            assert limit.days_late is not None and limit.days_late > 0, limit.key
            if limit.done_on is not None:
                assert limit.done_on > limit.due_on, limit.key
                assert limit.days_late == (limit.done_on - limit.due_on).days, limit.key
