"""The statutory clock: every due date of a case and the state of each limit.

Pure: it takes the case's facts, the council's policy, its term calendars and
`today`, and returns a `Timeline`. Due dates depend only on the day each clock
starts, never on `today`, on later events or on exceptions: an exception only
turns a late act from "breached" into "disapplied", and only for the limit the
coordinator recorded it against. A limit on the council is met on the day the
family is told (the notice or plan sent), not the day a panel decided.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ehcp.domain.facts import AdviceFacts, CaseFacts, IssueDecision, IssueOutcome
from ehcp.domain.grounds import GROUND_BASIS, Duty, ExceptionGround, grounds_for_limit
from ehcp.domain.roles import BOUND_BY_REGS_8, ContributorRole
from ehcp.domain.terms import SettingKind, TermCalendar
from ehcp.text import words

FAMILY_COMMENT_DAYS = 15


class DayCounting(StrEnum):
    """Whether the day a clock starts is day 0 or day 1 (the Regs do not say)."""

    START_IS_DAY_ZERO = "start_is_day_zero"  # due = start + N weeks (default)
    START_IS_DAY_ONE = "start_is_day_one"  # due = start + N weeks - 1 day


class ClockPolicy(BaseModel):
    """The council's reading of the law where the law leaves a choice."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    day_counting: DayCounting = DayCounting.START_IS_DAY_ZERO
    draft_target_weeks: int = Field(default=14, ge=1, le=20)
    school_consultation_days: int = Field(default=15, ge=1, le=60)
    # After a ground ends the council must act "as soon as practicable"; the Regs give no
    # number, so the timeline flags an act this many days after the ground ended.
    as_soon_as_practicable_days: int = Field(default=14, ge=1, le=90)


class LimitState(StrEnum):
    NOT_STARTED = "not_started"  # its clock has not started (nothing asked yet)
    DUE = "due"  # running, due date not passed
    MET = "met"  # done on or before the due date
    BREACHED = "breached"  # done late, or not done and the due date has passed
    DISAPPLIED = "disapplied"  # would be breached, but an exception applies
    NOT_APPLICABLE = "not_applicable"  # the case ended before it fell due, or it never arises


class AppliedException(BaseModel):
    model_config = ConfigDict(frozen=True)

    ground: ExceptionGround
    basis: str
    starts_on: date
    ends_on: date | None
    source: Literal["recorded", "term_dates"]


class Limit(BaseModel):
    model_config = ConfigDict(frozen=True)

    key: str
    title: str
    basis: str
    duty: Duty
    statutory: bool
    starts_on: date | None
    due_on: date | None
    done_on: date | None
    state: LimitState
    days_remaining: int | None = None  # while due: days left, 0 on the due day
    days_late: int | None = None  # when breached or disapplied
    exceptions: tuple[AppliedException, ...] = ()  # recorded against this limit
    # Grounds the term dates suggest (a school closed 4+ weeks): for the coordinator to
    # judge and record; they never change the state on their own.
    proposed_exceptions: tuple[AppliedException, ...] = ()
    flags: tuple[str, ...] = ()  # what a reviewer should look at, in words


class Timeline(BaseModel):
    model_config = ConfigDict(frozen=True)

    today: date
    received_on: date
    policy: ClockPolicy
    limits: tuple[Limit, ...]
    notes: tuple[str, ...] = ()

    def limit(self, key: str) -> Limit:
        for limit in self.limits:
            if limit.key == key:
                return limit
        raise KeyError(key)

    def due_on(self, key: str) -> date:
        """The due date of a limit whose clock has started (every limit but a not-started
        one, or advice whose existing advice was accepted, has one)."""
        due_on = self.limit(key).due_on
        if due_on is None:
            raise ValueError(f"limit '{key}' has no due date: its clock has not started")
        return due_on

    @property
    def open_limits(self) -> tuple[Limit, ...]:
        """Limits still waiting for someone to act, whether running or already overdue.

        The family's window waits on no one once it is over: a final plan issued
        inside it is a breach on the record, not something still to do.
        """
        return tuple(
            limit
            for limit in self.limits
            if limit.state is LimitState.DUE
            or (
                limit.state in (LimitState.BREACHED, LimitState.DISAPPLIED)
                and limit.done_on is None
                and limit.duty is not Duty.FAMILY
            )
        )

    @property
    def next_due_on(self) -> date | None:
        """The earliest due date among open limits: when the case next needs attention."""
        return min((limit.due_on for limit in self.open_limits if limit.due_on), default=None)


def due_after(start: date, days: int, counting: DayCounting) -> date:
    """The last day of a period of `days` that starts on `start`."""
    if counting is DayCounting.START_IS_DAY_ONE:
        return start + timedelta(days=days - 1)
    return start + timedelta(days=days)


def compute_timeline(
    facts: CaseFacts,
    *,
    today: date,
    policy: ClockPolicy | None = None,
    calendars: Mapping[str, TermCalendar] | None = None,
) -> Timeline:
    policy = policy or ClockPolicy()
    builder = _Builder(facts, today, policy, calendars or {})
    return builder.build()


class _Builder:
    def __init__(
        self,
        facts: CaseFacts,
        today: date,
        policy: ClockPolicy,
        calendars: Mapping[str, TermCalendar],
    ) -> None:
        self.facts = facts
        self.today = today
        self.policy = policy
        self.calendars = calendars
        self.notes: list[str] = []

    def weeks(self, start: date, weeks: int) -> date:
        return due_after(start, weeks * 7, self.policy.day_counting)

    def build(self) -> Timeline:
        facts = self.facts
        received = facts.received_on
        assessment = facts.decision_to_assess
        issue = facts.decision_to_issue

        limits = [
            self.deadline(
                key="decision_to_assess",
                title="Decision whether to assess",
                basis="Regs 5(1)",
                duty=Duty.LOCAL_AUTHORITY,
                starts_on=received,
                due_on=self.weeks(received, 6),
                done_on=assessment.notified_on if assessment else None,
                ended_on=facts.withdrawn_on,  # its own decision does not end it: sending it does
            ),
            *self.advice_limits(),
            self.not_to_issue_limit(received, issue),
            self.deadline(
                key="draft_plan_target",
                title=f"Draft plan served (internal target, week {self.policy.draft_target_weeks})",
                basis="council target (IPSEA: about week 14)",
                duty=Duty.LOCAL_AUTHORITY,
                statutory=False,
                starts_on=received,
                due_on=self.weeks(received, self.policy.draft_target_weeks),
                done_on=facts.draft_served_on,
                moot=facts.plan_refused,
            ),
            self.family_comments_limit(),
            *self.consultation_limits(),
            self.deadline(
                key="final_plan",
                title="Final plan issued",
                basis="Regs 13(2)",
                duty=Duty.LOCAL_AUTHORITY,
                starts_on=received,
                due_on=self.weeks(received, 20),
                done_on=facts.final_sent_on,
                moot=facts.plan_refused,
            ),
        ]
        self.note_uncovered_calendars()
        return Timeline(
            today=self.today,
            received_on=received,
            policy=self.policy,
            limits=tuple(limits),
            notes=tuple(dict.fromkeys(self.notes)),
        )

    # -- the limits --------------------------------------------------------

    def advice_limits(self) -> list[Limit]:
        if not self.facts.advice:
            return [
                self.not_started(
                    "advice", "Advice requested from contributors", "Regs 6(1), 8(1)", Duty.ADVISER
                )
            ]
        limits = []
        for advice in self.facts.advice:
            key = f"advice:{advice.key}"
            title = f"Advice ({words(advice.role.value)}: {advice.key})"
            if advice.existing_advice_accepted:
                limits.append(
                    Limit(
                        key=key,
                        title=title + " - existing advice accepted",
                        basis="Regs 6(4)",
                        duty=Duty.ADVISER,
                        statutory=True,
                        starts_on=advice.requested_on,
                        due_on=None,
                        done_on=advice.received_on,
                        state=LimitState.NOT_APPLICABLE,
                    )
                )
                continue
            bound = advice.role in BOUND_BY_REGS_8
            limits.append(
                self.deadline(
                    key=key,
                    title=title,
                    # Regs 8(1) binds a body asked under s.31; the school, the council's own
                    # psychology service and the family are asked (Regs 6(1)) to the same
                    # date, but their late advice is chased, not a statutory breach.
                    basis="Regs 8(1)" if bound else "Regs 6(1): asked by the council (not a Regs 8 duty)",
                    duty=Duty.ADVISER,
                    statutory=bound,
                    starts_on=advice.requested_on,
                    due_on=self.weeks(advice.requested_on, 6),
                    done_on=advice.received_on,
                )
            )
        return limits

    def not_to_issue_limit(self, received: date, issue: IssueDecision | None) -> Limit:
        key, title, basis = (
            "decision_not_to_issue",
            "Decision not to issue a plan notified",
            "Regs 10(1)",
        )
        plan_under_way = self.facts.draft_issued_on is not None
        if (issue is not None and issue.outcome is IssueOutcome.ISSUE) or plan_under_way:
            # Regs 10 governs only a decision *not* to issue; a plan is bounded by week 20.
            # A served draft means the LA decided to issue, recorded or not.
            return Limit(
                key=key,
                title=title,
                basis=basis,
                duty=Duty.LOCAL_AUTHORITY,
                statutory=True,
                starts_on=received,
                due_on=self.weeks(received, 16),
                done_on=None,
                state=LimitState.NOT_APPLICABLE,
            )
        return self.deadline(
            key=key,
            title=title,
            basis=basis,
            duty=Duty.LOCAL_AUTHORITY,
            starts_on=received,
            due_on=self.weeks(received, 16),
            done_on=issue.notified_on if issue else None,
            moot=self.facts.assessment_refused,
            ended_on=self.facts.withdrawn_on,  # its own decision does not end it: sending it does
        )

    def family_comments_limit(self) -> Limit:
        """The family's 15 days, beginning with the day the draft is served (Regs 13(1)).

        Fixed by the Regs whatever the day-counting policy. It is the family's
        window, not a deadline for them: the LA breaches it by issuing the final
        plan before it has ended.
        """
        key, title, basis = (
            "family_comments",
            "Family's 15 days to comment on the draft",
            "Regs 13(1)",
        )
        served = self.facts.draft_served_on
        if served is None:
            return self.not_started(key, title, basis, Duty.FAMILY)
        last_day = served + timedelta(days=FAMILY_COMMENT_DAYS - 1)
        final = self.facts.final_issued_on
        ended = self.facts.ended_on
        remaining = None
        if final is not None:
            state = LimitState.MET if final > last_day else LimitState.BREACHED
        elif ended is not None and ended <= last_day:
            state = LimitState.NOT_APPLICABLE
        elif self.today <= last_day:
            state, remaining = LimitState.DUE, (last_day - self.today).days
        else:
            state = LimitState.MET
        return Limit(
            key=key,
            title=title,
            basis=basis,
            duty=Duty.FAMILY,
            statutory=True,
            starts_on=served,
            due_on=last_day,
            done_on=None,
            state=state,
            days_remaining=remaining,
        )

    def consultation_limits(self) -> list[Limit]:
        title, basis = "School or college consulted answers", "CoP 9.83"
        if not self.facts.consultations:
            return [self.not_started("school_consultation", title, basis, Duty.SETTING)]
        return [
            self.deadline(
                key=f"school_consultation:{item.key}",
                title=f"{title} ({item.key})",
                basis=basis,
                duty=Duty.SETTING,
                statutory=False,
                starts_on=item.sent_on,
                due_on=due_after(
                    item.sent_on, self.policy.school_consultation_days, self.policy.day_counting
                ),
                done_on=item.answered_on,
            )
            for item in self.facts.consultations
        ]

    # -- building blocks ---------------------------------------------------

    def not_started(self, key: str, title: str, basis: str, duty: Duty) -> Limit:
        state = LimitState.NOT_APPLICABLE if self.facts.ended_on is not None else LimitState.NOT_STARTED
        return Limit(
            key=key,
            title=title,
            basis=basis,
            duty=duty,
            statutory=True,
            starts_on=None,
            due_on=None,
            done_on=None,
            state=state,
        )

    def deadline(
        self,
        *,
        key: str,
        title: str,
        basis: str,
        duty: Duty,
        starts_on: date,
        due_on: date,
        done_on: date | None,
        statutory: bool = True,
        moot: bool = False,
        ended_on: date | None | Literal["case"] = "case",
    ) -> Limit:
        """A limit that someone meets by acting on or before its due date.

        `moot`: a later decision means the act will never be needed (no plan
        after a decision not to issue), so an undone act is not a breach.
        `ended_on`: when the case stopped in a way that makes the act unnecessary
        (by default, whenever the case ended early).
        """
        excuses = self.recorded_exceptions(key) if statutory else ()
        ended = self.facts.ended_on if ended_on == "case" else ended_on
        remaining = late = None
        if done_on is not None:
            late_by = (done_on - due_on).days
            state = LimitState.MET if late_by <= 0 else None
            late = late_by if late_by > 0 else None
        elif moot or (ended is not None and ended <= due_on):
            state = LimitState.NOT_APPLICABLE
        elif ended is None and self.today <= due_on:
            state, remaining = LimitState.DUE, (due_on - self.today).days
        else:
            state, late = None, ((ended or self.today) - due_on).days
        if state is None:
            state = LimitState.DISAPPLIED if excuses else LimitState.BREACHED
        proposed: tuple[AppliedException, ...] = ()
        if statutory and state in (LimitState.DUE, LimitState.BREACHED, LimitState.DISAPPLIED):
            proposed = tuple(self.closures_during(key, starts_on, due_on))
        flags = self.practicable_flags(excuses, done_on) if state is LimitState.DISAPPLIED else ()
        return Limit(
            key=key,
            title=title,
            basis=basis,
            duty=duty,
            statutory=statutory,
            starts_on=starts_on,
            due_on=due_on,
            done_on=done_on,
            state=state,
            days_remaining=remaining,
            days_late=late,
            exceptions=excuses,
            proposed_exceptions=proposed,
            flags=flags,
        )

    def recorded_exceptions(self, key: str) -> tuple[AppliedException, ...]:
        """The grounds the coordinator recorded against this limit, and no others: whether a
        ground made a limit impractical to meet is their judgement, not an overlap of dates."""
        return tuple(
            AppliedException(
                ground=recorded.ground,
                basis=GROUND_BASIS[recorded.ground],
                starts_on=recorded.starts_on,
                ends_on=recorded.ends_on,
                source="recorded",
            )
            for recorded in self.facts.exceptions
            if recorded.limit_key == key
        )

    def practicable_flags(
        self, excuses: tuple[AppliedException, ...], done_on: date | None
    ) -> tuple[str, ...]:
        """After the ground ends the council must act "as soon as practicable" (Regs 5(1),
        13(2)): flag an act (or a wait) long after every recorded ground ended."""
        ends = [item.ends_on for item in excuses]
        if not ends or any(end is None for end in ends):
            return ()
        last_end = max(end for end in ends if end is not None)
        acted = done_on or self.today
        gap = (acted - last_end).days
        if gap <= self.policy.as_soon_as_practicable_days:
            return ()
        verb = "acted" if done_on else "still not done"
        return (
            f"{verb} {gap} days after the ground ended ({last_end}): the law asks for the act "
            "as soon as practicable",
        )

    def closures_during(self, key: str, starts_on: date, due_on: date) -> Iterable[AppliedException]:
        """School-closure grounds the term dates suggest for this limit: advice asked of a
        head in the week before a 4+ week closure (Regs 5(4)(a), 10(4)(a)-(b)), where the
        limit's own regulation lists that ground. Proposed only: never applied."""
        allowed = grounds_for_limit(key)
        if allowed is None or key.startswith("advice:"):
            return
        for advice in self.head_teacher_requests():
            if not starts_on <= advice.requested_on <= due_on:
                continue
            calendar = self.calendar_for(advice)
            if calendar is None:
                continue
            closure = calendar.closure_containing_request(advice.requested_on)
            if closure is None:
                continue
            ground = (
                ExceptionGround.EARLY_YEARS_CLOSURE
                if calendar.kind is SettingKind.EARLY_YEARS
                else ExceptionGround.SCHOOL_CLOSURE
            )
            if ground not in allowed[0]:
                continue
            yield AppliedException(
                ground=ground,
                basis=GROUND_BASIS[ground],
                starts_on=closure.closes_on,
                ends_on=closure.reopens_on - timedelta(days=1),
                source="term_dates",
            )

    def head_teacher_requests(self) -> list[AdviceFacts]:
        return [item for item in self.facts.advice if item.role is ContributorRole.EDUCATIONAL]

    def calendar_for(self, advice: AdviceFacts) -> TermCalendar | None:
        key = advice.setting_calendar or self.facts.setting_calendar
        if key is None:
            return None
        calendar = self.calendars.get(key)
        if calendar is None:
            self.notes.append(
                f"No term dates for calendar '{key}': the school-closure exception cannot be worked out."
            )
        return calendar

    def note_uncovered_calendars(self) -> None:
        for advice in self.head_teacher_requests():
            key = advice.setting_calendar or self.facts.setting_calendar
            calendar = self.calendars.get(key) if key else None
            if calendar is not None and not calendar.knows(advice.requested_on):
                self.notes.append(
                    f"Term dates for '{key}' do not cover {advice.requested_on} "
                    f"(advice '{advice.key}'): add them to work out the school-closure exception."
                )
