"""The case store's operations. Keyword-only; each is one unit of work.

Every write builds the case's facts as they would be after it and runs them
through `CaseFacts` validation first, so an impossible history is refused with
the field at fault and nothing is written. Each write also appends to the case
chronology (`case_event`) and refreshes the case's derived columns.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from pydantic import EmailStr, TypeAdapter, ValidationError
from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from ehcp.council.config import Council
from ehcp.db.inputs import (
    AdviceAdd,
    AdviceRequestIn,
    CaseOpen,
    ConsultationIn,
    DecisionIn,
    ExceptionIn,
    ExistingAdviceIn,
)
from ehcp.db.models import (
    AdviceRequest,
    Case,
    CaseEvent,
    CaseRefCounter,
    Channel,
    Child,
    Decision,
    FamilyContact,
    OutboundMessage,
    OutboxState,
    PlanVersion,
    SettingConsultation,
    StatutoryException,
    id_of,
)
from ehcp.db.unit_of_work import commit
from ehcp.documents.plan_reading import substantive_change
from ehcp.domain import finalising
from ehcp.domain.advice_plan import (
    EXISTING_ADVICE_ROLES,
    SHARE_DECISION_WORDS,
    AdviceCase,
    ExistingAdvice,
    Professional,
    Service,
    ShareDecision,
    added_key,
    advice_plan,
)
from ehcp.domain.clock import Timeline
from ehcp.domain.facts import (
    AdviceFacts,
    AssessmentDecision,
    CaseFacts,
    ConsultationFacts,
    ExceptionFacts,
    IssueDecision,
    IssueOutcome,
    SettingType,
)
from ehcp.domain.finalising import ADVICE_GAP_REASONS
from ehcp.domain.grounds import ExceptionGround
from ehcp.domain.planner import OLD_RECEIPT_DAYS, received_long_before
from ehcp.domain.postal import deemed_delivered_on
from ehcp.domain.roles import ContributorRole
from ehcp.domain.stages import CaseStage, stage_of
from ehcp.errors import FieldError, InvalidInput
from ehcp.text import words
from ehcp.timesource import london_date

_EMAIL: TypeAdapter[str] = TypeAdapter(EmailStr)
DECISION_SUBJECT = {"assessment": "whether to assess", "issue": "whether to issue a plan"}


# -- reading -------------------------------------------------------------


def get_case(session: Session, *, ref: str) -> Case | None:
    return session.exec(select(Case).where(Case.ref == ref)).first()


def case_by_id(session: Session, *, case_id: int) -> Case:
    """The case a row belongs to (its foreign key guarantees there is one)."""
    case = session.get(Case, case_id)
    if case is None:
        raise LookupError(f"no case with id {case_id}")
    return case


def require_case(session: Session, *, ref: str) -> Case:
    case = get_case(session, ref=ref)
    if case is None:
        raise InvalidInput.one("case_ref", f"no case with reference {ref!r}")
    return case


def case_facts(session: Session, *, case: Case) -> CaseFacts:
    # One read each of what reached the family and of the plan's versions: this runs on
    # every pass of every look.
    return _facts_of(
        case,
        _CaseRows(
            decisions=_rows(session, Decision, case),
            advice=_rows(session, AdviceRequest, case),
            sent=_sent_to_family(session, case=case),
            versions=_plan_versions(session, case),
            consultations=_rows(session, SettingConsultation, case),
            exceptions=_rows(session, StatutoryException, case),
        ),
    )


@dataclass(frozen=True)
class _CaseRows:
    """The rows a case's facts are built from, besides the case's own: read for one case
    (`case_facts`) or for every open case at once (`open_cases_facts`)."""

    decisions: list[Decision]
    advice: list[AdviceRequest]
    sent: list[_Told]
    versions: list[PlanVersion]
    consultations: list[SettingConsultation]
    exceptions: list[StatutoryException]


def _facts_of(case: Case, rows: _CaseRows) -> CaseFacts:
    decisions = {row.kind: row for row in rows.decisions}
    advice, sent, versions = rows.advice, rows.sent, rows.versions
    assessment = decisions.get("assessment")
    issue = decisions.get("issue")
    told = _first_told(sent)
    assessment_told = told.get("decision_to_assess") or told.get("decision_not_to_assess")
    return CaseFacts(
        received_on=case.received_on,
        setting_calendar=case.setting_calendar,
        decision_to_assess=(
            AssessmentDecision(
                decided_on=assessment.decided_on, outcome=assessment.outcome, notified_on=assessment_told
            )
            if assessment
            else None
        ),
        advice=tuple(
            AdviceFacts(
                key=row.key,
                role=row.role,
                requested_on=row.requested_on,
                received_on=row.received_on,
                existing_advice_accepted=row.existing_advice_accepted,
                setting_calendar=row.setting_calendar,
                gap_reason=row.gap_reason,
            )
            for row in advice
        ),
        decision_to_issue=(
            IssueDecision(
                decided_on=issue.decided_on,
                outcome=issue.outcome,
                notified_on=told.get("decision_not_to_issue"),
            )
            if issue
            else None
        ),
        draft_issued_on=case.draft_issued_on,
        draft_first_issued_on=min((v.served_on for v in versions if v.served_on), default=None),
        draft_served_on=_draft_served_on(case, sent),
        changed_since_service=_changed_since_service(versions, advice),
        requested_school=case.requested_school,
        meeting_requested_on=case.meeting_requested_on,
        meeting_held_on=case.meeting_held_on,
        consultations=tuple(
            ConsultationFacts(
                key=row.key, sent_on=row.sent_on, answered_on=row.answered_on, setting_name=row.setting_name
            )
            for row in rows.consultations
        ),
        named_setting=case.named_setting,
        named_setting_type=case.named_setting_type,
        final_issued_on=case.final_issued_on,
        final_sent_on=told.get("final_plan") if case.final_issued_on else None,
        withdrawn_on=case.withdrawn_on,
        exceptions=tuple(
            ExceptionFacts(
                ground=row.ground, limit_key=row.limit_key, starts_on=row.starts_on, ends_on=row.ends_on
            )
            for row in rows.exceptions
        ),
    )


# The letters whose sending to the family meets a limit (Regs 5(1), 10(1), 13(2)).
TELLS_THE_FAMILY = ("decision_to_assess", "decision_not_to_assess", "decision_not_to_issue", "final_plan")


# ...and the draft, whose sending starts the family's 15 days (Regs 13(1)(a)).
_STARTS_THE_CLOCK = (*TELLS_THE_FAMILY, "draft_plan")


@dataclass(frozen=True)
class _Told:
    purpose: str
    served_on: date  # the day it reached the family in law
    queued_on: date


def _sent_to_family(session: Session, *, case: Case) -> list[_Told]:
    """Each letter that moves the clock, sent to the family, with the day it reached them.

    A limit on the council is a duty to notify or send, so it is met when the family is
    told, not when the panel decided: a decision recorded late keeps its own date in the
    chronology but is judged by the day its letter went out. By email that is the London
    day it was sent; by post, the letter's deemed day of delivery after the day it was
    marked posted (Interpretation Act 1978 s.7; ehcp.domain.postal)."""
    rows = session.exec(
        select(OutboundMessage).where(OutboundMessage.case_id == case.id, *_MOVES_THE_CLOCK)
    ).all()
    return _told_of(rows)


# A letter or email that moved the clock: sent to the family, of a purpose that meets a
# limit or starts the family's 15 days.
_MOVES_THE_CLOCK = (
    col(OutboundMessage.purpose).in_(_STARTS_THE_CLOCK),
    OutboundMessage.recipient_role == "family",
    OutboundMessage.state == OutboxState.SENT,
)


def _told_of(rows: Iterable[OutboundMessage]) -> list[_Told]:
    out = []
    for row in rows:
        day = reached_family_on(row)
        if day is not None:
            out.append(_Told(row.purpose, day, london_date(row.queued_at)))
    return out


def reached_family_on(row: OutboundMessage) -> date | None:
    """The day a sent letter or email reached its recipient: by email the London day it was
    sent; by post the deemed day of delivery after the day it was marked posted
    (Interpretation Act 1978 s.7). None while it has not gone."""
    if row.channel == Channel.POST and row.posted_on is not None:
        return deemed_delivered_on(row.posted_on)
    if row.sent_at is not None:
        return london_date(row.sent_at)
    return None


def _first_told(sent: list[_Told]) -> dict[str, date]:
    """For each letter that meets a limit, the day the family was first told."""
    told: dict[str, date] = {}
    for item in sent:
        if item.purpose in TELLS_THE_FAMILY:
            told[item.purpose] = min(item.served_on, told.get(item.purpose, item.served_on))
    return told


def _draft_served_on(case: Case, sent: list[_Told]) -> date | None:
    """The day the draft the coordinator last served reached the family in law (the
    family's 15 days begin with it, Regs 13(1)(a)), or None while it is on its way."""
    issued = case.draft_issued_on
    if issued is None:
        return None
    days = [item.served_on for item in sent if item.purpose == "draft_plan" and item.queued_on >= issued]
    return min(days, default=None)


def _plan_versions(session: Session, case: Case) -> list[PlanVersion]:
    return list(
        session.exec(
            select(PlanVersion).where(PlanVersion.case_id == case.id).order_by(col(PlanVersion.number))
        )
    )


def _changed_since_service(versions: list[PlanVersion], advice: list[AdviceRequest]) -> tuple[str, ...]:
    """Sections the newest version changes from the served one, when advice has arrived
    since the draft was served: new content the family has not been given 15 days on."""
    served = [(version, version.served_on) for version in versions if version.served_on is not None]
    if not served or versions[-1].number == served[-1][0].number:
        return ()
    last_served, served_on = served[-1]
    if not any(row.received_on and row.received_on > served_on for row in advice):
        return ()
    # Section I is named when the plan is finalised: naming it is not new content.
    return tuple(
        code for code in substantive_change(last_served.sections, versions[-1].sections) if code != "I"
    )


def latest_plan_version(session: Session, *, case: Case) -> PlanVersion | None:
    """The caseworker's newest version of the plan (what the final plan is made from)."""
    return session.exec(
        select(PlanVersion)
        .where(PlanVersion.case_id == case.id)
        .order_by(col(PlanVersion.number).desc())
        .limit(1)
    ).first()


def served_plan_version(session: Session, *, case: Case) -> PlanVersion | None:
    """The newest version served on the family (what the draft's email carries)."""
    return session.exec(
        select(PlanVersion)
        .where(PlanVersion.case_id == case.id, col(PlanVersion.served_on).is_not(None))
        .order_by(col(PlanVersion.number).desc())
        .limit(1)
    ).first()


def case_timeline(session: Session, *, case: Case, council: Council, today: date) -> Timeline:
    return _timeline(case_facts(session, case=case), council, today)


def chronology(session: Session, *, case: Case) -> list[CaseEvent]:
    return list(
        session.exec(select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(col(CaseEvent.id)))
    )


# -- writing -------------------------------------------------------------


@dataclass(frozen=True)
class _SettingAddress:
    """Where the council writes to the child's current setting, and how it knows."""

    name: str | None
    urn: str | None
    email: str | None
    confirmed: bool
    calendar: str | None
    # For the chronology (no address in it): how the address was found, or why it was not.
    note: str | None = None


def _setting_address(request: CaseOpen, council: Council, *, entered_by_staff: bool) -> _SettingAddress:
    """The setting's address comes from the council's directory of settings (settings.yaml),
    by the URN the request gives, or by an email that is exactly a directory entry's SEN
    inbox. What a request form says a setting's email is, is not written to: a webhook's
    signature proves the form provider sent the request, not who filled it in, and the
    educational advice request (Regs 6(1)(b)) carries the child's details. A setting the
    directory does not know waits for a coordinator to confirm its address
    (`confirm_setting_address`). Staff entering a case themselves vouch for what they type."""
    urn = request.setting_urn
    entry = council.setting(urn)
    if entry is None and urn is None:
        found = council.setting_by_email(request.setting_email)
        if found is not None:
            urn, entry = found
    if entry is not None:
        differs = (
            request.setting_email is not None and request.setting_email.lower() != entry.sen_email.lower()
        )
        return _SettingAddress(
            name=entry.name,
            urn=urn,
            email=str(entry.sen_email),
            confirmed=True,
            calendar=request.setting_calendar or entry.term_calendar,
            note=f"The setting's address is the council directory's (URN {urn})."
            + (" The different address the request gave is not used." if differs else ""),
        )
    if request.setting_name is None:
        if urn is not None:
            raise InvalidInput.one("setting_urn", f"URN {urn} is not in the council's directory of settings")
        return _SettingAddress(None, None, request.setting_email, True, request.setting_calendar)
    if entered_by_staff:
        return _SettingAddress(
            request.setting_name, urn, request.setting_email, True, request.setting_calendar
        )
    why = "its URN is not in the council's directory of settings" if urn else "the request gave no URN"
    return _SettingAddress(
        name=request.setting_name,
        urn=urn,
        email=None,
        confirmed=False,
        calendar=request.setting_calendar,
        note=f"The setting's address is to be confirmed by a coordinator ({why}): nothing is sent to "
        "the setting until then, and the address the request gave is not used. The statutory clock is "
        "not paused.",
    )


def open_case(
    session: Session,
    *,
    request: CaseOpen,
    council: Council,
    now: datetime,
    actor: str,
    entered_by_staff: bool = False,
) -> Case:
    """Store a new request with its child and family; allocate its reference.

    Intake calls it inside a `unit_of_work` to store the submission with its case, or neither.
    `entered_by_staff`: the council's own staff typed the case in, so the setting's address
    and the date of receipt are theirs; a request from outside (the intake form) gets its
    setting's address from the council's directory and an old date of receipt flagged.
    """
    _not_future("received_on", request.received_on, now)
    setting = _setting_address(request, council, entered_by_staff=entered_by_staff)
    if setting.calendar is not None and setting.calendar not in council.calendars:
        known = ", ".join(sorted(council.calendars)) or "none"
        raise InvalidInput.one(
            "setting_calendar",
            f"unknown term calendar {setting.calendar!r} (known: {known})",
        )
    today = london_date(now)
    # Every limit runs from the date of receipt (Regs 5(1): 6 weeks; Regs 13(2): 20 weeks).
    # A request arriving long after the date it gives opens normally, and a coordinator is
    # asked to confirm that date.
    old_receipt = not entered_by_staff and received_long_before(request.received_on, today)
    facts = _validated(received_on=request.received_on, setting_calendar=setting.calendar)
    timeline = _timeline(facts, council, today)
    case = Case(
        ref=_next_ref(session, request.received_on.year),
        received_on=request.received_on,
        received_on_confirmed=not old_receipt,
        request_source=request.request_source,
        setting_name=setting.name,
        setting_urn=setting.urn,
        setting_email=setting.email,
        setting_address_confirmed=setting.confirmed,
        setting_calendar=setting.calendar,
        hearing_impairment=request.hearing_impairment,
        vision_impairment=request.vision_impairment,
        contact_language=request.contact_language,
        interpreter_needed=request.interpreter_needed,
        accessibility_needs=request.accessibility_needs,
        stage=stage_of(facts),
        decide_to_assess_by=timeline.due_on("decision_to_assess"),
        decide_not_to_issue_by=timeline.due_on("decision_not_to_issue"),
        draft_target_by=timeline.due_on("draft_plan_target"),
        final_plan_by=timeline.due_on("final_plan"),
        next_due_on=timeline.next_due_on,
        created_at=now,
        updated_at=now,
        wake_at=now,  # the sweep starts its run
    )
    session.add(case)
    session.flush()
    session.add(Child(case_id=id_of(case), **request.child.model_dump()))
    for contact in request.family:
        session.add(FamilyContact(case_id=id_of(case), **contact.model_dump()))
    source = request.request_source
    _append_event(
        session,
        case=case,
        kind="request_received",
        occurred_on=request.received_on,
        actor=actor,
        now=now,
        summary=(
            f"Request for an EHC needs assessment received from the {words(source)} (s.36(1)); "
            f"SEN2 request source {source.sen2_code}."
            if source.is_request
            else f"Child or young person brought to the council's attention by {source.family_words} "
            "(s.24): considering whether an EHC needs assessment is needed (s.36(3)); "
            f"SEN2 request source {source.sen2_code}."
        ),
        detail={
            "request_source": source.value,
            "under_s36_1": source.is_request,
            "sen2_request_source": source.sen2_code,
        },
    )
    if setting.note is not None:
        _append_event(
            session,
            case=case,
            kind="setting_address_to_confirm" if not setting.confirmed else "setting_address_from_directory",
            occurred_on=today,
            actor=actor,
            now=now,
            summary=setting.note,
            detail={"urn": setting.urn, "confirmed": setting.confirmed},
        )
    if old_receipt:
        days = (today - request.received_on).days
        _append_event(
            session,
            case=case,
            kind=RECEIVED_ON_TO_CONFIRM,
            occurred_on=today,
            actor=actor,
            now=now,
            summary=f"The request says it was received on {request.received_on}, {days} days before it "
            f"reached the council's system (more than {OLD_RECEIPT_DAYS // 7} weeks): a coordinator is to "
            "confirm the date of receipt, from which every statutory limit runs (Regs 5(1), 13(2)). The "
            "case opens with its limits counted from the date given.",
            detail={"received_on": request.received_on.isoformat(), "arrived_on": today.isoformat()},
        )
    commit(session)
    return case


RECEIVED_ON_TO_CONFIRM = "received_on_to_confirm"


def request_advice(
    session: Session,
    *,
    case: Case,
    advice: AdviceRequestIn,
    council: Council,
    now: datetime,
    actor: str,
) -> AdviceRequest:
    _not_future("requested_on", advice.requested_on, now)
    facts = case_facts(session, case=case)
    new = AdviceFacts(
        key=advice.key,
        role=advice.role,
        requested_on=advice.requested_on,
        existing_advice_accepted=advice.existing_advice_accepted,
        setting_calendar=advice.setting_calendar,
    )
    if advice.setting_calendar is not None and advice.setting_calendar not in council.calendars:
        raise InvalidInput.one("setting_calendar", f"unknown term calendar {advice.setting_calendar!r}")
    proposed = _validated(**_with(facts, advice=(*facts.advice, new)))
    timeline = _timeline(proposed, council, london_date(now))
    row = AdviceRequest(
        case_id=id_of(case),
        due_on=timeline.limit(f"advice:{advice.key}").due_on or advice.requested_on,
        **advice.model_dump(),
    )
    session.add(row)
    _commit_change(
        session,
        case=case,
        facts=proposed,
        council=council,
        kind="advice_requested",
        occurred_on=advice.requested_on,
        actor=actor,
        now=now,
        summary=f"Advice requested from {words(advice.role.value)} ({advice.key}).",
        detail={"key": advice.key, "role": advice.role.value, "due_on": row.due_on.isoformat()},
    )
    return row


def record_advice_received(
    session: Session,
    *,
    case: Case,
    key: str,
    received_on: date,
    council: Council,
    now: datetime,
    actor: str,
) -> AdviceRequest:
    row = session.exec(
        select(AdviceRequest).where(AdviceRequest.case_id == case.id, AdviceRequest.key == key)
    ).first()
    if row is None:
        raise InvalidInput.one("key", f"no advice request {key!r} on case {case.ref}")
    if row.received_on is not None:
        raise InvalidInput.one("key", f"advice {key!r} was already recorded as received on {row.received_on}")
    _not_future("received_on", received_on, now)
    facts = case_facts(session, case=case)
    advice = tuple(
        item.model_copy(update={"received_on": received_on}) if item.key == key else item
        for item in facts.advice
    )
    # Re-validate the whole item: model_copy does not run validators.
    proposed = _validated(**_with(facts, advice=[item.model_dump() for item in advice]))
    row.received_on = received_on
    session.add(row)
    _commit_change(
        session,
        case=case,
        facts=proposed,
        council=council,
        kind="advice_received",
        occurred_on=received_on,
        actor=actor,
        now=now,
        summary=f"Advice received from {words(row.role)} ({key}).",
        detail={"key": key, "role": row.role, "due_on": row.due_on.isoformat()},
    )
    return row


def record_decision(
    session: Session,
    *,
    case: Case,
    decision: DecisionIn,
    council: Council,
    now: datetime,
    actor: str,
) -> Decision:
    _not_future("decided_on", decision.decided_on, now)
    field = "decision_to_assess" if decision.kind == "assessment" else "decision_to_issue"
    facts = case_facts(session, case=case)
    if getattr(facts, field) is not None:
        raise InvalidInput.one("kind", f"the decision on {decision.kind} is already recorded for {case.ref}")
    value = {"decided_on": decision.decided_on, "outcome": decision.outcome}
    try:
        proposed = _validated(**_with(facts, **{field: value}))
    except InvalidInput as error:
        # Name the caller's field (decided_on) rather than the fact it feeds.
        raise InvalidInput.one("decided_on", str(error).removeprefix(f"{field}: ")) from error
    row = Decision(case_id=id_of(case), recorded_by=actor, recorded_at=now, **decision.model_dump())
    session.add(row)
    _commit_change(
        session,
        case=case,
        facts=proposed,
        council=council,
        kind=f"decision_{decision.kind}",
        occurred_on=decision.decided_on,
        actor=actor,
        now=now,
        summary=f"Decision on {DECISION_SUBJECT[decision.kind]}: {words(decision.outcome)}.",
        detail={"kind": decision.kind, "outcome": decision.outcome.value},
    )
    return row


def record_exception(
    session: Session,
    *,
    case: Case,
    exception: ExceptionIn,
    council: Council,
    now: datetime,
    actor: str,
    evidence_path: str | None = None,
) -> StatutoryException:
    """Record the coordinator's judgement that a ground made one limit impractical to meet.

    Refused, naming the field, when the limit's regulation does not list the ground, the
    limit has not started or is not statutory, or the ground's dates fall outside the
    limit's run (from its start to its due date)."""
    facts = case_facts(session, case=case)
    _not_future("starts_on", exception.starts_on, now)
    _not_future("ends_on", exception.ends_on, now)
    new = exception.model_dump(include={"ground", "limit_key", "starts_on", "ends_on"})
    proposed = _validated(**_with(facts, exceptions=[*(e.model_dump() for e in facts.exceptions), new]))
    timeline = _timeline(facts, council, london_date(now))
    limit = next((item for item in timeline.limits if item.key == exception.limit_key), None)
    if limit is None or not limit.statutory or limit.starts_on is None or limit.due_on is None:
        raise InvalidInput.one("limit_key", f"limit {exception.limit_key!r} is not a running statutory limit")
    if exception.starts_on > limit.due_on:
        raise InvalidInput.one(
            "starts_on", f"the ground began after the limit fell due ({limit.due_on}): it did not cause it"
        )
    if exception.ends_on is not None and exception.ends_on < limit.starts_on:
        raise InvalidInput.one(
            "ends_on", f"the ground ended before the limit began ({limit.starts_on}): it did not cause it"
        )
    new_facts = proposed.exceptions[-1]
    advice_id = None
    if new_facts.advice_key is not None:
        advice_id = session.exec(
            select(AdviceRequest.id).where(
                AdviceRequest.case_id == case.id, AdviceRequest.key == new_facts.advice_key
            )
        ).one()
    row = StatutoryException(
        case_id=id_of(case),
        advice_request_id=advice_id,
        recorded_by=actor,
        recorded_at=now,
        evidence_path=evidence_path,
        **exception.model_dump(exclude={"evidence_note"}),
        evidence_note=exception.evidence_note or "",
    )
    session.add(row)
    _commit_change(
        session,
        case=case,
        facts=proposed,
        council=council,
        kind="exception_recorded",
        occurred_on=exception.starts_on,
        actor=actor,
        now=now,
        summary=f"Exception recorded against {limit.title.lower()} ({limit.basis}): "
        f"{words(exception.ground)} from {exception.starts_on}"
        + (f" to {exception.ends_on}." if exception.ends_on else " (continuing).")
        + f" Recorded by {actor}.",
        detail={"ground": exception.ground.value, "limit_key": exception.limit_key},
    )
    return row


def end_exception(
    session: Session,
    *,
    case: Case,
    ground: ExceptionGround,
    limit_key: str,
    ends_on: date,
    council: Council,
    now: datetime,
    actor: str,
) -> StatutoryException:
    """Record the day a continuing ground ended."""
    row = session.exec(
        select(StatutoryException).where(
            StatutoryException.case_id == case.id,
            StatutoryException.ground == ground,
            StatutoryException.limit_key == limit_key,
            col(StatutoryException.ends_on).is_(None),
        )
    ).first()
    if row is None:
        raise InvalidInput.one("ground", f"no continuing {words(ground)} exception against {limit_key!r}")
    _not_future("ends_on", ends_on, now)
    facts = case_facts(session, case=case)
    exceptions = [
        {**item.model_dump(), "ends_on": ends_on}
        if (item.ground, item.limit_key, item.starts_on, item.ends_on)
        == (ground, limit_key, row.starts_on, None)
        else item.model_dump()
        for item in facts.exceptions
    ]
    proposed = _as_field("ends_on", **_with(facts, exceptions=exceptions))
    row.ends_on = ends_on
    session.add(row)
    _commit_change(
        session,
        case=case,
        facts=proposed,
        council=council,
        kind="exception_ended",
        occurred_on=ends_on,
        actor=actor,
        now=now,
        summary=f"Exception ({words(ground)}, against {limit_key}) ended on {ends_on}. Recorded by {actor}.",
        detail={"ground": ground.value, "limit_key": limit_key},
    )
    return row


def record_draft_served(
    session: Session, *, case: Case, served_on: date, council: Council, now: datetime, actor: str
) -> Case:
    """The coordinator serves the caseworker's newest version on the family.

    This is the council's act; the draft goes out by email (or into the post tray) at
    once, and the family's 15 days begin when it reaches them (`draft_served_on`), so
    the day given here can only be today: a served date is never typed in after the fact.
    Serving again, once a newer version exists and before the plan is finalised, gives
    the family the new version and a new 15 days (Regs 13(1))."""
    facts = case_facts(session, case=case)
    today = london_date(now)
    if served_on != today:
        raise InvalidInput.one(
            "served_on",
            f"a draft is served on the day it is sent ({today}); the family's 15 days begin when it "
            "reaches them, which the outbox records",
        )
    issue = facts.decision_to_issue
    if issue is None or issue.outcome is not IssueOutcome.ISSUE:
        raise InvalidInput.one("served_on", "a draft plan is served after the decision to issue a plan")
    # Only the caseworker's own version is served (Regs 12(1): the council sets out each
    # section): never the generated working draft.
    version = latest_plan_version(session, case=case)
    if version is None:
        raise InvalidInput.one(
            "served_on",
            "upload the caseworker's version of the plan first (`ehcp plan upload`): it is what is served",
        )
    serving_again = facts.draft_issued_on is not None
    if serving_again:
        if facts.final_issued_on is not None:
            raise InvalidInput.one("served_on", f"the plan was finalised on {facts.final_issued_on}")
        if version.served_on is not None:
            raise InvalidInput.one(
                "served_on",
                f"version {version.number} was already served on {version.served_on}: upload the "
                "amended version to serve it again",
            )
        if facts.draft_issued_on == served_on:
            raise InvalidInput.one("served_on", f"a draft was already served today ({served_on})")
    proposed = _as_field(
        "served_on", **_with(facts, draft_issued_on=served_on, draft_served_on=None, changed_since_service=())
    )
    version.served_on = served_on
    session.add(version)
    case.draft_issued_on = served_on
    summary = (
        f"Version {version.number} of the plan served again on the family; a new 15 days begin when it "
        "reaches them."
        if serving_again
        else f"Draft plan (version {version.number}) served on the family; their 15 days to comment begin "
        "when it reaches them."
    )
    _commit_change(
        session,
        case=case,
        facts=proposed,
        council=council,
        kind="draft_served",
        occurred_on=served_on,
        actor=actor,
        now=now,
        summary=summary,
        detail={"version": version.number, "again": serving_again},
    )
    return case


def record_consultation(
    session: Session, *, case: Case, consultation: ConsultationIn, council: Council, now: datetime, actor: str
) -> SettingConsultation:
    facts = case_facts(session, case=case)
    _not_future("sent_on", consultation.sent_on, now)
    new = {"key": consultation.key, "sent_on": consultation.sent_on}
    proposed = _as_field(
        "sent_on", **_with(facts, consultations=[*(c.model_dump() for c in facts.consultations), new])
    )
    if any(item.key == consultation.key for item in facts.consultations):
        raise InvalidInput.one("key", f"consultation {consultation.key!r} is already recorded")
    row = SettingConsultation(case_id=id_of(case), **consultation.model_dump())
    session.add(row)
    _commit_change(
        session,
        case=case,
        facts=proposed,
        council=council,
        kind="consultation_sent",
        occurred_on=consultation.sent_on,
        actor=actor,
        now=now,
        summary=f"School or college consulted about being named ({consultation.key}).",
        detail={"key": consultation.key},
    )
    return row


def record_consultation_answer(
    session: Session,
    *,
    case: Case,
    key: str,
    answered_on: date,
    outcome: str,
    council: Council,
    now: datetime,
    actor: str,
) -> SettingConsultation:
    row = session.exec(
        select(SettingConsultation).where(
            SettingConsultation.case_id == case.id, SettingConsultation.key == key
        )
    ).first()
    if row is None:
        raise InvalidInput.one("key", f"no consultation {key!r} on case {case.ref}")
    if row.answered_on is not None:
        raise InvalidInput.one("key", f"consultation {key!r} was already answered on {row.answered_on}")
    _not_future("answered_on", answered_on, now)
    facts = case_facts(session, case=case)
    consultations = [
        {**item.model_dump(), "answered_on": answered_on} if item.key == key else item.model_dump()
        for item in facts.consultations
    ]
    proposed = _as_field("answered_on", **_with(facts, consultations=consultations))
    row.answered_on, row.outcome = answered_on, outcome
    session.add(row)
    _commit_change(
        session,
        case=case,
        facts=proposed,
        council=council,
        kind="consultation_answered",
        occurred_on=answered_on,
        actor=actor,
        now=now,
        summary=f"Consulted school or college answered ({key}): {words(outcome)}.",
        detail={"key": key, "outcome": outcome},
    )
    return row


def record_named_setting(
    session: Session,
    *,
    case: Case,
    setting_name: str | None,
    setting_type: SettingType,
    on: date,
    council: Council,
    now: datetime,
    actor: str,
    setting_email: str | None = None,
) -> Case:
    """What section I will say: the institution and its type, or the type alone (s.40(2)).
    The final plan's copy goes to the institution (Regs 13(2)(b)): to `setting_email`, or
    else the address its consultation was sent to."""
    facts = case_facts(session, case=case)
    if facts.draft_issued_on is None:
        raise InvalidInput.one("setting_name", "a setting is named after the draft plan is served")
    name = (setting_name or "").strip() or None
    if setting_email is not None:
        try:
            setting_email = str(_EMAIL.validate_python(setting_email.strip()))
        except ValidationError as error:
            raise InvalidInput.one("setting_email", "not a valid email address") from error
    if name is not None and setting_email is None:
        consulted = session.exec(
            select(SettingConsultation.contact_email).where(
                SettingConsultation.case_id == case.id, SettingConsultation.setting_name == name
            )
        ).first()
        if consulted is None:
            raise InvalidInput.one(
                "setting_email", "give the named institution's email: no consultation was sent to it"
            )
    proposed = _as_field("setting_name", **_with(facts, named_setting=name, named_setting_type=setting_type))
    case.named_setting, case.named_setting_type, case.named_setting_email = name, setting_type, setting_email
    _commit_change(
        session,
        case=case,
        facts=proposed,
        council=council,
        kind="setting_named",
        occurred_on=on,
        actor=actor,
        now=now,
        summary=f"Section I recorded: {words(setting_type)}"
        + (" (institution named)." if name else " (type only)."),
        detail={"setting_type": setting_type.value},
    )
    return case


def record_requested_school(
    session: Session, *, case: Case, school: str, on: date, council: Council, now: datetime, actor: str
) -> Case:
    """s.38(2)(b): the school or institution the family asked to be named. It must be
    consulted (s.39(2)) before the plan is finalised."""
    facts = case_facts(session, case=case)
    if facts.draft_issued_on is None:
        raise InvalidInput.one("school", "the family asks for a school once the draft plan is served")
    _not_future("on", on, now)
    name = school.strip()
    if not name:
        raise InvalidInput.one("school", "give the name of the school or institution")
    proposed = _as_field("school", **_with(facts, requested_school=name))
    case.requested_school = name
    _commit_change(
        session,
        case=case,
        facts=proposed,
        council=council,
        kind="school_requested",
        occurred_on=on,
        actor=actor,
        now=now,
        summary="The family asked for a particular school or institution to be named (s.38(2)(b)).",
        detail={},
    )
    return case


def record_meeting(
    session: Session,
    *,
    case: Case,
    requested_on: date | None = None,
    held_on: date | None = None,
    council: Council,
    now: datetime,
    actor: str,
) -> Case:
    """Regs 13(1)(a)(ii): the family may require a meeting with an officer about the draft;
    the plan is not finalised until it has been held."""
    facts = case_facts(session, case=case)
    _not_future("requested_on", requested_on, now)
    _not_future("held_on", held_on, now)
    if requested_on is None and held_on is None:
        raise InvalidInput.one("requested_on", "give the day the meeting was asked for or held")
    changes: dict[str, Any] = {}
    if requested_on is not None:
        changes["meeting_requested_on"] = requested_on
    if held_on is not None:
        changes["meeting_held_on"] = held_on
    proposed = _as_field("held_on" if held_on else "requested_on", **_with(facts, **changes))
    case.meeting_requested_on = proposed.meeting_requested_on
    case.meeting_held_on = proposed.meeting_held_on
    held = held_on is not None
    _commit_change(
        session,
        case=case,
        facts=proposed,
        council=council,
        kind="meeting_held" if held else "meeting_requested",
        occurred_on=held_on or requested_on or london_date(now),
        actor=actor,
        now=now,
        summary="Meeting with the family about the draft plan held."
        if held
        else "The family asked for a meeting about the draft plan (Regs 13(1)(a)(ii)).",
        detail={},
    )
    return case


def record_advice_gap(
    session: Session, *, case: Case, key: str, reason: str, council: Council, now: datetime, actor: str
) -> AdviceRequest:
    """The coordinator records why the plan goes ahead without advice it sought (the
    family is told, in the words finalising.ADVICE_GAP_WORDS gives the reason)."""
    if reason not in ADVICE_GAP_REASONS:
        raise InvalidInput.one("reason", f"one of: {', '.join(ADVICE_GAP_REASONS)}")
    row = session.exec(
        select(AdviceRequest).where(AdviceRequest.case_id == case.id, AdviceRequest.key == key)
    ).first()
    if row is None:
        raise InvalidInput.one("key", f"no advice request {key!r} on case {case.ref}")
    if row.received_on is not None:
        raise InvalidInput.one("key", f"advice {key!r} was received on {row.received_on}")
    facts = case_facts(session, case=case)
    advice = [
        {**item.model_dump(), "gap_reason": reason} if item.key == key else item.model_dump()
        for item in facts.advice
    ]
    proposed = _as_field("reason", **_with(facts, advice=advice))
    row.gap_reason = reason
    session.add(row)
    _commit_change(
        session,
        case=case,
        facts=proposed,
        council=council,
        kind="advice_gap_recorded",
        occurred_on=london_date(now),
        actor=actor,
        now=now,
        summary=f"Going ahead without advice {key!r}: {words(reason)}. The family is told.",
        detail={"key": key, "reason": reason},
    )
    return row


def finalise_plan(
    session: Session, *, case: Case, on: date, council: Council, now: datetime, actor: str
) -> Case:
    """The council's decision to finalise the plan: refused with every reason it may not
    yet (see domain/finalising.py). The final plan is then drafted and sent; the 20-week
    limit is met on the day it reaches the family."""
    facts = case_facts(session, case=case)
    _not_future("on", on, now)
    timeline = _timeline(facts, council, london_date(now))
    blockers = finalising.blockers(facts, timeline=timeline, on=on)
    refusals = [FieldError(item.field, item.reason) for item in blockers]
    if "health" not in council.considering_notice:
        refusals.append(
            FieldError(
                "council", "no ICB configured (considering_notice.health); Regs 13(2)(c) sends it the plan"
            )
        )
    latest = latest_plan_version(session, case=case)
    if latest is None or facts.draft_issued_on is None:
        refusals.append(FieldError("plan", "no caseworker's version of the plan has been served"))
    if refusals:
        raise InvalidInput(refusals)
    proposed = _as_field("on", **_with(facts, final_issued_on=on))
    case.final_issued_on = on
    _commit_change(
        session,
        case=case,
        facts=proposed,
        council=council,
        kind="final_plan_issued",
        occurred_on=on,
        actor=actor,
        now=now,
        summary=f"The council finalised the EHC plan (version {latest.number if latest else '-'}). "
        f"Recorded by {actor}; it goes to the family, the named institution and the ICB.",
        detail={"plan_version": latest.number if latest else None},
    )
    return case


def withdraw(
    session: Session, *, case: Case, withdrawn_on: date, council: Council, now: datetime, actor: str
) -> Case:
    facts = case_facts(session, case=case)
    if CaseStage(case.stage).is_closed:
        raise InvalidInput.one("withdrawn_on", f"case {case.ref} is already closed ({case.stage})")
    _not_future("withdrawn_on", withdrawn_on, now)
    proposed = _as_field("withdrawn_on", **_with(facts, withdrawn_on=withdrawn_on))
    case.withdrawn_on = withdrawn_on
    _commit_change(
        session,
        case=case,
        facts=proposed,
        council=council,
        kind="withdrawn",
        occurred_on=withdrawn_on,
        actor=actor,
        now=now,
        summary="Request withdrawn.",
        detail={},
    )
    return case


def record_event(
    session: Session,
    *,
    case: Case,
    kind: str,
    occurred_on: date,
    actor: str,
    now: datetime,
    summary: str,
    detail: dict[str, Any] | None = None,
) -> None:
    """Append to the chronology without changing the case (a refusal, a message queued...)."""
    _append_event(
        session,
        case=case,
        kind=kind,
        occurred_on=occurred_on,
        actor=actor,
        now=now,
        summary=summary,
        detail=detail or {},
    )
    commit(session)


# -- helpers -------------------------------------------------------------


def _not_future(field: str, day: date | None, now: datetime) -> None:
    """Things are recorded once they have happened: a date after today is a typo."""
    if day is not None and day > london_date(now):
        raise InvalidInput.one(field, f"{day} is in the future")


def _rows(session: Session, model: Any, case: Case) -> list[Any]:
    return list(session.exec(select(model).where(model.case_id == case.id).order_by(col(model.id))))


def _with(facts: CaseFacts, **changes: Any) -> dict[str, Any]:
    return {**facts.model_dump(), **changes}


def _as_field(field: str, **values: Any) -> CaseFacts:
    """Validate, naming the caller's field rather than the fact it feeds."""
    try:
        return CaseFacts.model_validate(values)
    except ValidationError as error:
        messages = [item.message for item in InvalidInput.from_validation(error).errors]
        raise InvalidInput.one(field, "; ".join(messages)) from error


def _validated(**values: Any) -> CaseFacts:
    try:
        return CaseFacts.model_validate(values)
    except ValidationError as error:
        raise InvalidInput.from_validation(error) from error


def _timeline(facts: CaseFacts, council: Council, today: date) -> Timeline:
    return council.timeline(facts, today=today)


def _next_ref(session: Session, year: int) -> str:
    """Take the year's next case number. The UPDATE locks the counter row until this
    transaction ends, so a concurrent opener waits for it instead of colliding."""
    first_of_year = {"year": year, "last_number": 0}
    if session.get_bind().dialect.name == "postgresql":
        session.execute(postgresql_insert(CaseRefCounter).values(first_of_year).on_conflict_do_nothing())
    else:
        session.execute(sqlite_insert(CaseRefCounter).values(first_of_year).on_conflict_do_nothing())
    number = session.execute(
        update(CaseRefCounter)
        .where(col(CaseRefCounter.year) == year)
        .values(last_number=col(CaseRefCounter.last_number) + 1)
        .returning(col(CaseRefCounter.last_number))
    ).scalar_one()
    return f"EHC-{year}-{number:06d}"


def _append_event(
    session: Session,
    *,
    case: Case,
    kind: str,
    occurred_on: date,
    actor: str,
    now: datetime,
    summary: str,
    detail: dict[str, Any],
) -> None:
    session.add(
        CaseEvent(
            case_id=id_of(case),
            kind=kind,
            occurred_on=occurred_on,
            recorded_at=now,
            actor=actor,
            summary=summary,
            detail=detail,
        )
    )


def _commit_change(
    session: Session,
    *,
    case: Case,
    facts: CaseFacts,
    council: Council,
    kind: str,
    occurred_on: date,
    actor: str,
    now: datetime,
    summary: str,
    detail: dict[str, Any],
) -> None:
    """Append the chronology entry for a change and commit it with the case's refreshed state."""
    _append_event(
        session,
        case=case,
        kind=kind,
        occurred_on=occurred_on,
        actor=actor,
        now=now,
        summary=summary,
        detail=detail,
    )
    _commit_with(session, case, facts, council, now)


def _commit_with(session: Session, case: Case, facts: CaseFacts, council: Council, now: datetime) -> None:
    """Refresh what is derived from the facts, then commit the whole unit of work."""
    timeline = _timeline(facts, council, london_date(now))
    case.stage = stage_of(facts)
    case.next_due_on = timeline.next_due_on
    case.version += 1
    case.updated_at = now
    case.wake_at = now  # the case moved: its run must look again
    if CaseStage(case.stage).is_closed:
        case.closed_on = case.closed_on or london_date(now)
    session.add(case)
    try:
        commit(session)
    except IntegrityError as error:
        session.rollback()
        raise InvalidInput.one("", f"conflicts with what is already stored: {error.orig}") from error


# -- advice sought per case (Regs 6(1)-(4)) -------------------------------
#
# Who is asked is decided per case by ehcp/domain/advice_plan.py from what these read.
# Professionals named at intake stay in the intake payload (the form's own record);
# Regs 6(4) agreements made before the advice is requested are kept in the chronology
# (`existing_advice_agreed`) until the request they replace is made.

EXISTING_ADVICE_AGREED = "existing_advice_agreed"


def intake_payload(session: Session, *, case: Case) -> dict[str, Any] | None:
    """The intake form's payload for a case opened through the webhook, else None."""
    from ehcp.db.models import IntakeSubmission

    row = session.exec(select(IntakeSubmission).where(IntakeSubmission.case_id == case.id)).first()
    return dict(row.payload) if row is not None else None


def advice_case_of(session: Session, *, case: Case, council: Council) -> AdviceCase:
    """What decides who is asked for advice on this case (domain/advice_plan.py)."""
    child = session.exec(select(Child).where(Child.case_id == case.id)).first()
    has_family = session.exec(select(FamilyContact.id).where(FamilyContact.case_id == case.id)).first()
    payload = intake_payload(session, case=case) or {}
    return AdviceCase(
        date_of_birth=child.date_of_birth if child else None,
        has_family=has_family is not None,
        setting_name=case.setting_name,
        setting_email=case.setting_email,
        setting_confirmed=case.setting_address_confirmed,
        hearing_impairment=case.hearing_impairment,
        vision_impairment=case.vision_impairment,
        services=tuple(
            Service(role, contact.organisation, str(contact.email))
            for role, contact in council.advisers.items()
        ),
        professionals=tuple(
            Professional(
                role=item["role"],
                organisation=item["organisation"],
                name=item.get("name"),
                email=item.get("email"),
            )
            for item in payload.get("professionals", [])
        ),
    )


def family_agreed_to_share(session: Session, *, case: Case) -> bool | None:
    """consent.share_with_professionals at intake, or None for a case not opened by the form."""
    payload = intake_payload(session, case=case)
    if payload is None:
        return None
    return consent_to_share(payload)


def consent_to_share(payload: Mapping[str, Any]) -> bool:
    """consent.share_with_professionals of an intake payload (absent: no)."""
    return bool(payload.get("consent", {}).get("share_with_professionals", False))


def share_decision(case: Case) -> ShareDecision | None:
    """The coordinator's decision on what of the family's request advisers may be sent."""
    return ShareDecision(case.share_decision) if case.share_decision else None


def sharing_held(session: Session, *, case: Case) -> bool:
    """The family did not consent at intake and no coordinator has decided what to share."""
    return family_agreed_to_share(session, case=case) is False and case.share_decision is None


def record_share_decision(
    session: Session,
    *,
    case: Case,
    decision: ShareDecision,
    spoke_on: date | None,
    council: Council,
    now: datetime,
    actor: str,
) -> Case:
    """Regs 6(2): advisers "must" be given "copies of (or, if appropriate, extracts from)" the
    family's representations and evidence. When the family did not consent at intake to
    their request being shared, the coordinator decides what the council may share, and
    until then nobody but the family is asked for advice (planner._advice_to_request).
    The decision is the coordinator's, recorded with its date and who made it (their role,
    `actor`); "the family agreed" needs the day the coordinator spoke with them."""
    if family_agreed_to_share(session, case=case) is not False:
        raise InvalidInput.one(
            "decision",
            f"the family of {case.ref} did not refuse sharing at intake: there is nothing to decide",
        )
    _refuse_if_closed(case, field="decision")
    if decision is ShareDecision.FAMILY_AGREED and spoke_on is None:
        raise InvalidInput.one(
            "spoke_on", "give the day the coordinator spoke with the family and they agreed"
        )
    _not_future("spoke_on", spoke_on, now)
    if spoke_on is not None and spoke_on < case.received_on:
        raise InvalidInput.one("spoke_on", f"{spoke_on} is before the request ({case.received_on})")
    today = london_date(now)
    facts = case_facts(session, case=case)
    previous = share_decision(case)
    case.share_decision = decision.value
    case.share_decided_on = today
    summary = f"What of the family's request advisers may be sent (Regs 6(2)), decided by {actor}: "
    summary += SHARE_DECISION_WORDS[decision]
    if spoke_on is not None:
        summary += f"; the coordinator spoke with the family on {spoke_on}"
    if previous is not None:
        summary += f" (replacing the earlier decision: {words(previous.value)})"
    summary += ". Advice requests held until now are sent."
    _commit_change(
        session,
        case=case,
        facts=facts,
        council=council,
        kind="share_decision_recorded",
        occurred_on=today,
        actor=actor,
        now=now,
        summary=summary,
        detail={
            "decision": decision.value,
            "spoke_on": spoke_on.isoformat() if spoke_on else None,
            "decided_by": actor,
        },
    )
    return case


def _refuse_if_closed(case: Case, *, field: str) -> None:
    """A coordinator's confirmation has nothing left to act on once the case has closed."""
    if CaseStage(case.stage).is_closed:
        raise InvalidInput.one(field, f"case {case.ref} is closed ({case.stage})")


def confirm_setting_address(
    session: Session,
    *,
    case: Case,
    urn: str | None = None,
    email: str | None = None,
    by_post: bool = False,
    council: Council,
    now: datetime,
    actor: str,
) -> Case:
    """A coordinator confirms where the council writes to the child's current setting, when
    the council's directory did not give it at intake: by its URN in the directory (the
    directory's name and SEN inbox), an address the coordinator checked with the setting,
    or by post. Until then nothing went to the setting and its educational advice (Regs
    6(1)(b)) waited; once confirmed, the next look sends what is due to it."""
    given = [choice for choice, chosen in (("urn", urn), ("email", email), ("by_post", by_post)) if chosen]
    if len(given) != 1:
        raise InvalidInput.one("urn", "give exactly one of: the setting's URN, an email address, or by post")
    if case.setting_address_confirmed and case.setting_name is not None:
        raise InvalidInput.one("urn", f"the setting's address on {case.ref} is already confirmed")
    _refuse_if_closed(case, field="urn")
    facts = case_facts(session, case=case)
    how: str
    if urn is not None:
        entry = council.setting(urn.strip())
        if entry is None:
            raise InvalidInput.one(
                "urn", f"URN {urn.strip()!r} is not in the council's directory of settings"
            )
        case.setting_urn, case.setting_name, case.setting_email = (
            urn.strip(),
            entry.name,
            str(entry.sen_email),
        )
        calendar = case.setting_calendar or entry.term_calendar
        if calendar != case.setting_calendar:
            facts = _as_field("urn", **_with(facts, setting_calendar=calendar))
            case.setting_calendar = calendar
        how = f"from the council's directory of settings (URN {case.setting_urn})"
    elif email is not None:
        if case.setting_name is None:
            raise InvalidInput.one("email", f"{case.ref} has no current setting: give its URN")
        try:
            case.setting_email = str(_EMAIL.validate_python(email.strip()))
        except ValidationError as error:
            raise InvalidInput.one("email", "not a valid email address") from error
        how = "an address the coordinator checked with the setting"
    else:
        if case.setting_name is None:
            raise InvalidInput.one("by_post", f"{case.ref} has no current setting: give its URN")
        case.setting_email = None
        how = "by post"
    case.setting_address_confirmed = True
    _commit_change(
        session,
        case=case,
        facts=facts,
        council=council,
        kind="setting_address_confirmed",
        occurred_on=london_date(now),
        actor=actor,
        now=now,
        summary=f"The setting's address confirmed by {actor}: {how}. Notices and the request for "
        "educational advice (Regs 6(1)(b)) now go to it.",
        detail={"how": given[0], "urn": case.setting_urn, "confirmed_by": actor},
    )
    return case


def confirm_received_on(
    session: Session,
    *,
    case: Case,
    received_on: date | None = None,
    council: Council,
    now: datetime,
    actor: str,
) -> Case:
    """A coordinator confirms the date the council received the request (every statutory
    limit runs from it: Regs 5(1), 13(2)), flagged at intake because it was more than 4
    weeks before the request reached the system. `received_on` corrects it when the date
    given was wrong: the case's limits are then counted from the corrected date."""
    if case.received_on_confirmed:
        raise InvalidInput.one("received_on", f"the date of receipt of {case.ref} is already confirmed")
    new = received_on or case.received_on
    _not_future("received_on", new, now)
    facts = _as_field("received_on", **_with(case_facts(session, case=case), received_on=new))
    corrected = new != case.received_on
    summary = (
        f"Date of receipt corrected by {actor} from {case.received_on} to {new}: every statutory limit now "
        "runs from it (Regs 5(1), 13(2))."
        if corrected
        else f"Date of receipt ({new}) confirmed by {actor}: every statutory limit runs from it "
        "(Regs 5(1), 13(2))."
    )
    if corrected:
        timeline = _timeline(facts, council, london_date(now))
        case.received_on = new
        case.decide_to_assess_by = timeline.due_on("decision_to_assess")
        case.decide_not_to_issue_by = timeline.due_on("decision_not_to_issue")
        case.draft_target_by = timeline.due_on("draft_plan_target")
        case.final_plan_by = timeline.due_on("final_plan")
    case.received_on_confirmed = True
    _commit_change(
        session,
        case=case,
        facts=facts,
        council=council,
        kind="received_on_confirmed",
        occurred_on=london_date(now),
        actor=actor,
        now=now,
        summary=summary,
        detail={"received_on": new.isoformat(), "corrected": corrected, "confirmed_by": actor},
    )
    return case


def agreed_sufficient(session: Session, *, case: Case) -> tuple[ExistingAdvice, ...]:
    """Regs 6(4) agreements recorded before their advice was requested, newest per key."""
    events = session.exec(
        select(CaseEvent)
        .where(CaseEvent.case_id == case.id, CaseEvent.kind == EXISTING_ADVICE_AGREED)
        .order_by(col(CaseEvent.id))
    ).all()
    latest = {
        event.detail["key"]: ExistingAdvice(
            key=event.detail["key"],
            source=event.detail["source"],
            agreed_on=date.fromisoformat(event.detail["agreed_on"]),
        )
        for event in events
    }
    return tuple(latest.values())


def add_advice(
    session: Session, *, case: Case, advice: AdviceAdd, council: Council, now: datetime, actor: str
) -> AdviceRequest:
    """A coordinator asks someone more for advice while the council is assessing (an
    `inputs.AdviceAdd`): someone the family reasonably asks for (Regs 6(1)(h)), anyone
    the council thinks appropriate (f), or whoever gives the educational (b) or
    preparation for adulthood (g) advice when the case has nobody for it. The key is the
    role and the next free number (`family-requested-1`): names never go in keys."""
    facts = case_facts(session, case=case)
    stage = stage_of(facts)
    if stage is not CaseStage.ASSESSING:
        raise InvalidInput.one(
            "role", f"advice is added while the council is assessing; {case.ref} is {stage}"
        )
    if sharing_held(session, case=case):
        # Regs 6(2): the request would carry the family's representations, which they did not
        # agree to share: the coordinator decides what may be shared first.
        raise InvalidInput.one(
            "role",
            "the family did not consent at intake to their request being shared: record what advisers may "
            "be sent first (`ehcp advice share`)",
        )
    role = ContributorRole(advice.role)
    key = added_key(role, [item.key for item in facts.advice])
    return request_advice(
        session,
        case=case,
        advice=AdviceRequestIn(
            key=key,
            role=role,
            organisation=advice.organisation,
            contact_name=advice.contact_name,
            contact_email=advice.contact_email,
            requested_on=london_date(now),
        ),
        council=council,
        now=now,
        actor=actor,
    )


def record_existing_advice_sufficient(
    session: Session,
    *,
    case: Case,
    key: str,
    existing: ExistingAdviceIn,
    council: Council,
    now: datetime,
    actor: str,
) -> AdviceRequest | None:
    """Regs 6(4): the council "must not seek" advice under (1)(b) to (h) that was already
    given, when the person who gave it, the council and the family are all satisfied it
    is sufficient (an `inputs.ExistingAdviceIn`). Refused unless both the adviser and the
    family agree (the council's agreement is this recording).

    Recorded before the advice is requested, it is never sought: the planner stores it as
    accepted instead of sending a request. Recorded after, it ends the chase (no reminder,
    chaser, escalation or wait) and counts as advice for section K. Returns the advice
    request row, or None when the agreement waits for the request it replaces."""
    refusals = []
    if not existing.adviser_agrees:
        refusals.append(
            FieldError("adviser_agrees", "the person who gave the advice must agree it is sufficient")
        )
    if not existing.family_agrees:
        refusals.append(FieldError("family_agrees", "the family must agree it is sufficient"))
    if refusals:
        raise InvalidInput(refusals)
    _not_future("agreed_on", existing.agreed_on, now)
    if existing.agreed_on < case.received_on:
        raise InvalidInput.one(
            "agreed_on", f"{existing.agreed_on} is before the request ({case.received_on})"
        )
    facts = case_facts(session, case=case)
    stage = stage_of(facts)
    if stage.is_closed:
        raise InvalidInput.one("key", f"case {case.ref} is closed ({stage})")
    row = session.exec(
        select(AdviceRequest).where(AdviceRequest.case_id == case.id, AdviceRequest.key == key)
    ).first()
    role = ContributorRole(row.role) if row is not None else None
    if row is None:
        planned = advice_plan(advice_case_of(session, case=case, council=council), on=london_date(now))
        item = planned.item(key)
        if item is None or stage not in (CaseStage.CONSIDERING, CaseStage.ASSESSING):
            known = ", ".join(item.key for item in planned.items if item.role in EXISTING_ADVICE_ROLES)
            raise InvalidInput.one("key", f"no advice {key!r} to be sought on {case.ref} (advice: {known})")
        role = item.role
    if role not in EXISTING_ADVICE_ROLES:
        raise InvalidInput.one(
            "key", "Regs 6(4) covers advice under 6(1)(b) to (h): the family's own advice is always sought"
        )
    summary = (
        f"Existing advice agreed sufficient by the council, its author and the family (Regs 6(4)): "
        f"{words(role.value)} ({key}) is not sought"
    )
    detail = {"key": key, "source": existing.source, "agreed_on": existing.agreed_on.isoformat()}
    if row is None:
        summary += " when the advice is requested."
        _commit_change(
            session,
            case=case,
            facts=facts,
            council=council,
            kind=EXISTING_ADVICE_AGREED,
            occurred_on=existing.agreed_on,
            actor=actor,
            now=now,
            summary=summary,
            detail=detail,
        )
        return None
    if row.received_on is not None:
        raise InvalidInput.one("key", f"advice {key!r} was received on {row.received_on}")
    if row.existing_advice_accepted:
        raise InvalidInput.one(
            "key", f"advice {key!r} is already recorded as existing advice agreed sufficient"
        )
    advice = [
        {**item.model_dump(), "existing_advice_accepted": True} if item.key == key else item.model_dump()
        for item in facts.advice
    ]
    proposed = _as_field("key", **_with(facts, advice=advice))
    row.existing_advice_accepted = True
    row.existing_advice_source = existing.source
    row.existing_advice_agreed_on = existing.agreed_on
    session.add(row)
    _commit_change(
        session,
        case=case,
        facts=proposed,
        council=council,
        kind="existing_advice_accepted",
        occurred_on=existing.agreed_on,
        actor=actor,
        now=now,
        summary=summary + " further: it is no longer chased.",
        detail=detail,
    )
    return row


# -- the caseload (issue 14) ---------------------------------------------


def open_cases_facts(session: Session) -> list[tuple[Case, CaseFacts]]:
    """Every open case with its facts, oldest reference first, in seven queries whatever
    the number of cases (the sweep publishes the caseload board every 15 minutes): one
    for the cases and one per table their facts are built from, as `case_facts` reads them."""
    cases = list(session.exec(select(Case).where(_OPEN).order_by(col(Case.ref))))
    rows: dict[int, _CaseRows] = {id_of(case): _CaseRows([], [], [], [], [], []) for case in cases}
    for model, field_name in (
        (Decision, "decisions"),
        (AdviceRequest, "advice"),
        (PlanVersion, "versions"),
        (SettingConsultation, "consultations"),
        (StatutoryException, "exceptions"),
    ):
        order = col(PlanVersion.number) if model is PlanVersion else col(model.id)
        for row in session.exec(_of_open_cases(model).order_by(order)):
            getattr(rows[row.case_id], field_name).append(row)
    sent: dict[int, list[OutboundMessage]] = defaultdict(list)
    for message in session.exec(_of_open_cases(OutboundMessage).where(*_MOVES_THE_CLOCK)):
        sent[message.case_id].append(message)
    for case_id, messages in sent.items():
        rows[case_id].sent.extend(_told_of(messages))
    return [(case, _facts_of(case, rows[id_of(case)])) for case in cases]


_OPEN = col(Case.closed_on).is_(None)


def _of_open_cases(model: Any) -> Any:
    return select(model).join(Case, col(Case.id) == model.case_id).where(_OPEN)


def assign_officer(
    session: Session,
    *,
    ref: str,
    officer: str | None,
    council: Council,
    by: str,
    now: datetime,
) -> Case:
    """Assign the case to a coordinator (a key of council.yaml's `coordinators`), or with
    None to nobody. The run looks again (its tags follow: `officer:<key>`), and from then
    the coordinator gets the case's warnings at their own inbox as well as the team's.
    The chronology records the keys and who assigned it, never a name. Assigning the
    coordinator the case already has changes nothing."""
    case = require_case(session, ref=ref)
    if officer is not None and officer not in council.coordinators:
        known = ", ".join(sorted(council.coordinators)) or "none are configured"
        raise InvalidInput.one("officer", f"unknown coordinator {officer!r} (coordinators: {known})")
    _refuse_if_closed(case, field="officer")
    previous = case.officer
    if officer == previous:
        return case
    case.officer = officer
    if officer is None:
        summary = f"Unassigned from coordinator {previous} by {by}."
    else:
        summary = f"Assigned to coordinator {officer} by {by}" + (f" (was {previous})." if previous else ".")
    _commit_change(
        session,
        case=case,
        facts=case_facts(session, case=case),
        council=council,
        kind="officer_assigned",
        occurred_on=london_date(now),
        actor=by,
        now=now,
        summary=summary,
        detail={"officer": officer, "previous": previous, "assigned_by": by},
    )
    return case
