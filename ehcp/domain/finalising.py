"""Whether the council may finalise the EHC plan yet: the rules its decision must meet.

Finalising is the council's act (CFA 2014 s.39(5)-(6) and s.40(2): it "must secure
that the plan names" the school; Regs 13(2): it "must send the finalised EHC
plan"). Nothing here issues anything: the planner never finalises on a timer, and
the coordinator's `ehcp finalise` (the API, the UI's form) is refused with every
reason this module gives. Until then the 20-week warnings and escalations go on.

The rules, each from the text:
- the draft has been served (s.38(1); Regs 13(1));
- the family's "at least 15 days, beginning with the day on which the draft plan was
  served" (Regs 13(1)(a)) are over. The Regulations give no way to shorten them:
  a family saying it has nothing to add does not end them early;
- a meeting the family required (Regs 13(1)(a)(ii)) has been held;
- the school the family asked for (s.38(2)(b)) has been consulted (s.39(2));
- the school to be named has been consulted (s.39(2), s.40(2)) and every consultation
  is answered or its time has passed (CoP 9.83: 15 days);
- section I names the institution and its type, or the type alone (s.40(2));
- no advice the council sought (Regs 6(1)) is outstanding, unless the coordinator has
  recorded why it goes ahead without it (the family is told).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from ehcp.domain.clock import FAMILY_COMMENT_DAYS, Timeline
from ehcp.domain.facts import CaseFacts

# Why a plan may go ahead without a piece of advice. Codes, not free text: they are
# shown to the family in plain words (see ADVICE_GAP_WORDS) and chosen in the UI.
ADVICE_GAP_WORDS: Mapping[str, str] = {
    "not_received_after_escalation": (
        "the advice has not arrived although we asked for it, reminded and escalated"
    ),
    "family_declined": "you told us you did not want this advice to be sought",
    "adviser_has_no_involvement": "the service told us it has no involvement with your child",
    "appointment_not_kept": "the appointment needed for the advice was not kept",
}
ADVICE_GAP_REASONS = tuple(ADVICE_GAP_WORDS)


@dataclass(frozen=True)
class Blocker:
    """One reason the plan cannot be finalised yet, with the field a caller would fix."""

    field: str
    reason: str


def family_period_ends(draft_served_on: date) -> date:
    """The last of the family's 15 days: "beginning with the day on which the draft plan
    was served" (Regs 13(1)(a)), so a draft served on the 1st gives them to the 15th."""
    return draft_served_on + timedelta(days=FAMILY_COMMENT_DAYS - 1)


def blockers(facts: CaseFacts, *, timeline: Timeline, on: date) -> tuple[Blocker, ...]:
    """Every reason the council may not finalise the plan on `on`; empty when it may."""
    out: list[Blocker] = []
    if facts.withdrawn_on is not None:
        return (Blocker("case_ref", f"the request was withdrawn on {facts.withdrawn_on}"),)
    if facts.final_issued_on is not None:
        return (Blocker("case_ref", f"the plan was already finalised on {facts.final_issued_on}"),)
    if facts.draft_issued_on is None:
        return (Blocker("draft_served_on", "the draft plan has not been served on the family (Regs 13(1))"),)
    served = facts.draft_served_on
    if served is None:
        return (
            Blocker(
                "draft_served_on",
                f"the draft sent on {facts.draft_issued_on} has not reached the family yet: their 15 days "
                "begin on the day its email is sent, or a posted draft's deemed day of delivery "
                "(Regs 13(1)(a); Interpretation Act 1978 s.7)",
            ),
        )
    if facts.changed_since_service:
        out.append(
            Blocker(
                "draft_served_on",
                f"sections {', '.join(facts.changed_since_service)} of the plan changed after the draft was "
                "served, with advice that arrived since: serve the new version, with a new 15 days "
                "(Regs 13(1))",
            )
        )
    last_day = family_period_ends(served)
    if on <= last_day:
        out.append(
            Blocker(
                "on",
                f"the family's 15 days on the draft run to {last_day} (Regs 13(1)(a)); "
                f"the plan can be finalised from {last_day + timedelta(days=1)}",
            )
        )
    if facts.meeting_requested_on is not None and facts.meeting_held_on is None:
        out.append(
            Blocker(
                "meeting_held_on",
                f"the family asked for a meeting about the draft on {facts.meeting_requested_on} "
                "and it is not recorded as held (Regs 13(1)(a)(ii))",
            )
        )
    consulted = {item.setting_name for item in facts.consultations if item.setting_name}
    if facts.requested_school and facts.requested_school not in consulted:
        out.append(
            Blocker(
                "requested_school",
                "the school the family asked for has not been consulted (s.38(2)(b), s.39(2))",
            )
        )
    if facts.named_setting_type is None:
        out.append(Blocker("setting_type", "section I must name the type of school or institution (s.40(2))"))
    if facts.named_setting and facts.named_setting not in consulted:
        out.append(
            Blocker("named_setting", "the school or institution to be named has not been consulted (s.39(2))")
        )
    for consultation in facts.consultations:
        limit = timeline.limit(f"school_consultation:{consultation.key}")
        if consultation.answered_on is None and limit.due_on is not None and on <= limit.due_on:
            out.append(
                Blocker(
                    "consultations",
                    f"consultation '{consultation.key}' is unanswered and its time runs to {limit.due_on}",
                )
            )
    for advice in facts.advice:
        if advice.received_on is None and not advice.existing_advice_accepted and advice.gap_reason is None:
            out.append(
                Blocker(
                    f"advice:{advice.key}",
                    f"advice '{advice.key}' ({advice.role}) has not been received: record it, or record "
                    "why the plan goes ahead without it (the family is told)",
                )
            )
    return tuple(out)
