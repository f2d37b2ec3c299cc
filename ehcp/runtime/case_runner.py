"""Reconcile one case: the body of every look the request flow takes.

Load the case, ask the pure planner what is due, do it (each step idempotent),
re-plan until nothing is left, then record which version of the case this look
saw and when to wake next. No Prefect here: the flow calls this through a task.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path

from sqlmodel import Session, col, select

from ehcp import documents, timesource
from ehcp.council.config import Council
from ehcp.db import crud, runs
from ehcp.db.inputs import AdviceRequestIn
from ehcp.db.models import Case, FamilyContact, OutboundMessage, id_of
from ehcp.documents.family_safe import about_young_person
from ehcp.domain.advice_plan import SETTING_ADVICE_KEY
from ehcp.domain.clock import Timeline
from ehcp.domain.planner import AdviceToRequest, CaseContext, Plan, adviser_key, plan
from ehcp.domain.roles import ContributorRole
from ehcp.domain.young_person import YOUNG_PERSON, family_recipients
from ehcp.mail import messages, outbox, post_tray, stale
from ehcp.settings import Settings, get_settings
from ehcp.text import words
from ehcp.views.timeline import CaseDetails

ACTOR = "system:request-flow"
WAKE_TIME = time(7, 0)  # wake cases at 07:00 in England, before the working day
MAX_PASSES = 20  # a plan converges in a few passes; more means a bug, not work
log = logging.getLogger(__name__)


class ReconcileError(RuntimeError):
    """Raised with a message that names no person: it may reach Prefect's state message."""


@dataclass(frozen=True)
class Look:
    case_ref: str
    stage: str
    closed: bool
    wait_number: int
    waiting_for: tuple[str, ...]
    wake_at: datetime | None
    timeline: Timeline
    did: tuple[str, ...]  # what this look did, by role and purpose only
    undelivered: tuple[str, ...] = ()  # emails refused for good, by purpose and role
    # Drafted documents: (kind, format, London date drafted, its number in the store).
    documents: tuple[tuple[str, str, date, int], ...] = ()
    # The requested school and the family's contact needs: the artifact shows flags only.
    details: CaseDetails | None = None
    # The key of the coordinator the case is assigned to (never a name): the run's
    # `officer:<key>` tag.
    officer: str | None = None


def reconcile(
    session: Session,
    *,
    ref: str,
    council: Council,
    now: datetime,
    document_store: Path,
    settings: Settings | None = None,
) -> Look:
    settings = settings or get_settings()
    today = timesource.london_date(now)
    did: list[str] = []
    for _ in range(MAX_PASSES):
        case = crud.require_case(session, ref=ref)
        session.refresh(case)
        facts = crud.case_facts(session, case=case)
        timeline = council.timeline(facts, today=today)
        context = case_context(session, case, council, today)
        current = plan(
            facts,
            timeline=timeline,
            context=context,
            done_messages=outbox.queued_keys(session, case=case),
            done_documents=documents.drafted_kinds(session, case=case),
            today=today,
        )
        did += [
            f"withdrew {item}"
            for item in stale.withdraw_stale(session, case=case, purposes=current.stale_purposes, now=now)
        ]
        if not current.work.is_empty:
            did += _perform(session, case, current, council, timeline, now, document_store, settings)
            continue
        wake_at = _instant(current.wake_on) if current.wake_on else None
        looked = runs.mark_looked(
            session, case_id=id_of(case), seen_version=case.version, wake_at=wake_at, now=now
        )
        # A closed case's look is its last, changed meanwhile or not: the sweep finds any
        # later change unseen and lets the finished run rest (ehcp.runtime.sweeper).
        if current.closed or looked:
            session.refresh(case)
            return Look(
                case_ref=ref,
                stage=current.stage.value,
                closed=current.closed,
                wait_number=case.run_wait_number,
                waiting_for=current.waiting_for,
                wake_at=wake_at,
                timeline=timeline,
                did=tuple(did),
                details=CaseDetails.of(case),
                officer=case.officer,
                undelivered=_undelivered(session, case),
                documents=tuple(
                    (
                        row.kind,
                        documents.parse(row.kind)[0].format,
                        timesource.london_date(row.created_at),
                        id_of(row),
                    )
                    for row in documents.documents_of(session, case=case)
                ),
            )
        # Someone changed the case while we looked: look again before suspending.
    raise ReconcileError(f"case {ref} did not settle after {MAX_PASSES} passes")


def _instant(day: date) -> datetime:
    return timesource.london_instant(day, WAKE_TIME)


def _perform(
    session: Session,
    case: Case,
    current: Plan,
    council: Council,
    timeline: Timeline,
    now: datetime,
    store: Path,
    settings: Settings,
) -> list[str]:
    did = []
    today = timeline.today
    base = messages.base_context(case, council, timeline)
    for advice in current.work.advice:
        organisation, name, email = _adviser_contact(session, case, council, advice, today)
        existing = advice.existing  # Regs 6(4), agreed before the request: stored, never sent
        crud.request_advice(
            session,
            case=case,
            advice=AdviceRequestIn(
                key=advice.key,
                role=advice.role,
                organisation=organisation,
                contact_name=name,
                contact_email=email,
                requested_on=today,
                existing_advice_accepted=existing is not None,
                existing_advice_source=existing.source if existing else None,
                existing_advice_agreed_on=existing.agreed_on if existing else None,
            ),
            council=council,
            now=now,
            actor=ACTOR,
        )
        # Keys and roles only: this reaches Prefect.
        did.append(
            f"recorded existing advice as sufficient ({advice.key})"
            if existing
            else f"requested advice ({advice.key})"
        )
    # After the advice requests, so a letter that lists them (the decision to assess)
    # sees them, and before the messages that carry the letters.
    for kind in current.work.documents:
        if documents.draft(
            session, case=case, kind=kind, council=council, timeline=timeline, store=store, now=now
        ):
            did.append(f"drafted {kind}")
    domain = council.send_team.email.split("@", 1)[1]
    for message in current.work.messages:
        address = messages.address(session, case, council, message.recipient)
        if address is None:
            continue
        context = messages.context(
            session, case=case, message=message, base=base, timeline=timeline, settings=settings
        )
        if outbox.queue(
            session, case=case, message=message, address=address, context=context, domain=domain, now=now
        ):
            crud.record_event(
                session,
                case=case,
                kind="message_queued",
                occurred_on=today,
                actor=ACTOR,
                now=now,
                summary=f"{words(message.purpose).capitalize()} queued to {address.role}.",
                detail={"purpose": message.purpose, "recipient": address.role, "key": message.key(case.ref)},
            )
            did.append(f"queued {message.purpose} to {address.role}")
    return did


def case_context(session: Session, case: Case, council: Council, today: date) -> CaseContext:
    """Who the run may write to and what it knows of them (the planner's context): also
    how `ehcp import` asks the planner what an imported case's history already sent."""
    family = session.exec(
        select(FamilyContact).where(FamilyContact.case_id == case.id).order_by(col(FamilyContact.id))
    ).all()
    return CaseContext(
        ref=case.ref,
        family=_family_recipients(case, family, today),
        # The setting is written to by post when it has no email address; not at all while
        # its address waits for a coordinator (it did not come from the council's directory).
        has_setting=(case.setting_email is not None or case.setting_name is not None)
        and case.setting_address_confirmed,
        setting_to_confirm=case.setting_name is not None and not case.setting_address_confirmed,
        received_on_to_confirm=None
        if case.received_on_confirmed
        else timesource.london_date(case.created_at),
        notice_parties=tuple(sorted(council.considering_notice)),
        advisers=tuple(council.advisers),
        named_setting=case.named_setting,
        named_setting_reachable=messages.address(session, case, council, "named_setting") is not None,
        ladder=council.ladder,
        managers=tuple(council.managers),
        contacts=tuple(council.contacts),
        failed_messages=_failed_messages(session, case),
        awaiting_post=post_tray.awaiting_post(session, case_id=id_of(case)),
        advice_case=crud.advice_case_of(session, case=case, council=council),
        agreed_sufficient=crud.agreed_sufficient(session, case=case),
        family_agreed_to_share=crud.family_agreed_to_share(session, case=case),
        share_decision=crud.share_decision(case),
        officer=_configured_officer(case, council),
    )


def _configured_officer(case: Case, council: Council) -> str | None:
    """The case's coordinator, if council.yaml still names them: one removed since is no
    reason to stop the case, and the team inbox still hears of everything."""
    if case.officer is not None and case.officer not in council.coordinators:
        log.warning(
            "case %s: coordinator %r is not in council.yaml: its messages go to the team inbox only",
            case.ref,
            case.officer,
        )
        return None
    return case.officer


def _family_recipients(case: Case, contacts: Sequence[FamilyContact], today: date) -> tuple[str, ...]:
    """Who in the family is written to, by email or by post (messages.address). A young
    person holds the rights (s.83(2)): they come first, parents only as copies they chose;
    one with no contact of their own is written to by post at home, never left out."""
    young_person = about_young_person(case, on=today)
    chosen = family_recipients(
        ((id_of(c), c.relationship, c.receives_copies, c.is_primary) for c in contacts),
        young_person=young_person,
    )
    keys = tuple(f"family:{contact_id}" for contact_id in chosen)
    if young_person and not any(c.relationship == YOUNG_PERSON for c in contacts):
        keys = (messages.YOUNG_PERSON_AT_HOME, *keys)
    return keys


def _primary_family(session: Session, case: Case) -> FamilyContact | None:
    contacts = session.exec(select(FamilyContact).where(FamilyContact.case_id == case.id)).all()
    with_email = [contact for contact in contacts if contact.email]
    return next((c for c in with_email if c.is_primary), with_email[0] if with_email else None)


def _adviser_contact(
    session: Session, case: Case, council: Council, advice: AdviceToRequest, today: date
) -> tuple[str, str | None, str | None]:
    """(organisation, contact name, email) of whoever is asked (domain/advice_plan.py says
    who). No email is no reason not to ask: the request is made and its letter goes by post.
    The family, the setting and a council service are read from the case and the council's
    configuration; a professional named at intake or added by a coordinator from the item."""
    if advice.role is ContributorRole.PARENT_OR_YOUNG_PERSON:
        if about_young_person(case, on=today):
            # Their own views (s.83(2): the rights are theirs): from their own contact,
            # or by post at home when they have none, never through a parent.
            contacts = session.exec(select(FamilyContact).where(FamilyContact.case_id == case.id)).all()
            own = next((c for c in contacts if c.relationship == YOUNG_PERSON), None)
            if own is None:
                return "Family", messages.young_person_name(session, case), None
            return "Family", own.full_name, own.email
        contacts = session.exec(
            select(FamilyContact)
            .where(FamilyContact.case_id == case.id)
            .order_by(col(FamilyContact.is_primary).desc(), col(FamilyContact.id))
        ).all()
        contact = _primary_family(session, case) or next(iter(contacts), None)
        return "Family", contact.full_name if contact else None, contact.email if contact else None
    if advice.key == SETTING_ADVICE_KEY:
        # The directory's address or a coordinator's (crud.open_case, confirm_setting_address):
        # the planner does not ask the setting before its address is confirmed.
        return case.setting_name or "Current setting", None, case.setting_email
    service = council.advisers.get(advice.role)
    if service is not None and advice.key == adviser_key(advice.role):
        return service.organisation, None, str(service.email)
    return advice.organisation or words(advice.role.value), advice.name, advice.email


def _failed_messages(session: Session, case: Case) -> tuple[str, ...]:
    """Messages the relay refused for good (an alert about an alert is not sent)."""
    return tuple(
        session.exec(
            select(OutboundMessage.key)
            .where(
                OutboundMessage.case_id == case.id,
                OutboundMessage.state == "failed",
                OutboundMessage.purpose != "message_failed",
            )
            .order_by(col(OutboundMessage.id))
        )
    )


def _undelivered(session: Session, case: Case) -> tuple[str, ...]:
    rows = session.exec(
        select(OutboundMessage.purpose, OutboundMessage.recipient_role, OutboundMessage.failed_at)
        .where(OutboundMessage.case_id == case.id, OutboundMessage.state == "failed")
        .order_by(col(OutboundMessage.id))
    )
    return tuple(
        f"{words(purpose)} to {role} (refused {failed_at:%Y-%m-%d})" for purpose, role, failed_at in rows
    )
