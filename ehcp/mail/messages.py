"""Who a planned message goes to, and what its template is told.

The planner names recipients by stable keys (`adviser:health`, `contact:icb_dco`...);
`address` turns one into an email address, a greeting and the role the chronology
and Prefect may name. `context` gives a message's template exactly what it needs:
the case's dates, and for each purpose the few facts it reports (an adviser's role,
a limit's title, the portal link). Dates stay dates (the email environment prints
them in words); those already made text here are in words too. Nothing here reads a
note field: internal notes and evidence never reach a message.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlmodel import Session, col, select

from ehcp.council.config import Council
from ehcp.db.models import (
    AdviceRequest,
    Case,
    Channel,
    Child,
    FamilyContact,
    OutboundMessage,
    StatutoryException,
    id_of,
)
from ehcp.documents.family_safe import about_young_person
from ehcp.domain.clock import Timeline
from ehcp.domain.finalising import ADVICE_GAP_WORDS
from ehcp.domain.grounds import FAMILY_WORDS, ExceptionGround, limit_in_family_words
from ehcp.domain.planner import Message, parse_exception_subject
from ehcp.domain.roles import ContributorRole, RequestSource
from ehcp.portal.tokens import advice_link
from ehcp.rendering import long_date
from ehcp.settings import Settings
from ehcp.text import words

# A young person with no contact of their own: written to by post at the child's address.
YOUNG_PERSON_AT_HOME = "family:young-person"

# Messages to the contributor themselves carry their portal link.
TO_CONTRIBUTOR_WITH_LINK = {"advice_request", "advice_reminder", "advice_chaser"}

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Address:
    email: str  # empty for a letter that goes by post
    name: str  # how the message greets them
    role: str  # what the chronology and Prefect may say about them
    channel: Channel = Channel.EMAIL
    # By post: the address block to print, or None when the council must add it by hand.
    postal_address: str | None = None

    @property
    def by_post(self) -> bool:
        return self.channel is Channel.POST


def by_post(name: str, role: str, postal_address: str | None) -> Address:
    return Address("", name, role, Channel.POST, postal_address)


def address(session: Session, case: Case, council: Council, recipient: str) -> Address | None:
    """The address behind a recipient key, or None if there is none to write to.

    Someone with no email address, or a family who prefers post, is written to by post
    (s.19 and Regs 4-13 are duties to notify, not to email): the letter goes to the post
    tray (ehcp.mail.post_tray), never silently nowhere."""
    kind, _, which = recipient.partition(":")
    if recipient == YOUNG_PERSON_AT_HOME:
        return by_post(young_person_name(session, case), "family", _home_address(session, case))
    if kind == "family":
        family = session.get(FamilyContact, int(which))
        if family is None:
            return None
        if not family.email or family.preferred_contact == "post":
            return by_post(family.full_name, "family", _home_address(session, case))
        return Address(family.email, family.full_name, "family")
    if kind == "notice":
        party = council.considering_notice[which]
        return Address(party.email, party.organisation, f"notice:{which}")
    if kind == "setting" and not case.setting_address_confirmed:
        # Not the council directory's address, nor a coordinator's: nothing goes to it.
        return None
    if kind == "setting" and case.setting_email:
        return Address(case.setting_email, case.setting_name or "the school or setting", "setting")
    if kind == "setting" and case.setting_name:
        return by_post(case.setting_name, "setting", None)
    if kind == "send_team":
        return team_address(council)
    if kind == "officer":
        return _officer(council, case, which)
    if kind == "manager":
        manager = council.managers.get(ContributorRole(which))
        return Address(manager.email, manager.organisation, f"manager:{which}") if manager else None
    if kind == "contact":
        contact = council.contacts.get(which)
        return Address(contact.email, contact.organisation, f"contact:{which}") if contact else None
    if kind == "adviser":
        advice = _advice(session, case, which)
        if advice is None:
            return None
        if advice.role == ContributorRole.PARENT_OR_YOUNG_PERSON:
            # Whoever the request was made to (a young person's own contact, or the
            # parent), read back by the address it was recorded with.
            family = _family_adviser(session, case, advice.contact_email, advice.contact_name)
            name = family.full_name if family else advice.contact_name
            if name is None:
                return None
            wants_post = not advice.contact_email or (
                family is not None and family.preferred_contact == "post"
            )
            if wants_post:
                return by_post(name, f"adviser:{advice.role}", _home_address(session, case))
            return Address(advice.contact_email or "", name, f"adviser:{advice.role}")
        if advice.contact_email is None:
            return by_post(advice.contact_name or advice.organisation, f"adviser:{advice.role}", None)
        return Address(advice.contact_email, advice.organisation, f"adviser:{advice.role}")
    if kind == "consultation":
        from ehcp.db.models import SettingConsultation

        row = session.exec(
            select(SettingConsultation).where(
                SettingConsultation.case_id == case.id, SettingConsultation.key == which
            )
        ).first()
        return (
            Address(row.contact_email, row.setting_name, "consulted_setting")
            if row and row.contact_email
            else None
        )
    if kind == "named_setting":
        from ehcp.db.models import SettingConsultation

        if case.named_setting is None:
            return None
        if case.named_setting_email:
            return Address(case.named_setting_email, case.named_setting, "named_setting")
        row = session.exec(
            select(SettingConsultation).where(
                SettingConsultation.case_id == case.id,
                SettingConsultation.setting_name == case.named_setting,
            )
        ).first()
        if row and row.contact_email:
            return Address(row.contact_email, row.setting_name, "named_setting")
        # Regs 13(2)(b): the institution named gets its copy, by post if no address is known.
        return by_post(case.named_setting, "named_setting", None)
    return None


def _officer(council: Council, case: Case, key: str) -> Address | None:
    """The coordinator the case is assigned to, at their work inbox. A key since removed
    from council.yaml has no inbox: the team's copy still goes, so this is not an error."""
    coordinator = council.coordinators.get(key)
    if coordinator is None:
        log.warning(
            "case %s: coordinator %r is not in council.yaml: the team inbox alone is told", case.ref, key
        )
        return None
    # The role names the key, never the person: it reaches the chronology and Prefect.
    return Address(str(coordinator.email), coordinator.name, f"officer:{key}")


def young_person_name(session: Session, case: Case) -> str:
    child = session.exec(select(Child).where(Child.case_id == case.id)).first()
    return f"{child.given_names} {child.family_name}" if child else "the young person"


def _family_adviser(
    session: Session, case: Case, email: str | None, name: str | None
) -> FamilyContact | None:
    """The family contact an advice request was made to: by its email, else its name;
    None for a young person written to at home (no contact of their own)."""
    contacts = session.exec(
        select(FamilyContact).where(FamilyContact.case_id == case.id).order_by(col(FamilyContact.id))
    ).all()
    if email:
        return next((c for c in contacts if c.email == email), None) or _main_family_contact(session, case)
    return next((c for c in contacts if c.full_name == name), None)


def _main_family_contact(session: Session, case: Case) -> FamilyContact | None:
    contacts = session.exec(
        select(FamilyContact).where(FamilyContact.case_id == case.id).order_by(col(FamilyContact.id))
    ).all()
    return next((contact for contact in contacts if contact.is_primary), contacts[0] if contacts else None)


def _home_address(session: Session, case: Case) -> str | None:
    """The child's home address as an envelope block: where the family's letters go."""
    child = session.exec(select(Child).where(Child.case_id == case.id)).first()
    if child is None:
        return None
    lines = [child.address_line_1, child.address_line_2, child.town, child.postcode]
    block = "\n".join(line for line in lines if line)
    return block or None


def contact_needs(case: Case) -> str:
    """What a coordinator must know before writing to or calling the family, in words
    (for staff messages and the local timeline only: never Prefect)."""
    needs = []
    if case.interpreter_needed:
        needs.append(
            f"an interpreter ({case.contact_language})" if case.contact_language else "an interpreter"
        )
    elif case.contact_language and case.contact_language.strip().lower() != "english":
        needs.append(f"letters in {case.contact_language}")
    if case.accessibility_needs:
        needs.append(f"accessibility: {case.accessibility_needs}")
    return "; ".join(needs)


def base_context(case: Case, council: Council, timeline: Timeline) -> dict[str, Any]:
    """What every template may use: dates, reference and the council. No notes."""
    return {
        "case_ref": case.ref,
        "council": council.name,
        "send_team_email": council.send_team.email,
        "received_on": case.received_on,
        "decide_by": timeline.limit("decision_to_assess").due_on,
        "decide_issue_by": timeline.limit("decision_not_to_issue").due_on,
        "draft_target_by": timeline.limit("draft_plan_target").due_on,
        "final_by": timeline.limit("final_plan").due_on,
        "named_setting": case.named_setting or "",
        "family_contact_needs": contact_needs(case),
        # s.83(2): a young person holds the rights; family emails speak to them ("you").
        "young_person": about_young_person(case, on=timeline.today),
        # Who asked, in a family's words, when it was not a request under s.36(1) (the
        # family's or the school's) but a child brought to the council's attention (s.24).
        "told_by": RequestSource(case.request_source).family_words or "",
    }


def context(
    session: Session,
    *,
    case: Case,
    message: Message,
    base: dict[str, Any],
    timeline: Timeline,
    settings: Settings,
) -> dict[str, Any]:
    """The template context of one message: the base plus what its purpose reports."""
    extra: dict[str, Any] = {"due_on": message.due_on, "role": ""}
    kind, _, which = message.recipient.partition(":")
    advice_key = which if kind == "adviser" else message.about
    advice = _advice(session, case, advice_key) if advice_key else None
    if advice is not None and message.purpose.startswith("advice_"):
        extra |= {
            "role": words(advice.role),
            "organisation": advice.organisation,
            "requested_on": advice.requested_on,
            "days_late": max(0, (timeline.today - advice.due_on).days),
        }
        if message.purpose in TO_CONTRIBUTOR_WITH_LINK:
            extra["portal_url"] = advice_link(id_of(advice), advice_due_on=advice.due_on, settings=settings)
        if message.purpose == "advice_received":
            extra["advice_received_on"] = advice.received_on
    if advice is not None and message.purpose == "proceeding_without_advice":
        extra |= {
            "role": words(advice.role),
            "organisation": advice.organisation,
            "gap_reason": ADVICE_GAP_WORDS.get(advice.gap_reason or "", ""),
        }
    if message.purpose in ("advice_status", "advice_complete"):
        extra |= _advice_lists(session, case)
    if message.purpose in ("limit_warning", "limit_breached"):
        limit = timeline.limit(_about(message))
        extra |= {
            "limit_title": limit.title,
            "limit_basis": limit.basis,
            "days_remaining": limit.days_remaining or 0,
            "days_late": limit.days_late or 0,
        }
    if message.purpose == "exception_applied":
        extra |= _exception(session, case, _about(message))
    if message.purpose == "message_failed":
        extra |= _failed(session, _about(message))
    if message.purpose == "run_stopped":
        extra |= run_stopped_context(_about(message))
    return {**base, **extra}


def team_address(council: Council) -> Address:
    """The SEND team's shared inbox."""
    return Address(council.send_team.email, council.send_team.organisation, "send_team")


def run_stopped_about(*, attempts: int, error_id: str | None, stopped_at: datetime) -> str:
    """What a "run stopped" alert is about, in its key: each stop is told once."""
    return f"{attempts}:{error_id or 'none'}:{stopped_at:%Y%m%dT%H%M%S}"


def run_stopped_context(about: str) -> dict[str, Any]:
    """The alert's variables, read back from its `about` (the stop path cannot count on
    reading the rest of the case: its data may be what makes the run fail)."""
    attempts, error_id, _ = about.split(":")
    return {"attempts": int(attempts), "error_id": None if error_id == "none" else error_id}


def _advice(session: Session, case: Case, key: str) -> AdviceRequest | None:
    return session.exec(
        select(AdviceRequest).where(AdviceRequest.case_id == case.id, AdviceRequest.key == key)
    ).first()


def _advice_lists(session: Session, case: Case) -> dict[str, Any]:
    rows = session.exec(
        select(AdviceRequest)
        .where(AdviceRequest.case_id == case.id, AdviceRequest.existing_advice_accepted == False)  # noqa: E712
        .order_by(col(AdviceRequest.id))
    ).all()
    # Dates in words, as every date an email shows (ehcp.rendering.email_environment):
    # these are already text when the template prints them.
    return {
        "advice_in": [f"{words(row.role)} ({long_date(row.received_on)})" for row in rows if row.received_on],
        "advice_awaited": [
            f"{words(row.role)} (due {long_date(row.due_on)})"
            for row in rows
            if not row.received_on and not row.gap_reason
        ],
        # Advice the council goes ahead without (Regs 6(1)): no longer awaited, never "in".
        "advice_without": [
            "your own views and advice"
            if row.role == ContributorRole.PARENT_OR_YOUNG_PERSON
            else f"{words(row.role)} advice"
            for row in rows
            if not row.received_on and row.gap_reason
        ],
    }


def _about(message: Message) -> str:
    """What a warning, an exception notice or a failure notice is about: the planner names it."""
    if message.about is None:
        raise ValueError(f"a {message.purpose} message must say what it is about")
    return message.about


def _exception(session: Session, case: Case, about: str) -> dict[str, Any]:
    ground, starts, limit_key = parse_exception_subject(about)
    row = session.exec(
        select(StatutoryException).where(
            StatutoryException.case_id == case.id,
            StatutoryException.ground == ground,
            StatutoryException.starts_on == date.fromisoformat(starts),
            StatutoryException.limit_key == limit_key,
        )
    ).first()
    adviser = _advice(session, case, limit_key.partition(":")[2]) if limit_key.startswith("advice:") else None
    # The family sees the explanation written for them, or the ground in plain words;
    # never the evidence note, which is internal.
    explanation = row.family_explanation if row is not None and row.family_explanation else ""
    return {
        "exception_ground": FAMILY_WORDS[ExceptionGround(ground)],
        "exception_explanation": explanation,
        "exception_starts_on": date.fromisoformat(starts),
        "exception_limit": limit_in_family_words(limit_key, adviser.organisation if adviser else None),
    }


def _failed(session: Session, key: str) -> dict[str, Any]:
    row = session.exec(select(OutboundMessage).where(OutboundMessage.key == key)).first()
    return {
        "failed_purpose": words(row.purpose) if row else key,
        "failed_recipient": words(row.recipient_role) if row else "",
        "failed_reason": (row.last_error or "")[:300] if row else "",
    }
