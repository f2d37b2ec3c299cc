"""Example inputs for store tests, and builders that write them through the real case store.

The names are made up and marked as such. Each builder calls the `ehcp.db.crud` operation
it is named after, so a test gets the same validation, chronology and derived columns as
the app, and returns what the store returns. `now` is always the caller's: a builder's
date (`on=`) defaults to the London day of `now`, never to the system clock.
"""

from __future__ import annotations

import tempfile
from datetime import date, datetime, time
from pathlib import Path

from sqlmodel import Session, select

from ehcp.council.config import Council
from ehcp.db import crud, plan_versions
from ehcp.db.inputs import (
    AdviceRequestIn,
    CaseOpen,
    ChildIn,
    ConsultationIn,
    ExceptionIn,
    FamilyContactIn,
    PanelDecision,
)
from ehcp.db.models import (
    AdviceRequest,
    Case,
    Decision,
    OutboundMessage,
    OutboxState,
    PlanVersion,
    SettingConsultation,
    StatutoryException,
    id_of,
)
from ehcp.domain.facts import SettingType
from ehcp.timesource import london_date, london_instant

CHILD_NAME = "Testchild-Zebedee"
PARENT_EMAIL = "parent.testfamily@example.org"
ACTOR = "test"


def case_open(received_on: date = date(2026, 1, 5), **changes) -> CaseOpen:
    values = {
        "received_on": received_on,
        "request_source": "parent",
        "setting_name": "Example Primary School",
        "setting_calendar": "la-maintained",
        "child": ChildIn(
            given_names=CHILD_NAME,
            family_name="Example",
            date_of_birth=date(2017, 3, 14),
            nhs_number="9434765919",
            postcode="ZZ1 1ZZ",
        ),
        "family": [
            FamilyContactIn(
                full_name="Pat Example", relationship="parent", email=PARENT_EMAIL, is_primary=True
            )
        ],
    }
    values.update(changes)
    return CaseOpen(**values)


def open_case(
    session: Session,
    council: Council,
    *,
    now: datetime,
    actor: str = ACTOR,
    entered_by_staff: bool = True,
    **changes,
) -> Case:
    """A request received on 5 January 2026 unless `received_on=` says otherwise, typed in
    by the council's staff (the setting's address is theirs) unless `entered_by_staff=False`."""
    return crud.open_case(
        session,
        request=case_open(**changes),
        council=council,
        now=now,
        actor=actor,
        entered_by_staff=entered_by_staff,
    )


def decide(
    session: Session,
    council: Council,
    case: Case,
    *,
    decision: str = "assess",
    now: datetime,
    on: date | None = None,
    reasons: str | None = None,
    internal_note: str | None = None,
    actor: str = ACTOR,
) -> Decision:
    """A panel decision: assess, not_assess, issue or not_issue (as `ehcp decide` takes them)."""
    entry = PanelDecision(decision).entry(decided_on=_day(on, now), reasons=reasons)
    if internal_note is not None:
        entry = entry.model_copy(update={"internal_note": internal_note})
    return crud.record_decision(session, case=case, decision=entry, council=council, now=now, actor=actor)


def request_advice(
    session: Session,
    council: Council,
    case: Case,
    *,
    key: str = "health",
    role: str = "health",
    organisation: str = "Example Adviser Service",
    now: datetime,
    on: date | None = None,
    actor: str = ACTOR,
    **changes,
) -> AdviceRequest:
    advice = AdviceRequestIn(
        key=key, role=role, organisation=organisation, requested_on=_day(on, now), **changes
    )
    return crud.request_advice(session, case=case, advice=advice, council=council, now=now, actor=actor)


def receive_advice(
    session: Session,
    council: Council,
    case: Case,
    *,
    key: str = "health",
    now: datetime,
    on: date | None = None,
    actor: str = ACTOR,
) -> AdviceRequest:
    return crud.record_advice_received(
        session, case=case, key=key, received_on=_day(on, now), council=council, now=now, actor=actor
    )


def record_exception(
    session: Session,
    council: Council,
    case: Case,
    *,
    ground: str,
    now: datetime,
    limit_key: str = "final_plan",
    starts_on: date | None = None,
    evidence_note: str = "Evidence on file.",
    actor: str = ACTOR,
    **changes,
) -> StatutoryException:
    exception = ExceptionIn(
        ground=ground,
        limit_key=limit_key,
        starts_on=_day(starts_on, now),
        evidence_note=evidence_note,
        **changes,
    )
    return crud.record_exception(
        session, case=case, exception=exception, council=council, now=now, actor=actor
    )


def serve_draft(
    session: Session,
    council: Council,
    case: Case,
    *,
    now: datetime,
    on: date | None = None,
    actor: str = ACTOR,
) -> Case:
    if plan_versions.latest_plan_version(session, case=case) is None:
        upload_plan(session, council, case, now=now)
    return crud.record_draft_served(
        session, case=case, served_on=_day(on, now), council=council, now=now, actor=actor
    )


_CASEWORKER_FILES: dict[str, bytes] = {}


def caseworker_file(council: Council) -> bytes:
    """A working draft finished as a caseworker finishes it (made once per council name)."""
    from tests.support.plan_files import finished, working_draft

    if council.name not in _CASEWORKER_FILES:
        _CASEWORKER_FILES[council.name] = finished(working_draft(council))
    return _CASEWORKER_FILES[council.name]


def upload_plan(
    session: Session,
    council: Council,
    case: Case,
    *,
    now: datetime,
    data: bytes | None = None,
    actor: str = ACTOR,
) -> PlanVersion:
    """The caseworker's version of the plan, uploaded (what a draft serves)."""
    store = Path(tempfile.gettempdir()) / "ehcp-test-plans"
    return plan_versions.upload_plan_version(
        session,
        case=case,
        data=data or caseworker_file(council),
        filename="plan.docx",
        store=store,
        now=now,
        actor=actor,
    )


def consult(
    session: Session,
    council: Council,
    case: Case,
    *,
    key: str = "oak",
    setting_name: str = "Oak Academy",
    contact_email: str = "admissions@oak.sch.uk",
    now: datetime,
    on: date | None = None,
    actor: str = ACTOR,
) -> SettingConsultation:
    consultation = ConsultationIn(
        key=key, setting_name=setting_name, contact_email=contact_email, sent_on=_day(on, now)
    )
    return crud.record_consultation(
        session, case=case, consultation=consultation, council=council, now=now, actor=actor
    )


def consult_answer(
    session: Session,
    council: Council,
    case: Case,
    *,
    key: str = "oak",
    outcome: str = "agreed",
    now: datetime,
    on: date | None = None,
    actor: str = ACTOR,
) -> SettingConsultation:
    return crud.record_consultation_answer(
        session,
        case=case,
        key=key,
        answered_on=_day(on, now),
        outcome=outcome,
        council=council,
        now=now,
        actor=actor,
    )


def record_advice_gap(
    session: Session,
    council: Council,
    case: Case,
    *,
    key: str,
    reason: str = "not_received_after_escalation",
    now: datetime,
    actor: str = ACTOR,
) -> AdviceRequest:
    return crud.record_advice_gap(
        session, case=case, key=key, reason=reason, council=council, now=now, actor=actor
    )


def name_setting(
    session: Session,
    council: Council,
    case: Case,
    *,
    setting_name: str | None = "Oak Academy",
    setting_type: SettingType = SettingType.MAINSTREAM_SCHOOL,
    setting_email: str | None = None,
    now: datetime,
    on: date | None = None,
    actor: str = ACTOR,
) -> Case:
    return crud.record_named_setting(
        session,
        case=case,
        setting_name=setting_name,
        setting_type=setting_type,
        setting_email=setting_email,
        on=_day(on, now),
        council=council,
        now=now,
        actor=actor,
    )


def finalise(
    session: Session,
    council: Council,
    case: Case,
    *,
    now: datetime,
    on: date | None = None,
    actor: str = ACTOR,
) -> Case:
    return crud.finalise_plan(session, case=case, on=_day(on, now), council=council, now=now, actor=actor)


def tell_family(session: Session, case: Case, *, purpose: str, on: date) -> OutboundMessage:
    """A letter to the family recorded as sent on `on` (07:00 London), as delivery leaves it:
    the day a limit that is a duty to notify is met."""
    sent_at = london_instant(on, time(7, 0))
    row = OutboundMessage(
        key=f"{case.ref}:{purpose}:family:test:{on}",
        case_id=id_of(case),
        purpose=purpose,
        recipient_role="family",
        recipient_address=PARENT_EMAIL,
        subject="test",
        body_text="test",
        state=OutboxState.SENT,
        smtp_message_id=f"<{case.ref}.{purpose}.{on}@test>",
        queued_at=sent_at,
        sent_at=sent_at,
    )
    session.add(row)
    session.commit()
    return row


def send_queued(session: Session, case: Case, *, on: date, purpose: str | None = None) -> int:
    """Mark the case's queued emails (of one purpose, or all) sent on `on` at 07:00 London,
    as a delivery pass leaves them; letters in the post tray are left. How many."""
    sent_at = london_instant(on, time(7, 0))
    query = select(OutboundMessage).where(
        OutboundMessage.case_id == case.id,
        OutboundMessage.state == OutboxState.QUEUED,
        OutboundMessage.channel == "email",
    )
    if purpose is not None:
        query = query.where(OutboundMessage.purpose == purpose)
    rows = session.exec(query).all()
    for row in rows:
        row.state, row.sent_at = OutboxState.SENT, sent_at
        session.add(row)
    session.commit()
    return len(rows)


def withdraw(
    session: Session,
    council: Council,
    case: Case,
    *,
    now: datetime,
    on: date | None = None,
    actor: str = ACTOR,
) -> Case:
    return crud.withdraw(
        session, case=case, withdrawn_on=_day(on, now), council=council, now=now, actor=actor
    )


def _day(on: date | None, now: datetime) -> date:
    """The day something happened: as given, else the London day of the test's `now`."""
    return london_date(now) if on is None else on


# -- intake and advice sought per case ----------------------------------------

INTAKE_PROFESSIONAL_EMAIL = "salt.testname@example-trust.example.org"


def intake_request(received_on: date = date(2026, 1, 5), **changes):
    """An intake form's request (IntakeRequestV1), as the webhook receives one. `child=`,
    `professionals=`, `contact_preferences=`, `consent=` and the rest override by key."""
    from ehcp.intake.schema import IntakeRequestV1

    values: dict = {
        "received_on": received_on.isoformat(),
        "requester": {"kind": "parent", "name": "Pat Example", "email": PARENT_EMAIL},
        "child": {
            "given_names": CHILD_NAME,
            "family_name": "Example",
            "date_of_birth": "2017-03-14",
            "address": {"line_1": "1 Example Street", "town": "Exampleton", "postcode": "ZZ9 9ZZ"},
        },
        "parents": [
            {
                "full_name": "Pat Example",
                "relationship": "parent",
                "email": PARENT_EMAIL,
                "main_contact": True,
            }
        ],
        "current_setting": {
            "name": "Example Primary School",
            "kind": "school",
            "urn": "100001",  # in the example council's directory of settings
            "email": "senco@example-primary.example.org",
            "term_calendar": "la-maintained",
        },
        "reasons": "Testreason: needs not met from the school's own resources.",
        "needs": "Testneeds: speech, language and communication.",
        "consent": {"share_with_professionals": True, "information_is_true": True},
    }
    child = changes.pop("child", {})
    values["child"] = {**values["child"], **child}
    values.update(changes)
    return IntakeRequestV1.model_validate(values)


def open_case_by_intake(
    session: Session, council: Council, *, now: datetime, webhook_id: str = "msg_test_1", **changes
) -> Case:
    """A case opened as the webhook opens one (the submission row kept with it)."""
    from ehcp.intake.store import receive

    received = receive(
        session, webhook_id=webhook_id, request=intake_request(**changes), council=council, now=now
    )
    return crud.require_case(session, ref=received.case_ref)


def add_advice(
    session: Session,
    council: Council,
    case: Case,
    *,
    role: str = "family_requested",
    organisation: str = "Example Occupational Therapy Service",
    name: str | None = None,
    email: str | None = None,
    now: datetime,
    actor: str = ACTOR,
) -> AdviceRequest:
    from ehcp.db.inputs import AdviceAdd

    entry = AdviceAdd(role=role, organisation=organisation, contact_name=name, contact_email=email)
    return crud.add_advice(session, case=case, advice=entry, council=council, now=now, actor=actor)


def agree_existing_advice(
    session: Session,
    council: Council,
    case: Case,
    *,
    key: str = "psychological",
    source: str = "Educational psychology report, November 2025",
    now: datetime,
    on: date | None = None,
    adviser_agrees: bool = True,
    family_agrees: bool = True,
    actor: str = ACTOR,
) -> AdviceRequest | None:
    from ehcp.db.inputs import ExistingAdviceIn

    entry = ExistingAdviceIn(
        source=source, agreed_on=_day(on, now), adviser_agrees=adviser_agrees, family_agrees=family_agrees
    )
    return crud.record_existing_advice_sufficient(
        session, case=case, key=key, existing=entry, council=council, now=now, actor=actor
    )
