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
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from ehcp.domain import finalising
from ehcp.domain import ladder as chasing
from ehcp.domain.advice_plan import (
    EXISTING_ADVICE_ROLES,
    AdviceCase,
    ExistingAdvice,
    Service,
    ShareDecision,
    advice_plan,
    qualified_teachers,
    role_key,
)
from ehcp.domain.clock import LimitState, Timeline
from ehcp.domain.facts import AdviceFacts, AssessmentOutcome, CaseFacts, ExceptionFacts, IssueOutcome
from ehcp.domain.ladder import Ladder, Rung
from ehcp.domain.roles import ContributorRole
from ehcp.domain.stages import ENDED_WITHOUT_A_PLAN, CaseStage, stage_of
from ehcp.text import words

# Who hears of a decision: the family always; these parties as the law says.
TOLD_OF_ASSESSMENT_DECISION = ("notice:health", "notice:social_care", "setting")  # Regs 4(2), 5
TOLD_OF_NOT_ISSUING = ("notice:health", "setting")  # Regs 10: the ICB and the school
TOLD_OF_FINAL_PLAN = ("named_setting", "notice:health")  # Regs 13(2)


@dataclass(frozen=True)
class Message:
    """One message to queue. `recipient` is a stable key the adapters resolve to an address:
    `family:<contact id>`, `notice:<party>`, `adviser:<advice key>`, `setting`,
    `consultation:<key>`, `named_setting`, `send_team`, `officer:<key>` (the case's
    coordinator: a copy of each message to `send_team`), `manager:<role>` (a service's
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
    """Advice to seek now. A request is identified by its key and role; who is asked and
    why (domain/advice_plan.py) describe it and are not part of its identity."""

    key: str
    role: ContributorRole
    organisation: str | None = field(default=None, compare=False)
    name: str | None = field(default=None, compare=False)
    email: str | None = field(default=None, compare=False)
    why: str = field(default="", compare=False)
    # Regs 6(4) agreed before the request was made: stored as accepted, never sent.
    existing: ExistingAdvice | None = field(default=None, compare=False)


@dataclass(frozen=True)
class CaseContext:
    """What the planner needs beyond the facts: who can be reached."""

    ref: str
    family: tuple[str, ...]  # recipient keys of family contacts
    has_setting: bool  # the child has a current setting (written to by email, or by post)
    notice_parties: tuple[str, ...]  # "health", "social_care" as configured
    advisers: tuple[ContributorRole, ...]  # services the council asks for advice
    named_setting: str | None = None
    named_setting_reachable: bool = False
    ladder: Ladder = Ladder()
    managers: tuple[ContributorRole, ...] = ()  # services with a manager to escalate to
    contacts: tuple[str, ...] = ()  # the ladder's named inboxes
    # Keys of messages the relay refused for good: the coordinator must hear of each.
    failed_messages: tuple[str, ...] = ()
    # Letters waiting in the post tray to be printed and posted ("<purpose> to <role>"):
    # until posted they have not been sent, and the limits they meet are not met.
    awaiting_post: tuple[str, ...] = ()
    # Who is asked for advice on this case (domain/advice_plan.py). None: worked out from
    # `family`, `has_setting` and `advisers` alone (callers that know no more).
    advice_case: AdviceCase | None = None
    # Regs 6(4) agreements recorded before the advice was requested.
    agreed_sufficient: tuple[ExistingAdvice, ...] = ()
    # consent.share_with_professionals at intake (None: no intake form). Regs 6(2) makes
    # sending advisers the family's representations a duty; a "no" holds every advice
    # request but the family's own until a coordinator records `share_decision`.
    family_agreed_to_share: bool | None = None
    share_decision: ShareDecision | None = None
    # The child's setting is named but its address is neither the council directory's nor
    # confirmed by a coordinator: nothing goes to it until a coordinator confirms it.
    setting_to_confirm: bool = False
    # The day a request arrived whose date of receipt was more than 4 weeks earlier, until
    # a coordinator confirms that date (None: nothing to confirm).
    received_on_to_confirm: date | None = None
    # The key of the coordinator the case is assigned to (council.yaml `coordinators`), when
    # configured: what goes to the team inbox goes to them too (`officer_copies`).
    officer: str | None = None


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
    # Purposes a later fact has made untrue: any still unsent must not go (ehcp.mail.stale).
    stale_purposes: tuple[str, ...] = ()

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
    return role_key(role)


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

    def _sent(message: Message) -> bool:
        return message.key(context.ref) in done_messages

    decide_by = timeline.limit("decision_to_assess").due_on
    # Document kinds are named as in ehcp/documents/kinds.py; a kind about one advice
    # request or exception carries its key after a colon.
    if still_considering(facts):
        send_letter("acknowledgement", context.family, decide_by)
        send_letter("considering_notice", ("notice:health", "notice:social_care", "setting"))

    assessment = facts.decision_to_assess
    if assessment is not None and assessment.outcome is AssessmentOutcome.ASSESS:
        send_letter("decision_to_assess", (*context.family, *TOLD_OF_ASSESSMENT_DECISION))
        if stage is CaseStage.ASSESSING:
            todo.advice.extend(_advice_to_request(facts, context, today))
        for advice in facts.advice:
            if advice.existing_advice_accepted:
                continue
            due = timeline.limit(f"advice:{advice.key}").due_on
            letter = f"advice_request_letter:{advice.key}"
            adviser = f"adviser:{advice.key}"
            if stage not in ENDED_WITHOUT_A_PLAN:
                draft(letter)
                send("advice_request", (adviser,), due, attach=(letter,))
            elif _stood_down(advice) and _sent(Message("advice_request", adviser, due)):
                # A request not sent before the end (both recorded before the run looked)
                # is never sent, so nobody is asked and stood down in the same minute.
                send("advice_not_needed", (adviser,), due)
    elif assessment is not None:
        send_letter("decision_not_to_assess", (*context.family, *TOLD_OF_ASSESSMENT_DECISION))

    issue = facts.decision_to_issue
    if issue is not None and issue.outcome is IssueOutcome.NOT_ISSUE:
        send_letter("decision_not_to_issue", (*context.family, *TOLD_OF_NOT_ISSUING))
    elif (issue is not None or facts.draft_issued_on is not None) and facts.withdrawn_on is None:
        # The working draft is for the caseworker to write the council's plan from (Regs 12).
        draft("working_draft")
        if facts.draft_issued_on is None:
            send("draft_ready", ("send_team",), attach=("working_draft",))

    if facts.draft_issued_on is not None:
        draft("draft_plan")  # the caseworker's served version
        draft("draft_plan_letter")
        # Keyed by the day it was sent, so serving a new version sends it again. Its 15 days
        # begin when it reaches the family (the clock reads that from the outbox).
        send(
            "draft_plan",
            context.family,
            attach=("draft_plan_letter", "draft_plan"),
            on=facts.draft_issued_on,
        )
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

    messages = officer_copies(dict.fromkeys(todo.messages), context, done_messages)
    work = Work(
        documents=tuple(kind for kind in dict.fromkeys(todo.documents) if kind not in done_documents),
        advice=tuple(todo.advice),
        messages=tuple(message for message in messages if message.key(context.ref) not in done_messages),
    )
    return Plan(
        stage=stage,
        work=work,
        waiting_for=() if stage.is_closed else _waiting_for(facts, timeline, context, stage, today),
        wake_on=None if stage.is_closed else _wake_on(facts, timeline, context, today),
        stale_purposes=(() if still_considering(facts) else CONSIDERING_NOTICES)
        + (ADVICE_FOLLOW_UPS if stage in ENDED_WITHOUT_A_PLAN else ()),
    )


def _stood_down(advice: AdviceFacts) -> bool:
    """Once the assessment ends without a plan (ENDED_WITHOUT_A_PLAN), a professional whose
    advice has not come is told it is no longer needed. The Regulations say nothing of
    standing an adviser down; but advice sought under Regs 6(1) is work on the child (an
    educational psychologist's assessment, a paediatric review) for a purpose that has
    ended, and the portal no longer takes it (ehcp/web/portal.py). The family, asked for
    their own views, hear of the end in the withdrawal or decision letter. After a final
    plan late advice is still welcome (templates/email/proceeding_without_advice.txt), so
    nobody is stood down then."""
    return (
        advice.received_on is None
        and not advice.existing_advice_accepted
        and advice.role is not ContributorRole.PARENT_OR_YOUNG_PERSON
    )


TEAM = "send_team"
OFFICER = "officer"  # `officer:<coordinator key>`: the coordinator the case is assigned to


def officer_copies(
    messages: Iterable[Message], context: CaseContext, done_messages: frozenset[str]
) -> list[Message]:
    """Each message to the team inbox, preceded by its copy to the case's coordinator.

    Only while the team's own copy is still to be queued: a coordinator assigned (or
    reassigned) mid-case hears of what happens from then on, not again of what the team
    was told before. The copy comes first so that a look interrupted between the two
    queues the team's copy next time, and never loses the coordinator's."""
    out: list[Message] = []
    for message in messages:
        team_copy_due = message.recipient == TEAM and message.key(context.ref) not in done_messages
        if context.officer is not None and team_copy_due:
            out.append(replace(message, recipient=f"{OFFICER}:{context.officer}"))
        out.append(message)
    return out


# Regs 4(1)-(2) SEND Regulations 2014: while the council considers whether an assessment
# is necessary it tells the family, and the bodies Regs 4(2) names, that it is
# considering. Once its decision is on record (or the family has withdrawn the request)
# a notice not yet sent would tell them something no longer true, in the same post as the
# decision itself; the decision letter (Regs 5(1)-(2)) tells them instead.
CONSIDERING_NOTICES = ("acknowledgement", "considering_notice")
# Once the assessment has ended without a plan, a reminder, chaser or escalation about
# advice, or the family's news of where it has got to, still waiting to go (the relay down,
# a letter in the post tray) would be about work nobody needs: it is withdrawn unsent.
ADVICE_FOLLOW_UPS = ("advice_reminder", "advice_chaser", "advice_escalation", "advice_status")


def still_considering(facts: CaseFacts) -> bool:
    return facts.decision_to_assess is None and facts.withdrawn_on is None


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
        elif arrived := [advice.received_on for advice in asked if advice.received_on is not None]:
            # Nothing is outstanding: each piece asked for has come, or the council goes
            # ahead without it (the family is told of each in proceeding_without_advice).
            # When none came at all there is nothing to say "all in" about.
            out += [Message("advice_complete", who, on=max(arrived)) for who in context.family]
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
    if context.has_setting and not context.setting_to_confirm:
        reachable.add("setting")
    if context.named_setting_reachable:
        reachable.add("named_setting")
    return frozenset(reachable)


def _advice_case(context: CaseContext) -> AdviceCase:
    """Who is asked, for callers that gave no AdviceCase: the family if reachable, the
    setting if it has a contact, and every configured adviser (the school year unknown)."""
    if context.advice_case is not None:
        return context.advice_case
    return AdviceCase(
        has_family=bool(context.family),
        setting_name="Current setting" if context.has_setting else None,
        setting_email=None,
        services=tuple(Service(role, words(role.value)) for role in context.advisers),
    )


def sharing_held(context: CaseContext) -> bool:
    """The family said no to sharing their request at intake and no coordinator has yet
    recorded what the council may share with advisers (Regs 6(2))."""
    return context.family_agreed_to_share is False and context.share_decision is None


def _advice_to_request(facts: CaseFacts, context: CaseContext, today: date) -> list[AdviceToRequest]:
    """The advice this case needs that has not been sought (Regs 6(1)), per case: see
    domain/advice_plan.py. A key already on the case (requested, or recorded under Regs
    6(4) as existing advice agreed sufficient) is never sought again.

    When the family did not consent at intake to their request being shared, only their
    own advice (Regs 6(1)(a)) is sought until a coordinator records what may be shared.
    Why hold the requests rather than send them bare: Regs 6(2) says the council "must
    provide the person from whom advice is being sought with copies of (or, if
    appropriate, extracts from)" the family's representations, so a request is not
    complete without some of the family's words, and which words is what the family said
    no to. Every such request also names the child to a body the family may not expect
    (the professionals they listed, the EP service). A family who ticked "no" expects to
    be asked first; the council owes it to them to ask before it shares, and it can: the
    decision is wanted only once the council decides to assess (Regs 5(1), up to 6 weeks
    after receipt), and the coordinator is asked for it from the day the request arrives.
    What still goes regardless: the Regs 4(2) notices that an assessment is being
    considered, and the Regs 5(2) / 10 notices of the council's decisions, which the law
    requires and which carry only the child's identity and the council's own words, never
    the request's text. The statutory clock is not paused: a delay here is the council's,
    and the advisers' 6 weeks (Regs 8(1)) run from the day each is actually asked."""
    asked = {advice.key for advice in facts.advice}
    agreed = {item.key: item for item in context.agreed_sufficient}
    held = sharing_held(context)
    # Regs 6(4) covers (1)(b) to (h): the family's own advice is always sought.
    return [
        AdviceToRequest(
            item.key,
            item.role,
            organisation=item.organisation,
            name=item.name,
            email=item.email,
            why=item.why,
            existing=agreed.get(item.key) if item.role in EXISTING_ADVICE_ROLES else None,
        )
        for item in advice_plan(_advice_case(context), on=today).items
        if item.key not in asked and not (held and item.role is not ContributorRole.PARENT_OR_YOUNG_PERSON)
    ]


def _waiting_for(
    facts: CaseFacts, timeline: Timeline, context: CaseContext, stage: CaseStage, today: date
) -> tuple[str, ...]:
    # The coordinator's own tasks first: the run's state message names the first wait.
    waits = _coordinator_tasks(facts, context)
    if stage is CaseStage.CONSIDERING:
        due = timeline.limit("decision_to_assess").due_on
        waits.append(f"the panel's decision whether to assess (due {due})")
    if stage is CaseStage.ASSESSING:
        waits += _advice_awaited(facts, timeline, context, today)
        waits.append(
            "the decision whether to issue a plan "
            f"(a decision not to issue is due by {timeline.limit('decision_not_to_issue').due_on})"
        )
    if stage is CaseStage.DRAFTING:
        waits.append(
            f"the coordinator to serve the draft plan (target {timeline.limit('draft_plan_target').due_on})"
        )
    if context.awaiting_post:
        waits.append(
            f"{len(context.awaiting_post)} letter(s) in the post tray to print and post "
            f"({'; '.join(context.awaiting_post)}): `ehcp post list`"
        )
    if stage is CaseStage.DRAFT_SERVED:
        # What stands between the case and the council's decision to finalise.
        waits += [blocker.reason for blocker in finalising.blockers(facts, timeline=timeline, on=today)]
        due = timeline.limit("final_plan").due_on
        waits.append(f"the coordinator to finalise the plan (due {due}); nothing issues it by itself")
    return tuple(waits)


# Limits run from the date the council received the request (Regs 5(1): 6 weeks; Regs
# 13(2): 20 weeks). A form that arrives saying it was received more than this long ago is
# shown to the coordinator to confirm: it opens normally, its limits from the date given.
OLD_RECEIPT_DAYS = 28


def received_long_before(received_on: date, arrived_on: date) -> bool:
    """The date of receipt is more than 4 weeks before the request reached the system."""
    return (arrived_on - received_on).days > OLD_RECEIPT_DAYS


def _coordinator_tasks(facts: CaseFacts, context: CaseContext) -> list[str]:
    """What only a coordinator can settle, in words without personal data (they reach the
    run's state message and its timeline artifact). None pauses the statutory clock."""
    tasks = []
    if context.received_on_to_confirm is not None:
        weeks = (context.received_on_to_confirm - facts.received_on).days // 7
        tasks.append(
            f"the coordinator to confirm the date of receipt ({facts.received_on}, {weeks} weeks before the "
            f"request arrived on {context.received_on_to_confirm}): every limit runs from it (Regs 5(1), "
            "13(2)); `ehcp confirm-received`"
        )
    if context.setting_to_confirm:
        tasks.append(
            "the coordinator to confirm the setting's address (it is not in the council's directory of "
            "settings): nothing goes to the setting, and its educational advice (Regs 6(1)(b)) waits, until "
            "then; the clock runs; `ehcp advice setting-address`"
        )
    if sharing_held(context):
        tasks.append(
            "the coordinator to record what of the family's request advisers may be sent (they did not "
            "consent at intake; Regs 6(2)): no one but the family is asked for advice until then; the clock "
            "runs; `ehcp advice share`"
        )
    return tasks


# What each role's advice is called where the coordinator reads what a case waits for.
# Roles and keys only: these lines reach the run's timeline artifact in Prefect.
_ADVICE_WORDS = {
    ContributorRole.PARENT_OR_YOUNG_PERSON: "the family's own views and advice",
    ContributorRole.EDUCATIONAL: "educational advice",
    ContributorRole.HEALTH: "health advice",
    ContributorRole.PSYCHOLOGICAL: "psychological advice",
    ContributorRole.SOCIAL_CARE: "social care advice",
    ContributorRole.OTHER: "advice from someone the council asked",
    ContributorRole.PREPARATION_FOR_ADULTHOOD: "preparation for adulthood advice",
    ContributorRole.FAMILY_REQUESTED: "advice from someone the family asked for",
}


def _advice_awaited(facts: CaseFacts, timeline: Timeline, context: CaseContext, today: date) -> list[str]:
    """Advice still owed (not received, not existing advice agreed sufficient under Regs
    6(4), not gone ahead without), and advice the law requires that nobody has been asked
    for. (Whether the family's representations may go to advisers, Regs 6(2), is one of
    the coordinator's tasks: `_coordinator_tasks`.)"""
    case = _advice_case(context)
    teachers = qualified_teachers(
        hearing_impairment=case.hearing_impairment, vision_impairment=case.vision_impairment
    )
    waits = []
    outstanding = [
        advice
        for advice in facts.advice
        if advice.received_on is None and not advice.existing_advice_accepted and advice.gap_reason is None
    ]
    for advice in outstanding:
        due = timeline.limit(f"advice:{advice.key}").due_on
        line = f"{_ADVICE_WORDS[advice.role]} ({advice.key}), due {due}"
        if advice.role is ContributorRole.EDUCATIONAL and teachers:
            line += f", given after consulting {' and '.join(teachers)} (Regs 6(3))"
        waits.append(line)
    roles = {advice.role for advice in facts.advice}
    for note in advice_plan(case, on=today).unresolved:
        # Resolved once a coordinator has asked someone under that head.
        if note.startswith("educational") and ContributorRole.EDUCATIONAL in roles:
            continue
        if note.startswith("educational") and context.setting_to_confirm:
            continue  # the coordinator's task to confirm the setting's address says it
        if note.startswith("preparation") and ContributorRole.PREPARATION_FOR_ADULTHOOD in roles:
            continue
        waits.append(f"the coordinator to arrange {note}")
    return waits


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
