"""Turn an accepted delivery into a case, exactly once.

The case, its people and the submission row are committed together, before
the webhook is answered. A redelivery (same webhook id, or the same form
submission id) finds the case it made; two deliveries racing with the same id
make one case, because the unique keys let only one commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pydantic import ValidationError
from sqlalchemy import or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from ehcp.council.config import Council
from ehcp.db import crud
from ehcp.db.inputs import CaseOpen, FamilyContactIn
from ehcp.db.models import Case, IntakeSubmission, id_of
from ehcp.db.unit_of_work import unit_of_work
from ehcp.errors import InvalidInput
from ehcp.intake.schema import IntakeRequestV1

ACTOR = "intake:webhook"


@dataclass(frozen=True)
class Received:
    case_ref: str
    created: bool
    decide_by: str


def receive(
    session: Session, *, webhook_id: str, request: IntakeRequestV1, council: Council, now: datetime
) -> Received:
    existing = _existing(session, webhook_id, request.submission_id)
    if existing is not None:
        return existing
    case_open = _as_case(request)
    try:
        with unit_of_work(session):
            case = crud.open_case(session, request=case_open, council=council, now=now, actor=ACTOR)
            session.add(
                IntakeSubmission(
                    webhook_id=webhook_id,
                    submission_id=request.submission_id,
                    case_id=id_of(case),
                    schema_version=request.schema_version,
                    payload=request.model_dump(mode="json"),
                    received_at=now,
                )
            )
    except IntegrityError:
        # Someone else committed this delivery first: answer with their case.
        existing = _existing(session, webhook_id, request.submission_id)
        if existing is None:
            raise
        return existing
    return Received(case_ref=case.ref, created=True, decide_by=case.decide_to_assess_by.isoformat())


def _existing(session: Session, webhook_id: str, submission_id: str | None) -> Received | None:
    matches = [col(IntakeSubmission.webhook_id) == webhook_id]
    if submission_id is not None:
        matches.append(col(IntakeSubmission.submission_id) == submission_id)
    case = session.exec(
        select(Case)
        .join(IntakeSubmission, col(IntakeSubmission.case_id) == col(Case.id))
        .where(or_(*matches))
    ).first()
    if case is None:
        return None
    return Received(case_ref=case.ref, created=False, decide_by=case.decide_to_assess_by.isoformat())


def _as_case(request: IntakeRequestV1) -> CaseOpen:
    setting = request.current_setting
    family = [
        FamilyContactIn(
            full_name=parent.full_name,
            relationship=parent.relationship,
            email=parent.email,
            phone=parent.phone,
            preferred_contact=request.contact_preferences.method,
            is_primary=parent.main_contact,
            receives_copies=parent.receives_copies,
        )
        for parent in request.parents
    ]
    if not any(contact.is_primary for contact in family):
        family[0] = family[0].model_copy(update={"is_primary": True})
    try:
        return CaseOpen(
            received_on=request.received_on,
            request_source=request.requester.kind,
            setting_name=setting.name if setting else None,
            # The council's directory of settings gives the setting's address by its URN;
            # the form's email is used only if it is the directory's own (crud.open_case).
            setting_urn=setting.urn if setting else None,
            setting_email=setting.email if setting else None,
            setting_calendar=setting.term_calendar if setting else None,
            child=request.as_child(),
            family=family,
            hearing_impairment=request.child.hearing_impairment,
            vision_impairment=request.child.vision_impairment,
            contact_language=request.contact_preferences.language,
            interpreter_needed=request.contact_preferences.interpreter_needed,
            accessibility_needs=request.contact_preferences.accessibility_needs,
        )
    except ValidationError as error:  # named by field; pydantic's own text quotes values
        raise InvalidInput.from_validation(error) from None
