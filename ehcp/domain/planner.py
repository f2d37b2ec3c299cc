"""What a case needs now: the pure core of the request flow's reconcile loop.

Given the case's facts, its timeline, who can be written to, what has already
been done and `today`, `plan` returns the work still to do (documents to draft,
advice to request, messages to queue), what the case is waiting for, and the next
day it must be looked at without any signal.

It never finalises the plan: that is the council's decision (see finalising.py),
recorded by a coordinator. Once recorded, the planner sends the final plan.

Everything it asks for is named by a stable key (a message's purpose,
recipient and due date; a document's kind; an advice request's key), so the
adapters can make each step idempotent, and re-planning after a step returns
only what is left.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from ehcp.domain import finalising
from ehcp.domain import ladder as chasing
from ehcp.domain.clock import LimitState, Timeline
from ehcp.domain.facts import AssessmentOutcome, CaseFacts, ExceptionFacts, IssueOutcome
from ehcp.domain.ladder import Ladder, Rung
from ehcp.domain.roles import ContributorRole
from ehcp.domain.stages import CaseStage, stage_of
from ehcp.text import words

FAMILY_ADVICE_KEY = "family"
SETTING_ADVICE_KEY = "setting"

# Who hears of a decision: the family always; these parties as the law says.
TOLD_OF_ASSESSMENT_DECISION = ("notice:health", "notice:social_care", "setting")  # Regs 4(2), 5
TOLD_OF_NOT_ISSUING = ("notice:health", "setting")  # Regs 10: the ICB and the school
TOLD_OF_FINAL_PLAN = ("named_setting", "notice:health")  # Regs 13(2)


@dataclass(frozen=True)
class Message:
    """One message to queue. `recipient` is a stable key the adapters resolve to an address:
    `family:<contact id>`, `notice:<party>`, `adviser:<advice key>`, `setting`,
    `consultation:<key>`, `named_setting`, `send_team`, `manager:<role>` (a service's
    manager) or `contact:<name>` (a ladder contact).

    `about` names what the message concerns (an advice key, a limit key, a failed
    message's key) and `on` the ladder day it belongs to, so that each rung of each
    ladder is its own message, queued once."""

    purpose: str
    recipient: str
    due_on: date | None = None
    attach: tuple[str, ...] = ()  # document kinds, in the order the email lists them
    about: str | None = None
    on: date | None = None

    def key(self, case_ref: str) -> str:
        key = f"{case_ref}:{self.purpose}:{self.recipient}:{self.due_on or '-'}"
        if self.about is not None:
            key += f":{self.about}"
        if self.on is not None:
            key += f"@{self.on}"
        return key


@dataclass(frozen=True)
class AdviceToRequest:
    key: str
    role: ContributorRole


@dataclass(frozen=True)
class CaseContext:
    """What the planner needs beyond the facts: who can be reached."""

    ref: str
    family: tuple[str, ...]  # recipient keys of family contacts
    has_setting: bool  # the child's setting has a contact
    notice_parties: tuple[str, ...]  # "health", "social_care" as configured
    advisers: tuple[ContributorRole, ...]  # services the council asks for advice
    named_setting: str | None = None
    named_setting_reachable: bool = False
    ladder: Ladder = Ladder()
    managers: tuple[ContributorRole, ...] = ()  # services with a manager to escalate to
    contacts: tuple[str, ...] = ()  # the ladder's named inboxes
    # Keys of messages the relay refused for good: the coordinator must hear of each.
    failed_messages: tuple[str, ...] = ()


@dataclass(frozen=True)
class Work:
    documents: tuple[str, ...] = ()
    advice: tuple[AdviceToRequest, ...] = ()
    messages: tuple[Message, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not (self.documents or self.advice or self.messages)


@dataclass(frozen=True)
class Plan:
    stage: CaseStage
    work: Work
    waiting_for: tuple[str, ...] = ()
    wake_on: date | None = None

    @property
    def closed(self) -> bool:
        """Nothing more will ever happen on this case."""
        return self.stage.is_closed and self.work.is_empty


@dataclass
class _Draft:
    documents: list[str] = field(default_factory=list)
    advice: list[AdviceToRequest] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)


def exception_subject(exception: ExceptionFacts) -> str:
    """How documents and messages name one exception: `<ground>:<first day>:<limit key>`."""
    return f"{exception.ground.value}:{exception.starts_on}:{exception.limit_key}"


def parse_exception_subject(subject: str) -> tuple[str, str, str]:
    """(ground, first day, limit key) from `exception_subject`'s form."""
    ground, _, rest = subject.partition(":")
    starts, _, limit_key = rest.partition(":")
    return ground, starts, limit_key


def adviser_key(role: ContributorRole) -> str:
    return role.value.replace("_", "-")


def plan(
    facts: CaseFacts,
    *,
    timeline: Timeline,
    context: CaseContext,
    done_messages: frozenset[str],
    done_documents: frozenset[str],
    today: date,
) -> Plan:
    stage = stage_of(facts)
    todo = _Draft()
    parties = _parties(context)

    def send(
        purpose: str,
        recipients: Iterable[str],
        due_on: date | None = None,
        attach: tuple[str, ...] = (),
        about: str | None = None,
        on: date | None = None,
    ) -> None:
        for recipient in recipients:
            if recipient in parties or recipient.startswith(("family:", "adviser:", "consultation:")):
                todo.messages.append(Message(purpose, recipient, due_on, attach, about, on))

    def draft(kind: str) -> None:
        todo.documents.append(kind)

    def send_letter(purpose: str, recipients: Iterable[str], due_on: date | None = None) -> None:
        """Draft the purpose's letter and send it, attached, to each recipient."""
        draft(f"{purpose}_letter")
        send(purpose, recipients, due_on, attach=(f"{purpose}_letter",))

    decide_by = timeline.limit("decision_to_assess").due_on
    # Document kinds are named as in ehcp/documents/kinds.py; a kind about one advice
    # request or exception carries its key after a colon.
    send_letter("acknowledgement", context.family, decide_by)
    send_letter("considering_notice", ("notice:health", "notice:social_care", "setting"))

    assessment = facts.decision_to_assess
    if assessment is not None and assessment.outcome is AssessmentOutcome.ASSESS:
        send_letter("decision_to_assess", (*context.family, *TOLD_OF_ASSESSMENT_DECISION))
        if stage is CaseStage.ASSESSING:
            todo.advice.extend(_advice_to_request(facts, context))
        for advice in facts.advice:
            if not advice.existing_advice_accepted:
                due = timeline.limit(f"advice:{advice.key}").due_on
                letter = f"advice_request_letter:{advice.key}"
                draft(letter)
                send("advice_request", (f"adviser:{advice.key}",), due, attach=(letter,))
    elif assessment is not None:
        send_letter("decision_not_to_assess", (*context.family, *TOLD_OF_ASSESSMENT_DECISION))

    issue = facts.decision_to_issue
    if issue is not None and issue.outcome is IssueOutcome.NOT_ISSUE:
        send_letter("decision_not_to_issue", (*context.family, *TOLD_OF_NOT_ISSUING))
    elif (issue is not None or facts.draft_served_on is not None) and facts.withdrawn_on is None:
        # The working draft is for the caseworker to write the council's plan from (Regs 12).
        draft("working_draft")
        if facts.draft_served_on is None:
            send("draft_ready", ("send_team",), attach=("working_draft",))

    if facts.draft_served_on is not None:
        comments_end = timeline.due_on("family_comments")
        draft("draft_plan")  # the caseworker's served version
        draft("draft_plan_letter")
        send("draft_plan", context.family, comments_end, attach=("draft_plan_letter", "draft_plan"))
        for consultation in facts.consultations:
            due = timeline.limit(f"school_consultation:{consultation.key}").due_on
            send("consultation", (f"consultation:{consultation.key}",), due, attach=("draft_plan",))
    for advice in facts.advice:
        if advice.gap_reason is not None:
            # The family is told when the council goes ahead without advice it sought.
            send("proceeding_without_advice", context.family, about=advice.key)
    if facts.final_issued_on is not None:
        draft("final_plan_letter")
        draft("final_plan")
        send("final_plan", context.family, attach=("final_plan_letter", "final_plan"))
        send("final_plan", TOLD_OF_FINAL_PLAN, attach=("final_plan",))

    for exception in facts.exceptions:
        draft(f"exception_notice_letter:{exception_subject(exception)}")

    if facts.withdrawn_on is not None:
        send("withdrawal", (*context.family, *TOLD_OF_ASSESSMENT_DECISION))

    for message in _follow_ups(facts, timeline, context, stage, today):
        send(message.purpose, (message.recipient,), message.due_on, message.attach, message.about, message.on)

    work = Work(
        documents=tuple(kind for kind in dict.fromkeys(todo.documents) if kind not in done_documents),
        advice=tuple(todo.advice),
        messages=tuple(
            message
            for message in dict.fromkeys(todo.messages)
            if message.key(context.ref) not in done_messages
        ),
    )
    return Plan(
        stage=stage,
        work=work,
        waiting_for=() if stage.is_closed else _waiting_for(facts, timeline, context, stage, today),
        wake_on=None if stage.is_closed else _wake_on(facts, timeline, context, today),
    )


def _follow_ups(
    facts: CaseFacts, timeline: Timeline, context: CaseContext, stage: CaseStage, today: date
) -> list[Message]:
    """Reminders, chasers and escalations; warnings and breach alerts; what the family
    and the coordinator hear as advice arrives; alerts for messages that failed."""
    out: list[Message] = []
    outstanding = [
        advice
        for advice in facts.advice
        if advice.received_on is None and not advice.existing_advice_accepted and advice.gap_reason is None
    ]
    # Advice still owed is chased until it comes or the coordinator records going ahead
    # without it, through drafting too: a plan finalised without it is the council's act.
    if stage in (CaseStage.ASSESSING, CaseStage.DRAFTING, CaseStage.DRAFT_SERVED):
        for advice in outstanding:
            limit = timeline.limit(f"advice:{advice.key}")
            due_on = timeline.due_on(limit.key)
            for rung in chasing.due_rungs(context.ladder.rungs_for(advice.role), due_on=due_on, today=today):
                if rung.send == "escalation" and limit.state is LimitState.DISAPPLIED:
                    continue  # an exception applies: the adviser is not at fault
                recipient = _rung_recipient(rung.to, advice.key, advice.role)
                on = chasing.rung_day(due_on, rung)
                out.append(Message(rung.purpose, recipient, due_on, about=advice.key, on=on))
    if stage is CaseStage.ASSESSING:
        asked = [advice for advice in facts.advice if not advice.existing_advice_accepted]
        if asked and outstanding:
            last_due = max(timeline.due_on(f"advice:{advice.key}") for advice in asked)
            if today >= last_due:
                out += [Message("advice_status", who, last_due, on=last_due) for who in context.family]
        elif asked:
            # Nothing is outstanding: every piece of advice asked for has been received.
            last_in = max(advice.received_on for advice in asked if advice.received_on is not None)
            out += [Message("advice_complete", who, on=last_in) for who in context.family]
    if stage is not CaseStage.CONSIDERING:
        for advice in facts.advice:
            if advice.received_on is not None:
                out.append(Message("advice_received", "send_team", about=advice.key, on=advice.received_on))
    for exception in facts.exceptions:
        about = exception_subject(exception)
        letter = (f"exception_notice_letter:{about}",)
        out += [
            Message("exception_applied", who, attach=letter, about=about, on=exception.starts_on)
            for who in context.family
        ]
    for limit in timeline.limits:
        alerts = context.ladder.alerts_for(limit.key)
        if alerts is None or limit.due_on is None:
            continue
        if limit.state is LimitState.DUE and not _decided_awaiting_letter(facts, limit.key):
            before = chasing.warning_due(alerts, due_on=limit.due_on, today=today)
            if before is not None:
                on = limit.due_on - timedelta(days=before)
                out.append(Message("limit_warning", "send_team", limit.due_on, about=limit.key, on=on))
        if limit.state is LimitState.BREACHED and today > limit.due_on:
            on = limit.due_on + timedelta(days=1)
            out += [
                Message("limit_breached", f"contact:{who}", limit.due_on, about=limit.key, on=on)
                for who in alerts.alert_on_breach
            ]
    out += [Message("message_failed", "send_team", about=key) for key in context.failed_messages]
    return out


def _decided_awaiting_letter(facts: CaseFacts, limit_key: str) -> bool:
    """The council has acted and its letter is on its way: the limit is met when it is
    sent, and a warning to act would be noise (a breach alert still comes if it is not)."""
    if limit_key == "decision_to_assess":
        return facts.decision_to_assess is not None
    if limit_key == "decision_not_to_issue":
        return facts.decision_to_issue is not None
    if limit_key == "final_plan":
        return facts.final_issued_on is not None
    return False


def _rung_recipient(to: str, advice_key: str, role: ContributorRole) -> str:
    if to == chasing.CONTRIBUTOR:
        return f"adviser:{advice_key}"
    if to == chasing.CONTRIBUTOR_MANAGER:
        return f"manager:{role.value}"
    return f"contact:{to}"


def _parties(context: CaseContext) -> frozenset[str]:
    reachable = {f"notice:{party}" for party in context.notice_parties} | {"send_team"}
    reachable |= {f"manager:{role.value}" for role in context.managers}
    reachable |= {f"contact:{name}" for name in context.contacts}
    if context.has_setting:
        reachable.add("setting")
    if context.named_setting_reachable:
        reachable.add("named_setting")
    return frozenset(reachable)


def _advice_to_request(facts: CaseFacts, context: CaseContext) -> list[AdviceToRequest]:
    wanted = []
    if context.family:
        wanted.append(AdviceToRequest(FAMILY_ADVICE_KEY, ContributorRole.PARENT_OR_YOUNG_PERSON))
    if context.has_setting:
        wanted.append(AdviceToRequest(SETTING_ADVICE_KEY, ContributorRole.EDUCATIONAL))
    wanted += [AdviceToRequest(adviser_key(role), role) for role in context.advisers]
    asked = {advice.key for advice in facts.advice}
    return [item for item in wanted if item.key not in asked]


def _waiting_for(
    facts: CaseFacts, timeline: Timeline, context: CaseContext, stage: CaseStage, today: date
) -> tuple[str, ...]:
    waits = []
    if stage is CaseStage.CONSIDERING:
        due = timeline.limit("decision_to_assess").due_on
        waits.append(f"the panel's decision whether to assess (due {due})")
    if stage is CaseStage.ASSESSING:
        for advice in facts.advice:
            if advice.received_on is None and not advice.existing_advice_accepted:
                due = timeline.limit(f"advice:{advice.key}").due_on
                waits.append(f"advice from {words(advice.role.value)} ({advice.key}), due {due}")
        waits.append(
            "the decision whether to issue a plan "
            f"(a decision not to issue is due by {timeline.limit('decision_not_to_issue').due_on})"
        )
    if stage is CaseStage.DRAFTING:
        waits.append(
            f"the coordinator to serve the draft plan (target {timeline.limit('draft_plan_target').due_on})"
        )
    if stage is CaseStage.DRAFT_SERVED:
        # What stands between the case and the council's decision to finalise.
        waits += [blocker.reason for blocker in finalising.blockers(facts, timeline=timeline, on=today)]
        due = timeline.limit("final_plan").due_on
        waits.append(f"the coordinator to finalise the plan (due {due}); nothing issues it by itself")
    return tuple(waits)


def _wake_on(facts: CaseFacts, timeline: Timeline, context: CaseContext, today: date) -> date | None:
    """The next day something changes without a signal: a limit falls due or is breached,
    or the family's window ends and the final plan can go."""
    candidates = []
    for limit in timeline.open_limits:
        if limit.due_on is not None:
            candidates += [limit.due_on, limit.due_on + timedelta(days=1)]
            alerts = context.ladder.alerts_for(limit.key)
            rungs: tuple[Rung, ...] = ()
            if limit.key.startswith("advice:"):
                advice = next(item for item in facts.advice if f"advice:{item.key}" == limit.key)
                rungs = context.ladder.rungs_for(advice.role)
            candidates += chasing.future_days(rungs, alerts, due_on=limit.due_on)
    if facts.draft_served_on is not None and facts.final_issued_on is None:
        candidates.append(timeline.due_on("family_comments") + timedelta(days=1))
    future = [day for day in candidates if day > today]
    return min(future, default=None)
