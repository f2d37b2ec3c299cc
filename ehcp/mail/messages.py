"""Who a planned message goes to, and what its template is told.

The planner names recipients by stable keys (`adviser:health`, `contact:icb_dco`...);
`address` turns one into an email address, a greeting and the role the chronology
and Prefect may name. `context` gives a message's template exactly what it needs:
the case's dates, and for each purpose the few facts it reports (an adviser's role,
a limit's title, the portal link). Nothing here reads a note field: internal notes
and evidence never reach a message.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from ehcp.council.config import Council
from ehcp.db.models import AdviceRequest, Case, FamilyContact, OutboundMessage, StatutoryException, id_of
from ehcp.domain.clock import Timeline
from ehcp.domain.finalising import ADVICE_GAP_WORDS
from ehcp.domain.grounds import FAMILY_WORDS, ExceptionGround, limit_in_family_words
from ehcp.domain.planner import Message, parse_exception_subject
from ehcp.domain.roles import ContributorRole
from ehcp.portal.tokens import advice_link
from ehcp.settings import Settings
from ehcp.text import words

# Messages to the contributor themselves carry their portal link.
TO_CONTRIBUTOR_WITH_LINK = {"advice_request", "advice_reminder", "advice_chaser"}


@dataclass(frozen=True)
class Address:
    email: str
    name: str  # how the message greets them
    role: str  # what the chronology and Prefect may say about them


def address(session: Session, case: Case, council: Council, recipient: str) -> Address | None:
    """The address behind a recipient key, or None if there is none to write to."""
    kind, _, which = recipient.partition(":")
    if kind == "family":
        family = session.get(FamilyContact, int(which))
        if family is None or not family.email:
            return None
        return Address(family.email, family.full_name, "family")
    if kind == "notice":
        party = council.considering_notice[which]
        return Address(party.email, party.organisation, f"notice:{which}")
    if kind == "setting" and case.setting_email:
        return Address(case.setting_email, case.setting_name or "the school or setting", "setting")
    if kind == "send_team":
        return Address(council.send_team.email, council.send_team.organisation, "send_team")
    if kind == "manager":
        manager = council.managers.get(ContributorRole(which))
        return Address(manager.email, manager.organisation, f"manager:{which}") if manager else None
    if kind == "contact":
        contact = council.contacts.get(which)
        return Address(contact.email, contact.organisation, f"contact:{which}") if contact else None
    if kind == "adviser":
        advice = _advice(session, case, which)
        if advice is None or advice.contact_email is None:
            return None
        name = "family" if advice.role == ContributorRole.PARENT_OR_YOUNG_PERSON else advice.organisation
        return Address(advice.contact_email, name, f"adviser:{advice.role}")
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
        return (
            Address(row.contact_email, row.setting_name, "named_setting")
            if row and row.contact_email
            else None
        )
    return None


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
    return {**base, **extra}


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
    return {
        "advice_in": [f"{words(row.role)} ({row.received_on})" for row in rows if row.received_on],
        "advice_awaited": [f"{words(row.role)} (due {row.due_on})" for row in rows if not row.received_on],
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
